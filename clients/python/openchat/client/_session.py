"""The session stream (PresenceService.Connect), kept open for as long as the client runs.

Each connection says hello with the inbox's cursors (and resume_all, so conversations the
client never saw are caught up from their start) and its deletion cursor (so deletions made on
other devices meanwhile are caught up too), waits for the welcome, then reads frames
while three helpers write: the heartbeat (a ping every heartbeat_interval), delivery acks for
what the app was given, and presence watches. A connection that ends for any reason other than
a refusal for good (a bad device id, a token that cannot be refreshed) is opened again after an
exponential backoff with full jitter, or after the delay the server asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
from collections.abc import Awaitable, Callable

import grpc

from openchat.client._convert import (
    message_from_pb,
    presence_from_pb,
    receipt_from_pb,
    seconds,
    typing_from_pb,
)
from openchat.client._counters import Counters
from openchat.client._event_queue import EventQueue
from openchat.client._events import (
    CaughtUp,
    Connected,
    Disconnected,
    MessagesDeleted,
    PresenceChanged,
    ReceiptReceived,
    Reconnecting,
    TypingChanged,
)
from openchat.client._exceptions import (
    FailedPrecondition,
    InvalidArgument,
    OpenChatError,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
    from_rpc_error,
)
from openchat.client._inbox import Inbox
from openchat.client._policies import ReconnectPolicy
from openchat.client._rpc import Rpc, Wakeup
from openchat.v1 import presence_service_pb2 as pb
from openchat.v1 import sync_service_pb2

_log = logging.getLogger("openchat.client")

# Errors after which connecting again cannot help.
_REFUSALS = (InvalidArgument, FailedPrecondition, PermissionDenied)


class _Closed(Exception):
    """The server ended the session normally, possibly asking to wait `retry_after` seconds
    before reconnecting."""

    def __init__(self, retry_after: float = 0.0) -> None:
        self.retry_after = retry_after


class Session:
    def __init__(
        self,
        rpc: Rpc,
        *,
        device_id: str,
        client_info: pb.ClientInfo,
        inbox: Inbox,
        events: EventQueue,
        policy: ReconnectPolicy,
        counters: Counters,
        wakeup: Wakeup,
        rng: random.Random,
        prepare: Callable[[], Awaitable[None]],
        request_sync: Callable[[], None],
    ) -> None:
        self._rpc = rpc
        self._device_id = device_id
        self._client_info = client_info
        self._inbox = inbox
        self._events = events
        self._policy = policy
        self._counters = counters
        self._wakeup = wakeup
        self._rng = rng
        self._prepare = prepare
        self._request_sync = request_sync
        self._task: asyncio.Task[None] | None = None
        self._kick = asyncio.Event()
        self._outgoing: asyncio.Queue[pb.ClientFrame] | None = None
        self._watched: tuple[str, ...] = ()
        self._given: dict[str, int] = {}
        self._given_changed = asyncio.Event()
        self._nonces = itertools.count(1)
        self.user_id: str | None = None

    @property
    def connected(self) -> bool:
        return self._outgoing is not None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="openchat-session")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def reconnect_now(self) -> None:
        """Skip the current backoff wait (the app came to the foreground, the network is
        back), or start again after the client gave up."""
        if self._task is None or self._task.done():
            self.start()
        else:
            self._kick.set()

    # --- what the app asks for --------------------------------------------------------------

    def watch(self, user_ids: tuple[str, ...]) -> None:
        """Watch these users' presence, now and after every reconnect."""
        self._watched = user_ids
        self._write(self._watch_frame())

    def typing(self, conversation_id: str, typing: bool) -> bool:
        """Send a typing indicator now; False (dropped) while disconnected, as it is stale by
        the time the client reconnects."""
        return self._write(
            pb.ClientFrame(typing=pb.TypingUpdate(conversation_id=conversation_id, typing=typing))
        )

    def acknowledge(self, conversation_id: str, seq: int) -> None:
        """The app was given the conversation's messages up to `seq`."""
        if seq > self._given.get(conversation_id, 0):
            self._given[conversation_id] = seq
            self._given_changed.set()

    def _write(self, frame: pb.ClientFrame) -> bool:
        if self._outgoing is None:
            return False
        self._outgoing.put_nowait(frame)
        return True

    def _watch_frame(self) -> pb.ClientFrame:
        return pb.ClientFrame(watch_presence=pb.WatchPresence(user_ids=list(self._watched)))

    # --- the connection loop ----------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        while True:
            error: OpenChatError | None = None
            retry_after = 0.0
            was_connected = False
            try:
                await self._prepare()
                await self._connect_once()
            except _Closed as closed:
                retry_after = closed.retry_after
            except OpenChatError as failure:
                error = failure
            except Exception as bug:  # noqa: BLE001 - a long-running app must stay connected
                _log.exception("the session failed unexpectedly; reconnecting")
                error = Unavailable(f"the session failed: {bug!r}", code=grpc.StatusCode.UNKNOWN)
            finally:
                was_connected = self._outgoing is not None
                self._outgoing = None
            if was_connected:
                failures = 0
            failures += 1
            give_up = self._refused(error) or (
                self._policy.max_attempts is not None and failures > self._policy.max_attempts
            )
            if was_connected or give_up:
                if was_connected:
                    self._counters.disconnects += 1
                _log.info("session ended: %s", error or "closed by the server")
                self._events.put(Disconnected(error, will_reconnect=not give_up))
            if give_up:
                return
            # After the delay the server asked for, jitter still spreads the clients of a
            # draining server over time instead of bringing them all back at once.
            delay = retry_after + self._policy.backoff.delay(failures, self._rng)
            self._counters.reconnect_attempts += 1
            self._events.put(Reconnecting(failures, delay))
            self._kick.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._kick.wait()

    def _refused(self, error: OpenChatError | None) -> bool:
        if isinstance(error, Unauthenticated):
            return not self._rpc.tokens.refreshable
        return isinstance(error, _REFUSALS)

    async def _connect_once(self) -> None:
        """One connection, from hello to its end (which always raises)."""
        await self._rpc.tokens.refresh()
        # grpc-stubs predate request-less stream calls (write() instead of an iterator).
        # wait_for_ready: the attempt connects the moment the server is reachable again,
        # within connect_timeout, rather than failing at once while the channel backs off.
        call = self._rpc.presence.Connect(  # type: ignore[call-arg]
            metadata=await self._rpc.tokens.metadata(), wait_for_ready=True
        )
        helpers: list[asyncio.Task[None]] = []
        try:
            welcome = await self._open(call)
            outgoing: asyncio.Queue[pb.ClientFrame] = asyncio.Queue()
            self._outgoing = outgoing
            self.user_id = welcome.user_id
            self._counters.connects += 1
            self._inbox.forget_held()
            self._events.put(Connected(welcome.session_id, welcome.user_id))
            self._wakeup.fire()
            if self._watched:
                outgoing.put_nowait(self._watch_frame())
            interval = seconds(welcome.heartbeat_interval)
            helpers = [
                asyncio.create_task(self._send_frames(call, outgoing)),
                asyncio.create_task(self._ping(outgoing, interval)),
                asyncio.create_task(self._send_acks(outgoing)),
            ]
            # The server pongs every ping: silence for the heartbeat timeout means it is gone
            # (frozen, or the network dropped without a reset).
            await self._read(call, seconds(welcome.heartbeat_timeout))
        except grpc.aio.AioRpcError as error:
            raise from_rpc_error(error) from error
        finally:
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            call.cancel()

    async def _open(
        self, call: grpc.aio.StreamStreamCall[pb.ClientFrame, pb.ServerFrame]
    ) -> pb.Welcome:
        hello = pb.Hello(
            device_id=self._device_id,
            client_info=self._client_info,
            resume_cursors=[
                sync_service_pb2.SyncCursor(conversation_id=c, after_seq=s)
                for c, s in sorted(self._inbox.cursors().items())
            ],
            resume_all=True,
            deletions_after=self._inbox.deletions_cursor(),
        )
        try:
            async with asyncio.timeout(self._policy.connect_timeout):
                # The server answers the headers before it reads the hello. Writing only after
                # them means a refused call (a bad token) reports its own status: grpc.aio turns
                # a write that races the refusal into INTERNAL (grpc/grpc#36066).
                await call.initial_metadata()
                if not call.done():
                    await call.write(pb.ClientFrame(hello=hello))
                first = await call.read()
        except TimeoutError:
            raise Unavailable(
                f"no welcome within {self._policy.connect_timeout:g} s",
                code=grpc.StatusCode.DEADLINE_EXCEEDED,
            ) from None
        if isinstance(first, pb.ServerFrame) and first.WhichOneof("frame") == "reconnect":
            # Pushback: the server is too busy to open the session now.
            await self._dispatch(first)
        if not isinstance(first, pb.ServerFrame) or first.WhichOneof("frame") != "welcome":
            raise Unavailable("the server ended the session before its welcome",
                              code=grpc.StatusCode.UNAVAILABLE)  # fmt: skip
        return first.welcome

    async def _read(
        self, call: grpc.aio.StreamStreamCall[pb.ClientFrame, pb.ServerFrame], silence: float
    ) -> None:
        while True:
            await self._events.wait_for_room()
            try:
                async with asyncio.timeout(silence):
                    frame = await call.read()
            except TimeoutError:
                raise Unavailable(
                    f"the server sent nothing for {silence:g} s", code=grpc.StatusCode.UNAVAILABLE
                ) from None
            if not isinstance(frame, pb.ServerFrame):  # EOF: the server ended the stream
                raise _Closed()
            await self._dispatch(frame)

    async def _dispatch(self, frame: pb.ServerFrame) -> None:
        try:
            await self._handle(frame)
        except KeyError as unknown:  # an enum value from a newer server: skip the frame
            _log.warning("ignored a frame this client cannot read: %r", unknown)

    async def _handle(self, frame: pb.ServerFrame) -> None:
        match frame.WhichOneof("frame"):
            case "message":
                await self._inbox.accept([message_from_pb(frame.message)])
            case "caught_up":
                self._events.put(CaughtUp(frame.caught_up.message_count))
            case "messages_deleted":
                deleted = frame.messages_deleted
                await self._inbox.hide(
                    deleted.conversation_id, deleted.message_ids, deleted.deletions_position
                )
                self._events.put(
                    MessagesDeleted(
                        deleted.conversation_id, tuple(deleted.message_ids), tuple(deleted.seqs)
                    )
                )
            case "receipt":
                self._events.put(ReceiptReceived(receipt_from_pb(frame.receipt)))
            case "presence":
                self._events.put(PresenceChanged(presence_from_pb(frame.presence)))
            case "typing":
                self._events.put(TypingChanged(typing_from_pb(frame.typing)))
            case "pong":
                if frame.pong.watermark > self._inbox.watermark():
                    self._request_sync()  # a push went missing: catch up now
            case "reconnect":
                _log.info(
                    "the server asked to reconnect (%s): %s",
                    pb.ReconnectCause.Name(frame.reconnect.cause),
                    frame.reconnect.reason,
                )
                raise _Closed(seconds(frame.reconnect.retry_after))
            case _:
                pass  # acks and send failures belong to stream sends, which this client never makes

    # --- helpers of one connection ----------------------------------------------------------

    @staticmethod
    async def _send_frames(
        call: grpc.aio.StreamStreamCall[pb.ClientFrame, pb.ServerFrame],
        outgoing: asyncio.Queue[pb.ClientFrame],
    ) -> None:
        """The one writer of the call. A failed write ends it quietly: the reader gets the
        call's status and reports it."""
        while True:
            frame = await outgoing.get()
            try:
                await call.write(frame)
            except (grpc.aio.AioRpcError, asyncio.InvalidStateError):
                return

    async def _ping(self, outgoing: asyncio.Queue[pb.ClientFrame], interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            outgoing.put_nowait(pb.ClientFrame(ping=pb.Ping(nonce=next(self._nonces))))

    async def _send_acks(self, outgoing: asyncio.Queue[pb.ClientFrame]) -> None:
        """Delivery acks, coalesced per conversation: everything given in this process is
        acknowledged again on each new connection, as a lost connection may have lost acks."""
        acked: dict[str, int] = {}
        self._given_changed.set()
        while True:
            await self._given_changed.wait()
            self._given_changed.clear()
            for conversation_id, seq in list(self._given.items()):
                if seq > acked.get(conversation_id, 0):
                    acked[conversation_id] = seq
                    outgoing.put_nowait(
                        pb.ClientFrame(
                            delivery_ack=pb.DeliveryAck(conversation_id=conversation_id, seq=seq)
                        )
                    )
