"""SyncService: catching up across conversations by cursor, and the classic bug of a reader that
skips a message which commits after a later one was already read."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import pytest

from openchat.v1 import sync_service_pb2
from tests.support.api import Api
from tests.support.servers import RunningServer, start_app
from tests.support.settings import settings_for


def by_conversation(
    response: sync_service_pb2.SyncResponse,
) -> dict[str, sync_service_pb2.ConversationSync]:
    return {item.conversation_id: item for item in response.conversations}


async def test_a_new_device_learns_every_conversation_with_its_messages_in_order(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob, carol = next(user_ids), next(user_ids), next(user_ids)
    team = await api.create_group(alice, [bob, carol])
    direct = (await api.get_or_create_direct(bob, alice)).conversation
    quiet = await api.create_group(carol, [alice])
    for n in range(5):
        await api.send([alice, bob, carol][n % 3], team.conversation_id, f"team {n}")
    await api.send(bob, direct.conversation_id, "psst")

    response = await api.sync(alice)
    # Conversations with nothing above the (absent) cursor are left out.
    assert [item.conversation_id for item in response.conversations] == sorted(
        [team.conversation_id, direct.conversation_id]
    )
    assert quiet.conversation_id not in by_conversation(response)
    items = by_conversation(response)
    assert [m.seq for m in items[team.conversation_id].messages] == [1, 2, 3, 4, 5]
    assert [m.content.text for m in items[team.conversation_id].messages] == [
        f"team {n}" for n in range(5)
    ]
    assert items[team.conversation_id].last_seq == 5
    assert [(m.seq, m.sender_id) for m in items[direct.conversation_id].messages] == [(1, bob)]
    assert not any(item.has_more for item in response.conversations)
    assert not response.has_more_conversations


async def test_cursors_return_only_what_follows_them(api: Api, user_ids: Iterator[str]) -> None:
    alice, bob = next(user_ids), next(user_ids)
    first = await api.create_group(alice, [bob])
    second = await api.create_group(alice, [bob])
    for n in range(6):
        await api.send(alice, first.conversation_id, f"first {n}")
    for n in range(2):
        await api.send(bob, second.conversation_id, f"second {n}")

    response = await api.sync(bob, {first.conversation_id: 4, second.conversation_id: 2})
    items = by_conversation(response)
    # `second` is fully read, so it is not returned at all.
    assert list(items) == [first.conversation_id]
    assert [m.seq for m in items[first.conversation_id].messages] == [5, 6]
    assert items[first.conversation_id].last_seq == 6
    # A cursor at the end means nothing new anywhere.
    assert not (
        await api.sync(bob, {first.conversation_id: 6, second.conversation_id: 2})
    ).conversations


async def test_limit_caps_each_conversation_and_has_more_tells_when_to_continue(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    group = await api.create_group(alice, [])
    for n in range(7):
        await api.send(alice, group.conversation_id, f"m{n}")

    seen: list[int] = []
    cursor = 0
    rounds = []
    while True:
        items = by_conversation(await api.sync(alice, {group.conversation_id: cursor}, limit=3))
        if group.conversation_id not in items:
            break
        item = items[group.conversation_id]
        rounds.append(([m.seq for m in item.messages], item.has_more))
        seen.extend(m.seq for m in item.messages)
        cursor = item.messages[-1].seq
    assert rounds == [([1, 2, 3], True), ([4, 5, 6], True), ([7], False)]
    assert seen == list(range(1, 8))


async def test_other_users_conversations_never_appear(api: Api, user_ids: Iterator[str]) -> None:
    alice, bob, mallory = next(user_ids), next(user_ids), next(user_ids)
    private = await api.create_group(alice, [bob])
    await api.send(alice, private.conversation_id, "not for mallory")
    malloys_own = await api.create_group(mallory, [])
    await api.send(mallory, malloys_own.conversation_id, "mine")

    response = await api.sync(mallory)
    assert [item.conversation_id for item in response.conversations] == [
        malloys_own.conversation_id
    ]
    # A cursor for a foreign (or unknown) conversation is ignored, not an error and not a leak.
    with_cursors = await api.sync(
        mallory,
        {private.conversation_id: 0, str(uuid.uuid4()): 3, malloys_own.conversation_id: 0},
    )
    assert [item.conversation_id for item in with_cursors.conversations] == [
        malloys_own.conversation_id
    ]
    assert private.conversation_id not in by_conversation(await api.sync(mallory, limit=1000))


@dataclass
class Overlap:
    """Evidence that the senders and the reader really ran at the same time."""

    in_flight: int = 0
    max_in_flight: int = 0
    partial_reads: int = 0
    sends_done: asyncio.Event = field(default_factory=asyncio.Event)


async def read_while_others_send(
    api: Api, user_ids: Iterator[str], *, senders: int = 8, messages_each: int = 40
) -> None:
    """Senders fill two conversations concurrently while a reader loops Sync with its cursor =
    the last seq received. The reader must end with exactly 1..N per conversation."""
    reader = next(user_ids)
    people = [next(user_ids) for _ in range(senders)]
    conversations = [(await api.create_group(reader, people)).conversation_id for _ in range(2)]
    total = senders * messages_each
    overlap = Overlap()

    async def send_all(sender: str, conversation_id: str) -> None:
        for n in range(messages_each // 2):
            overlap.in_flight += 1
            overlap.max_in_flight = max(overlap.max_in_flight, overlap.in_flight)
            try:
                await api.send(sender, conversation_id, f"{sender} {n}")
            finally:
                overlap.in_flight -= 1

    async def send_everything() -> None:
        await asyncio.gather(*(send_all(sender, c) for sender in people for c in conversations))
        overlap.sends_done.set()

    received: dict[str, list[int]] = {c: [] for c in conversations}
    cursors = dict.fromkeys(conversations, 0)

    async def read_until_complete() -> None:
        while True:
            done = overlap.sends_done.is_set()
            response = await api.sync(reader, cursors, limit=25)
            for item in response.conversations:
                for message in item.messages:
                    received[item.conversation_id].append(message.seq)
                    cursors[item.conversation_id] = message.seq
            if not done and 0 < sum(cursors.values()) < total:
                overlap.partial_reads += 1
            # Only a sync that started after the last ack can prove the reader has everything.
            if done and not response.conversations:
                return

    async with asyncio.timeout(60):
        await asyncio.gather(send_everything(), read_until_complete())

    for conversation_id in conversations:
        assert received[conversation_id] == list(range(1, total // 2 + 1))
    assert overlap.max_in_flight > senders, "the sends did not overlap"
    assert overlap.partial_reads > 3, "the reader never read while messages were being sent"


async def test_a_reader_syncing_during_concurrent_sends_misses_nothing(
    api: Api, user_ids: Iterator[str]
) -> None:
    await read_while_others_send(api, user_ids)


@pytest.fixture
async def redis_allocated_api(database_url: str, redis_url: str) -> AsyncIterator[Api]:
    """A server whose sequence numbers come from the Redis allocator."""
    settings = settings_for(database_url, redis={"url": redis_url, "sequence_allocator": "redis"})
    running: RunningServer
    async with start_app(settings) as running:
        yield Api(running.channel)


@pytest.mark.redis
async def test_the_redis_allocator_also_lets_a_syncing_reader_miss_nothing(
    redis_allocated_api: Api, user_ids: Iterator[str]
) -> None:
    await read_while_others_send(redis_allocated_api, user_ids)


# Sync's documented cap on the conversations in one response (sync_service.proto).
MAX_SYNC_CONVERSATIONS = 500
SMALL_BUDGET_BYTES = 64 * 1024  # the smallest budget the settings accept
LARGE_TEXT_BYTES = 30_000


async def sync_to_the_end(
    api: Api, user: str, limit: int
) -> tuple[dict[str, list[int]], list[sync_service_pb2.SyncResponse]]:
    """What a client following the contract gets: it syncs again, from the cursors it reached,
    while a response says there is more. Returns the seqs per conversation, and the responses."""
    cursors: dict[str, int] = {}
    seqs: dict[str, list[int]] = {}
    responses = []
    while True:
        response = await api.sync(user, cursors, limit=limit)
        responses.append(response)
        assert len(responses) < 100, "the cursor loop does not end"
        for item in response.conversations:
            seqs.setdefault(item.conversation_id, []).extend(m.seq for m in item.messages)
            if item.messages:
                cursors[item.conversation_id] = item.messages[-1].seq
        if not response.has_more_conversations and not any(
            item.has_more for item in response.conversations
        ):
            return seqs, responses


@pytest.fixture
async def small_budget_api(own_database_url: str) -> AsyncIterator[Api]:
    """A server whose responses carry about two large messages at most."""
    settings = settings_for(own_database_url, limits={"response_budget_bytes": SMALL_BUDGET_BYTES})
    async with start_app(settings) as running:
        yield Api(running.channel)


async def test_a_response_budget_that_cuts_pages_still_lets_the_cursor_loop_get_everything(
    small_budget_api: Api, user_ids: Iterator[str]
) -> None:
    api = small_budget_api
    alice = next(user_ids)
    groups = [(await api.create_group(alice, [])).conversation_id for _ in range(3)]
    for group in groups:
        for n in range(5):
            await api.send(alice, group, f"{n}" * LARGE_TEXT_BYTES)

    seqs, responses = await sync_to_the_end(api, alice, limit=100)

    assert seqs == {group: [1, 2, 3, 4, 5] for group in groups}
    assert len(responses) >= 5, "every response kept to the budget"
    for response in responses:
        assert sum(len(i.SerializeToString()) for i in response.conversations) < (
            SMALL_BUDGET_BYTES + LARGE_TEXT_BYTES + 1000
        )


async def test_more_conversations_than_one_response_carries_are_all_synced(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    count = MAX_SYNC_CONVERSATIONS + 1
    groups: list[str] = []
    for _ in range(0, count, 50):
        created = await asyncio.gather(
            *(api.create_group(alice, []) for _ in range(min(50, count - len(groups))))
        )
        groups.extend(group.conversation_id for group in created)
        await asyncio.gather(*(api.send(alice, group.conversation_id) for group in created))

    seqs, responses = await sync_to_the_end(api, alice, limit=10)

    assert seqs == {group: [1] for group in groups}
    assert [len(r.conversations) for r in responses] == [MAX_SYNC_CONVERSATIONS, 1]
    assert [r.has_more_conversations for r in responses] == [True, False]
