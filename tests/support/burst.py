"""A burst of concurrent sends that runs until the server goes away, and the durability check
that follows: every acknowledged message survived with its seq, seqs are exactly 1..N, and a
retry of each unacknowledged send stores it at most once."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import grpc

from openchat.v1 import message_pb2
from tests.support.api import Api

SEND_TIMEOUT = 15.0
PROGRESS_TIMEOUT = 30.0


@dataclass(frozen=True)
class Attempt:
    """One send as the client made it; retrying means sending exactly this again."""

    sender: str
    conversation_id: str
    client_msg_id: str
    text: str


@dataclass
class SendBurst:
    """Each (sender, conversation) lane sends one message after another until a send fails
    (the server died or is draining) or `per_lane` messages went through."""

    api: Api
    lanes: Sequence[tuple[str, str]]
    per_lane: int = 2000
    acked: list[tuple[Attempt, message_pb2.MessageAck]] = field(default_factory=list)
    unacked: list[Attempt] = field(default_factory=list)
    _progress: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def run(self) -> None:
        await asyncio.gather(*(self._lane(sender, c) for sender, c in self.lanes))

    async def wait_for_acks(self, count: int) -> None:
        async with asyncio.timeout(PROGRESS_TIMEOUT), self._progress:
            await self._progress.wait_for(lambda: len(self.acked) >= count)

    async def _lane(self, sender: str, conversation_id: str) -> None:
        for n in range(self.per_lane):
            attempt = Attempt(sender, conversation_id, uuid.uuid4().hex, f"{sender} #{n}")
            try:
                async with asyncio.timeout(SEND_TIMEOUT):
                    ack = await send(self.api, attempt)
            except (grpc.aio.AioRpcError, TimeoutError):
                self.unacked.append(attempt)
                return
            self.acked.append((attempt, ack))
            async with self._progress:
                self._progress.notify_all()


async def start_burst(api: Api, reader: str, *, acks: int) -> tuple[SendBurst, asyncio.Task[None]]:
    """Three groups of `reader` and four senders, each sender sending into each group (12 lanes
    at once); returns the running burst once `acks` sends were acknowledged."""
    senders = [f"sender-{n}" for n in range(4)]
    groups = [(await api.create_group(reader, senders)).conversation_id for _ in range(3)]
    burst = SendBurst(api, [(sender, group) for sender in senders for group in groups])
    running = asyncio.create_task(burst.run(), name="send-burst")
    await burst.wait_for_acks(acks)
    return burst, running


async def send(api: Api, attempt: Attempt) -> message_pb2.MessageAck:
    return await api.send(
        attempt.sender, attempt.conversation_id, attempt.text, client_msg_id=attempt.client_msg_id
    )


async def check_durability(api: Api, reader: str, burst: SendBurst) -> Counter[str]:
    """After a crash or shutdown and a restart: assert that nothing acknowledged was lost and
    that retrying the rest stores each message exactly once. Returns how the retries went
    ("had committed" or "stored now"), for the test to report or assert on."""
    conversation_ids = sorted({c for _, c in burst.lanes})
    before = {c: await api.history(reader, c) for c in conversation_ids}
    for conversation_id, history in before.items():
        assert [m.seq for m in history] == list(range(1, len(history) + 1)), conversation_id
    stored = {(m.sender_id, m.client_msg_id): m for h in before.values() for m in h}
    for attempt, ack in burst.acked:
        message = stored.get((attempt.sender, attempt.client_msg_id))
        assert message is not None, f"acknowledged message {ack.message_id} was lost"
        assert (message.message_id, message.seq) == (ack.message_id, ack.seq)
        assert message.content.text == attempt.text
    attempted = {(a.sender, a.client_msg_id) for a, _ in burst.acked}
    attempted |= {(a.sender, a.client_msg_id) for a in burst.unacked}
    assert set(stored) <= attempted, "a message nobody sent was stored"

    outcomes: Counter[str] = Counter()
    for attempt in burst.unacked:
        ack = await send(api, attempt)
        key = (attempt.sender, attempt.client_msg_id)
        if ack.duplicate:
            assert key in stored, "a duplicate ack for a message that was not stored"
            assert (ack.message_id, ack.seq) == (stored[key].message_id, stored[key].seq)
            outcomes["had committed"] += 1
        else:
            assert key not in stored, "a committed message was stored a second time"
            outcomes["stored now"] += 1

    after = {c: await api.history(reader, c) for c in conversation_ids}
    for conversation_id, history in after.items():
        assert [m.seq for m in history] == list(range(1, len(history) + 1)), conversation_id
    keys = Counter((m.sender_id, m.client_msg_id) for h in after.values() for m in h)
    assert set(keys) == attempted, "every attempted message is stored"
    assert max(keys.values()) == 1, "a message was stored twice"
    return outcomes
