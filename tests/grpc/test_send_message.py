"""SendMessage: acknowledged only once stored, idempotent, ordered."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator

import grpc
import pytest

from openchat.v1 import message_pb2
from tests.support.api import Api
from tests.support.gates import commit_held, inserts_messages_of
from tests.support.servers import RunningServer, start_app
from tests.support.settings import settings_for
from tests.support.status import error_info, expect_error
from tests.support.waiting import DEFAULT_WAIT as DEADLINE
from tests.support.waiting import until


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


# How long a held COMMIT is kept waiting to show that no ack gets out meanwhile: a premature ack
# is answered within a few event-loop turns, far less than this.
HOLD_SECONDS = 0.5


async def test_no_ack_resolves_before_its_commit_returns(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    group = await api.create_group(alice, [])
    match = inserts_messages_of(group.conversation_id)
    with commit_held(server.app.database.writer, match) as commit:
        sending = asyncio.create_task(api.send(alice, group.conversation_id, "durable"))
        await asyncio.wait_for(commit.arrived.wait(), DEADLINE)
        # The server goes on serving other calls while the COMMIT waits...
        assert (await api.get_conversation(alice, group.conversation_id)).last_seq == 0
        # ...but does not answer the sender.
        done, _ = await asyncio.wait({sending}, timeout=HOLD_SECONDS)
        assert not done, "the ack was sent before COMMIT returned"
        commit.release()
        ack = await asyncio.wait_for(sending, DEADLINE)
    assert [m.message_id for m in await api.history(alice, group.conversation_id)] == [
        ack.message_id
    ]


@pytest.fixture
async def impatient_server(own_database_url: str) -> AsyncIterator[RunningServer]:
    """A server on a database of its own that gives up on a transaction after a short time."""
    settings = settings_for(own_database_url, database={"commit_timeout": HOLD_SECONDS})
    async with start_app(settings) as running:
        yield running


async def test_a_commit_that_times_out_is_unavailable_and_safe_to_retry(
    impatient_server: RunningServer, user_ids: Iterator[str]
) -> None:
    api = Api(impatient_server.channel)
    alice = next(user_ids)
    group = await api.create_group(alice, [])
    match = inserts_messages_of(group.conversation_id)
    with commit_held(impatient_server.app.database.writer, match):
        await expect_error(
            api.send(alice, group.conversation_id, "slow", client_msg_id="k-1"),
            grpc.StatusCode.UNAVAILABLE,
            "PERSISTENCE_UNAVAILABLE",
        )
    # The retry the status invites stores the message once.
    ack = await api.send(alice, group.conversation_id, "slow", client_msg_id="k-1")
    assert [m.message_id for m in await api.history(alice, group.conversation_id)] == [
        ack.message_id
    ]


# A draft the database refuses although it passed every check before (a trigger of the test's
# own stands for a constraint, a full disk or a corrupt page hit by one row).
REJECT_POISON = {
    "sqlite": [
        "CREATE TRIGGER reject_poison BEFORE INSERT ON messages "
        "WHEN NEW.client_msg_id = 'poison' BEGIN SELECT RAISE(ABORT, 'poison draft'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION reject_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.client_msg_id = 'poison' THEN RAISE EXCEPTION 'poison draft'; END IF; "
        "RETURN NEW; END $$",
        "CREATE TRIGGER reject_poison BEFORE INSERT ON messages "
        "FOR EACH ROW EXECUTE FUNCTION reject_poison()",
    ],
}


@pytest.fixture
async def own_server(own_database_url: str) -> AsyncIterator[RunningServer]:
    """A server on a database of its own (which a test may give a trigger), with the default
    commit timeout: a loaded machine must not time out the batch under test."""
    async with start_app(settings_for(own_database_url)) as running:
        yield running


async def test_one_rejected_draft_fails_alone_and_the_rest_of_its_batch_is_acked(
    own_server: RunningServer, user_ids: Iterator[str]
) -> None:
    api = Api(own_server.channel)
    app = own_server.app
    async with app.database.writer.begin() as connection:
        for statement in REJECT_POISON[app.database.dialect]:
            await connection.exec_driver_sql(statement)
    alice = next(user_ids)
    group = await api.create_group(alice, [])
    keys = [f"good-{n}" for n in range(5)] + ["poison"] + [f"good-{n}" for n in range(5, 10)]
    with commit_held(app.database.writer, inserts_messages_of(group.conversation_id)) as commit:
        # A first message holds the writer, so that the others queue up to share one batch.
        first = asyncio.create_task(api.send(alice, group.conversation_id, client_msg_id="first"))
        await asyncio.wait_for(commit.arrived.wait(), DEADLINE)
        sends = [
            asyncio.create_task(api.send(alice, group.conversation_id, client_msg_id=key))
            for key in keys
        ]
        await until(lambda: app.writer.queue_depth == len(keys), what="the drafts queued")
        commit.release()
        await first
        outcomes = await asyncio.gather(*sends, return_exceptions=True)

    poisoned = outcomes[keys.index("poison")]
    assert isinstance(poisoned, grpc.aio.AioRpcError), poisoned
    assert poisoned.code() == grpc.StatusCode.UNAVAILABLE
    assert error_info(poisoned).reason == "PERSISTENCE_UNAVAILABLE"
    acked = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(acked) == len(keys) - 1, outcomes
    stored = await api.history(alice, group.conversation_id)
    assert sorted(m.client_msg_id for m in stored) == sorted(["first", *keys[:5], *keys[6:]])
    assert [m.seq for m in stored] == list(range(1, len(keys) + 1))
