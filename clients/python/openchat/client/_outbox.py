"""The outbox: every message the app writes is stored here first, then sent, one after the other
per conversation (so the server numbers them in the order they were written), each retried
with its own client_msg_id until the server acknowledges it or refuses it for good."""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from types import MappingProxyType

from openchat.client._counters import Counters
from openchat.client._exceptions import ClientClosed, SendTimeout, ServiceError, from_outbox_error
from openchat.client._models import Content, MessageAck, OutboxEntry, OutboxError, OutboxState
from openchat.client._policies import RetryPolicy
from openchat.client._rpc import Wakeup, retrying
from openchat.client._store import LocalStore

_log = logging.getLogger("openchat.client")

# One attempt to send an entry, within the given timeout.
SendAttempt = Callable[[OutboxEntry, float], Awaitable[MessageAck]]

# Conversations whose next message may be on the wire at the same time.
MAX_CONCURRENT_SENDS = 32


class Outbox:
    """The client's outbox (`Client.outbox`). Entries are PENDING until acknowledged (SENT) or
    refused (FAILED); they survive restarts of the app when the client has a store path."""

    def __init__(
        self,
        store: LocalStore,
        send: SendAttempt,
        policy: RetryPolicy,
        *,
        counters: Counters,
        wakeup: Wakeup,
        on_settled: Callable[[OutboxEntry], None],
        rng: random.Random,
    ) -> None:
        self._store = store
        self._send = send
        self._policy = policy
        self._counters = counters
        self._wakeup = wakeup
        self._on_settled = on_settled
        self._rng = rng
        self._lanes: dict[str, deque[OutboxEntry]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._waiters: dict[str, asyncio.Future[OutboxEntry]] = {}
        self._adding = asyncio.Lock()
        self._changed = asyncio.Condition()
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_SENDS)
        self._closed = False

    async def start(self) -> None:
        """Resume sending what earlier runs left pending."""
        for entry in await self._store.outbox(state=OutboxState.PENDING):
            self._queue(entry)

    async def stop(self) -> None:
        """Stop sending; pending entries stay pending in the store."""
        self._closed = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for waiter in self._waiters.values():
            if not waiter.done():
                waiter.set_exception(ClientClosed("the client was closed"))
                # Whoever still waits gets the error; a wait() that timed out left no one to
                # read it, and asyncio would report it as "never retrieved".
                waiter.exception()
        self._waiters.clear()

    @property
    def depth(self) -> int:
        """Entries waiting to be acknowledged (PENDING)."""
        return sum(len(lane) for lane in self._lanes.values())

    async def add(
        self, conversation_id: str, content: Content, client_msg_id: str | None = None
    ) -> OutboxEntry:
        """Store a new message as PENDING and queue it behind the conversation's others. An id
        already in the outbox with the same message returns that entry (an idempotent write)."""
        if self._closed:
            raise ClientClosed("the client is closed")
        entry = OutboxEntry(
            client_msg_id=client_msg_id or str(uuid.uuid4()),
            conversation_id=conversation_id,
            content=content,
            state=OutboxState.PENDING,
            created_at=datetime.now(UTC),
        )
        async with self._adding:  # store order = send order
            if await self._store.add_outbox(entry):
                self._queue(entry)
                return entry
        existing = await self.get(entry.client_msg_id)
        assert existing is not None
        if (existing.conversation_id, existing.content) != (conversation_id, content):
            raise ValueError(f"client_msg_id {entry.client_msg_id} is taken by another message")
        return existing  # the same message again: it is sent once

    async def entries(self, state: OutboxState | None = None) -> list[OutboxEntry]:
        """Every entry (or those in `state`), in the order the app wrote them."""
        return await self._store.outbox(state=state)

    async def get(self, client_msg_id: str) -> OutboxEntry | None:
        found = await self._store.outbox(client_msg_id=client_msg_id)
        return found[0] if found else None

    async def wait(
        self,
        client_msg_id: str,
        timeout: float | None = None,  # noqa: ASYNC109 - ends in SendTimeout, naming the entry
    ) -> MessageAck:
        """The entry's ack once the server acknowledged it. Raises the server's error if it was
        refused, SendTimeout after `timeout` seconds (the entry stays pending), KeyError for an
        unknown id."""
        waiter = self._waiters.get(client_msg_id)
        if waiter is None:  # settled already (or unknown): the store has the outcome
            entry = await self.get(client_msg_id)
            if entry is None:
                raise KeyError(client_msg_id)
            if entry.state is OutboxState.PENDING:
                raise ClientClosed("the client is closed")
        else:
            try:
                async with asyncio.timeout(timeout):
                    entry = await asyncio.shield(waiter)
            except TimeoutError:
                raise SendTimeout(client_msg_id, timeout or 0.0) from None
        if entry.error is not None:
            raise from_outbox_error(entry.error)
        assert entry.ack is not None
        return entry.ack

    async def retry(self, client_msg_id: str) -> OutboxEntry:
        """Send a FAILED entry again (after the app fixed the cause), with the same
        client_msg_id, behind the conversation's pending messages."""
        if self._closed:
            raise ClientClosed("the client is closed")
        entry = await self.get(client_msg_id)
        if entry is None or entry.state is not OutboxState.FAILED:
            raise ValueError(f"{client_msg_id} is not a failed outbox entry")
        await self._store.settle_outbox(client_msg_id)
        entry = replace(entry, state=OutboxState.PENDING, error=None)
        self._queue(entry)
        return entry

    async def discard(self, client_msg_id: str) -> bool:
        """Forget a SENT or FAILED entry. PENDING entries cannot be withdrawn: an attempt may
        already have stored the message."""
        entry = await self.get(client_msg_id)
        if entry is None or entry.state is OutboxState.PENDING:
            return False
        return await self._store.delete_outbox(client_msg_id)

    async def clear_sent(self) -> int:
        """Forget every SENT entry; returns how many."""
        return await self._store.delete_sent()

    async def flush(self) -> None:
        """Wait until no entry is pending (bound it with asyncio.timeout)."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.depth == 0)

    # --- sending ----------------------------------------------------------------------------

    def _queue(self, entry: OutboxEntry) -> None:
        self._waiters[entry.client_msg_id] = asyncio.get_running_loop().create_future()
        lane = self._lanes.setdefault(entry.conversation_id, deque())
        lane.append(entry)
        if entry.conversation_id not in self._tasks:
            self._tasks[entry.conversation_id] = asyncio.create_task(
                self._run_lane(entry.conversation_id), name=f"outbox-{entry.conversation_id}"
            )

    async def _run_lane(self, conversation_id: str) -> None:
        lane = self._lanes[conversation_id]
        try:
            await self._send_lane(lane)
        except (ClientClosed, asyncio.CancelledError):
            raise
        except Exception:  # noqa: BLE001 - logged; the lane starts again later
            # The entries stay pending; the next message written to this conversation (or the
            # next start of the client) starts the lane again from the same entry.
            _log.exception("sending to %s failed unexpectedly", conversation_id)
        finally:
            if not lane:
                del self._lanes[conversation_id]
            del self._tasks[conversation_id]

    async def _send_lane(self, lane: deque[OutboxEntry]) -> None:
        while lane:
            settled = await self._deliver(lane[0])
            lane.popleft()
            waiter = self._waiters.pop(settled.client_msg_id, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(settled)
            self._on_settled(settled)
            async with self._changed:
                self._changed.notify_all()

    async def _deliver(self, entry: OutboxEntry) -> OutboxEntry:
        attempts = entry.attempts

        async def attempt(time_limit: float) -> MessageAck:
            nonlocal attempts
            attempts += 1
            async with self._slots:
                return await self._send(entry, time_limit)

        async def on_retry(error: ServiceError) -> None:
            self._counters.send_retries += 1

        try:
            ack = await retrying(
                attempt,
                self._policy,
                self._rng,
                deadline=None,
                on_retry=on_retry,
                wakeup=self._wakeup,
            )
        except ServiceError as error:
            failure = OutboxError(
                error.code.name, error.reason, error.message, MappingProxyType(error.metadata)
            )
            await self._store.settle_outbox(entry.client_msg_id, error=failure, attempts=attempts)
            self._counters.sends_failed += 1
            return replace(entry, state=OutboxState.FAILED, error=failure, attempts=attempts)
        await self._store.settle_outbox(entry.client_msg_id, ack=ack, attempts=attempts)
        self._counters.sends_acked += 1
        return replace(entry, state=OutboxState.SENT, ack=ack, attempts=attempts)
