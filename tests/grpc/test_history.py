"""MessagingService.ListMessages (history pages) and MarkRead (read positions)."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from openchat.v1 import messaging_service_pb2
from tests.support.api import Api
from tests.support.servers import RunningServer
from tests.support.status import expect_error
from tests.support.storage import snapshot

NEWEST_FIRST = messaging_service_pb2.MESSAGE_ORDER_NEWEST_FIRST
OLDEST_FIRST = messaging_service_pb2.MESSAGE_ORDER_OLDEST_FIRST
INVALID_ARGUMENT = grpc.StatusCode.INVALID_ARGUMENT


async def group_with_messages(api: Api, owner: str, members: list[str], count: int) -> str:
    group = await api.create_group(owner, members)
    for n in range(1, count + 1):
        await api.send(owner, group.conversation_id, f"message {n}")
    return group.conversation_id


async def seqs(api: Api, user: str, conversation_id: str, **fields: object) -> list[int]:
    page = await api.list_messages(user, conversation_id, **fields)
    return [message.seq for message in page.messages]


async def test_history_in_either_order_and_within_bounds(api: Api, user_ids: Iterator[str]) -> None:
    alice = next(user_ids)
    conversation_id = await group_with_messages(api, alice, [], 10)
    everything = list(range(1, 11))
    assert await seqs(api, alice, conversation_id) == everything[::-1], "default: newest first"
    assert await seqs(api, alice, conversation_id, order=NEWEST_FIRST) == everything[::-1]
    assert await seqs(api, alice, conversation_id, order=OLDEST_FIRST) == everything
    assert await seqs(api, alice, conversation_id, before_seq=6) == [5, 4, 3, 2, 1]
    assert await seqs(api, alice, conversation_id, after_seq=7, order=OLDEST_FIRST) == [8, 9, 10]
    bounded = {"after_seq": 3, "before_seq": 8}
    assert await seqs(api, alice, conversation_id, **bounded) == [7, 6, 5, 4]
    assert await seqs(api, alice, conversation_id, order=OLDEST_FIRST, **bounded) == [4, 5, 6, 7]
    # The page nearest the bound: the newest 3 before seq 9, the oldest 3 after seq 2.
    assert await seqs(api, alice, conversation_id, before_seq=9, page_size=3) == [8, 7, 6]
    assert await seqs(
        api, alice, conversation_id, after_seq=2, page_size=3, order=OLDEST_FIRST
    ) == [3, 4, 5]
    assert await seqs(api, alice, conversation_id, after_seq=10) == []
    assert await seqs(api, alice, conversation_id, before_seq=1) == []
    assert await seqs(api, alice, conversation_id, after_seq=5, before_seq=6) == []


async def test_an_empty_conversation_has_an_empty_last_page(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    conversation_id = await group_with_messages(api, alice, [], 0)
    page = await api.list_messages(alice, conversation_id)
    assert list(page.messages) == []
    assert page.next_page_token == ""


@pytest.mark.parametrize(
    ("fields", "expected_pages"),
    [
        ({"order": NEWEST_FIRST}, [[10, 9, 8], [7, 6, 5], [4, 3, 2], [1]]),
        ({"order": OLDEST_FIRST}, [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]]),
        ({"order": OLDEST_FIRST, "after_seq": 4}, [[5, 6, 7], [8, 9, 10]]),
        ({"order": NEWEST_FIRST, "before_seq": 8, "after_seq": 1}, [[7, 6, 5], [4, 3, 2]]),
    ],
)
async def test_page_tokens_walk_the_range_to_an_empty_token(
    api: Api, user_ids: Iterator[str], fields: dict[str, int], expected_pages: list[list[int]]
) -> None:
    alice = next(user_ids)
    conversation_id = await group_with_messages(api, alice, [], 10)
    pages = []
    token = ""
    while True:
        page = await api.list_messages(
            alice, conversation_id, page_size=3, page_token=token, **fields
        )
        pages.append([message.seq for message in page.messages])
        token = page.next_page_token
        if not token:
            break
        assert len(pages) < 10, "the tokens never ran out"
    assert pages == expected_pages


async def test_messages_sent_between_pages_do_not_disturb_the_walk(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    conversation_id = await group_with_messages(api, alice, [], 5)
    first = await api.list_messages(alice, conversation_id, page_size=3)
    assert [m.seq for m in first.messages] == [5, 4, 3]
    await api.send(alice, conversation_id, "newer")
    rest = await api.list_messages(
        alice, conversation_id, page_size=3, page_token=first.next_page_token
    )
    assert [m.seq for m in rest.messages] == [2, 1]
    assert rest.next_page_token == ""


async def test_a_page_token_only_continues_the_request_it_came_from(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    conversation_id = await group_with_messages(api, alice, [], 10)
    other_id = await group_with_messages(api, alice, [], 10)
    page = await api.list_messages(alice, conversation_id, page_size=3, after_seq=1)
    token = page.next_page_token
    assert token
    for changed in (
        {"conversation_id": conversation_id, "after_seq": 2},
        {"conversation_id": conversation_id, "after_seq": 1, "before_seq": 9},
        {"conversation_id": conversation_id, "after_seq": 1, "order": OLDEST_FIRST},
        {"conversation_id": other_id, "after_seq": 1},
    ):
        target = str(changed.pop("conversation_id"))
        await expect_error(
            api.list_messages(alice, target, page_size=3, page_token=token, **changed),
            INVALID_ARGUMENT,
            "FIELD_INVALID",
            naming="page_token",
        )
    await expect_error(
        api.list_messages(alice, conversation_id, page_token="garbage!"),
        INVALID_ARGUMENT,
        "FIELD_INVALID",
        naming="page_token",
    )
    # AIP-158 lets the page size change between pages.
    resumed = await api.list_messages(
        alice, conversation_id, page_size=5, after_seq=1, page_token=token
    )
    assert [m.seq for m in resumed.messages] == [7, 6, 5, 4, 3]


async def test_mark_read_advances_and_never_moves_back(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    conversation_id = await group_with_messages(api, alice, [bob], 5)
    assert await api.mark_read(bob, conversation_id, 3) == 3
    assert await api.mark_read(bob, conversation_id, 1) == 3, "an older seq changes nothing"
    assert await api.mark_read(bob, conversation_id, 0) == 3
    assert await api.mark_read(bob, conversation_id, 3) == 3
    assert await api.mark_read(bob, conversation_id, 5) == 5

    before = await snapshot(server.app.database)
    await expect_error(
        api.mark_read(bob, conversation_id, 6), INVALID_ARGUMENT, "FIELD_INVALID", naming="seq"
    )
    await expect_error(
        api.mark_read(bob, conversation_id, -1), INVALID_ARGUMENT, "FIELD_INVALID", naming="seq"
    )
    assert await snapshot(server.app.database) == before
    assert (await api.get_conversation(bob, conversation_id)).read_seq == 5


async def test_read_position_is_per_user_and_visible_everywhere(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    conversation_id = await group_with_messages(api, alice, [bob], 4)
    await api.mark_read(bob, conversation_id, 2)

    assert (await api.get_conversation(bob, conversation_id)).read_seq == 2
    assert (await api.get_conversation(alice, conversation_id)).read_seq == 0
    listed = await api.list_conversations(bob)
    assert [(c.conversation_id, c.read_seq) for c in listed.conversations] == [(conversation_id, 2)]
    synced = await api.sync(bob)
    assert [(c.conversation_id, c.read_seq) for c in synced.conversations] == [(conversation_id, 2)]
    assert [c.read_seq for c in (await api.sync(alice)).conversations] == [0]
