"""SendMessage: acknowledged only once stored, idempotent, ordered."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import grpc
import pytest

from openchat.v1 import message_pb2
from tests.support.api import Api
from tests.support.status import error_info


async def test_ack_carries_first_seq_and_the_message_is_readable(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    ack = await api.send(alice, group.conversation_id, "hi bob", client_msg_id="m-1")
    assert ack.seq == 1
    assert not ack.duplicate
    assert ack.client_msg_id == "m-1"
    page = await api.list_messages(bob, group.conversation_id)
    assert [(m.seq, m.content.text, m.sender_id) for m in page.messages] == [(1, "hi bob", alice)]
    assert page.messages[0].message_id == ack.message_id


async def test_retry_returns_original_ack_marked_duplicate(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    group = await api.create_group(alice, [])
    first = await api.send(alice, group.conversation_id, "once", client_msg_id="k")
    again = await api.send(alice, group.conversation_id, "once", client_msg_id="k")
    assert again.duplicate
    assert (again.message_id, again.seq, again.server_time) == (
        first.message_id,
        first.seq,
        first.server_time,
    )
    next_ack = await api.send(alice, group.conversation_id, "twice")
    assert next_ack.seq == 2, "a duplicate must not consume a seq"


async def test_simultaneous_identical_requests_store_one_message(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    group = await api.create_group(alice, [])
    acks = await asyncio.gather(
        *(api.send(alice, group.conversation_id, "same", client_msg_id="dup") for _ in range(20))
    )
    assert len({ack.message_id for ack in acks}) == 1
    assert {ack.seq for ack in acks} == {1}
    assert sum(not ack.duplicate for ack in acks) == 1
    page = await api.list_messages(alice, group.conversation_id)
    assert len(page.messages) == 1


async def test_reused_client_msg_id_with_other_content_is_already_exists(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    group = await api.create_group(alice, [])
    original = await api.send(alice, group.conversation_id, "first", client_msg_id="k")
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await api.send(alice, group.conversation_id, "different", client_msg_id="k")
    assert raised.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert original.message_id in (raised.value.details() or "")
    info = error_info(raised.value)
    assert (info.reason, info.domain) == ("CLIENT_MSG_ID_REUSED", "openchat.v1")
    assert info.metadata["message_id"] == original.message_id
    page = await api.list_messages(alice, group.conversation_id)
    assert [m.content.text for m in page.messages] == ["first"]


async def test_concurrent_senders_get_gapless_distinct_seqs(
    api: Api, user_ids: Iterator[str]
) -> None:
    members = [next(user_ids) for _ in range(8)]
    group = await api.create_group(members[0], members[1:])
    acks = await asyncio.gather(
        *(
            api.send(member, group.conversation_id, f"{member}-{n}")
            for member in members
            for n in range(25)
        )
    )
    assert sorted(ack.seq for ack in acks) == list(range(1, 201))
    page = await api.list_messages(members[0], group.conversation_id, page_size=500, order=2)
    assert [m.seq for m in page.messages] == list(range(1, 201))


async def test_id_that_extends_a_real_conversation_id_is_not_found_and_takes_no_seq(
    api: Api, user_ids: Iterator[str]
) -> None:
    # Keys reach the database as one array per column; a cast to the column's VARCHAR(36) would
    # truncate this id to the real one, and the send must still neither land there nor take a seq.
    alice = next(user_ids)
    group = await api.create_group(alice, [])
    assert (await api.send(alice, group.conversation_id, "first")).seq == 1
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await api.send(alice, group.conversation_id + "-x", "elsewhere")
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(caught.value).reason == "CONVERSATION_NOT_FOUND"
    assert (await api.send(alice, group.conversation_id, "second")).seq == 2
    page = await api.list_messages(alice, group.conversation_id)
    assert [m.content.text for m in page.messages] == ["second", "first"]


async def test_rich_content_round_trips(api: Api, user_ids: Iterator[str]) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    content = message_pb2.Content(
        text="look",
        mime_type="image/png",
        data=b"\x89PNG\r\n",
        attachments=[message_pb2.Attachment(uri="s3://b/k", mime_type="image/png", size_bytes=9)],
        attributes={"client": "test"},
        mention_user_ids=[bob],
        reply_to_message_id=str(uuid.uuid4()),
    )
    ack = await api.send(alice, group.conversation_id, content=content, client_msg_id="rich")
    again = await api.send(alice, group.conversation_id, content=content, client_msg_id="rich")
    assert again.duplicate
    assert again.message_id == ack.message_id
    page = await api.list_messages(bob, group.conversation_id)
    assert page.messages[0].content == content
