"""Edit, recall, reactions, delete for me and forward (MessagingService), through gRPC: each
change an entry of the conversation's sequence, history in its current state."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import grpc
import pytest

from openchat.v1 import message_pb2, messaging_service_pb2
from tests.support.api import Api
from tests.support.servers import RunningServer, bearer, start_app
from tests.support.settings import settings_for
from tests.support.status import expect_error
from tests.support.storage import snapshot
from tests.support.streams import connect

MESSAGE = message_pb2.MESSAGE_KIND_UNSPECIFIED
EDIT = message_pb2.MESSAGE_KIND_EDIT
RECALL = message_pb2.MESSAGE_KIND_RECALL
REACTION_ADDED = message_pb2.MESSAGE_KIND_REACTION_ADDED
REACTION_REMOVED = message_pb2.MESSAGE_KIND_REACTION_REMOVED

PERMISSION_DENIED = grpc.StatusCode.PERMISSION_DENIED
FAILED_PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
NOT_FOUND = grpc.StatusCode.NOT_FOUND
ALREADY_EXISTS = grpc.StatusCode.ALREADY_EXISTS
INVALID_ARGUMENT = grpc.StatusCode.INVALID_ARGUMENT
RESOURCE_EXHAUSTED = grpc.StatusCode.RESOURCE_EXHAUSTED


@pytest.fixture(scope="module")
async def closed_windows_server(database_url: str) -> AsyncIterator[RunningServer]:
    """A server on the same database whose edit and recall windows are zero: every message is
    already too old for its sender to edit or recall."""
    limits = {"edit_window": 0, "recall_window": 0}
    async with start_app(settings_for(database_url, limits=limits)) as running:
        yield running


async def only(api: Api, user: str, conversation_id: str) -> message_pb2.Message:
    (message,) = await api.history(user, conversation_id)
    return message


async def test_an_edit_is_an_entry_of_its_own_and_history_shows_the_latest_text(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    sent = await api.send(alice, group.conversation_id, "helo")
    edit = await api.edit(alice, group.conversation_id, sent.message_id, "hello")
    second = await api.edit(alice, group.conversation_id, sent.message_id, "hello, bob")

    assert (edit.seq, second.seq) == (2, 3), "each edit takes the next seq"
    assert edit.message_id != sent.message_id
    current = await only(api, bob, group.conversation_id)
    assert current.seq == 1, "history shows the message once, at its own seq"
    assert current.content.text == "hello, bob"
    assert current.edit_count == 2
    assert current.edit_time.ToDatetime() >= current.server_time.ToDatetime()
    assert (await api.get_conversation(bob, group.conversation_id)).last_seq == 3


async def test_sync_replays_every_change_in_seq_order_to_a_device_that_was_offline(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob, carol = next(user_ids), next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob, carol])
    conversation_id = group.conversation_id
    first = await api.send(alice, conversation_id, "first")
    second = await api.send(alice, conversation_id, "second")
    await api.edit(alice, conversation_id, first.message_id, "first (edited)")
    await api.react(bob, conversation_id, first.message_id, "👍")
    await api.react(carol, conversation_id, first.message_id, "🎉")
    await api.react(bob, conversation_id, first.message_id, "👍", add=False)
    await api.recall(alice, conversation_id, second.message_id)

    (synced,) = (await api.sync(carol, {conversation_id: 0})).conversations
    entries = list(synced.messages)
    assert [e.seq for e in entries] == list(range(1, 8)), "gapless, in seq order"
    assert [e.kind for e in entries] == [
        MESSAGE,
        MESSAGE,
        EDIT,
        REACTION_ADDED,
        REACTION_ADDED,
        REACTION_REMOVED,
        RECALL,
    ]
    targets = [e.target_message_id for e in entries]
    assert targets == ["", "", *[first.message_id] * 4, second.message_id]
    assert entries[2].content.text == "first (edited)"
    assert [e.emoji for e in entries[3:6]] == ["👍", "🎉", "👍"]
    assert [e.sender_id for e in entries[3:6]] == [bob, carol, bob]
    assert not entries[6].content.text, "a recall carries no content"
    assert not entries[1].content.text, "the recalled message is erased"
    assert entries[1].recalled

    history = await api.history(carol, conversation_id)
    assert [m.seq for m in history] == [1, 2], "changes never appear as messages"
    assert history[0].content.text == "first (edited)"
    assert [(r.emoji, r.count, r.reacted_by_me) for r in history[0].reactions] == [("🎉", 1, True)]
    assert history[1].recalled
    assert not history[1].content.text


async def test_a_live_session_receives_changes_as_they_commit(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    sent = await api.send(alice, group.conversation_id, "draft")
    async with connect(server.channel, bob, resume={group.conversation_id: 1}) as stream:
        await stream.next("caught_up")
        await api.edit(alice, group.conversation_id, sent.message_id, "final")
        await api.react(alice, group.conversation_id, sent.message_id, "✅")
        edit, reaction = await stream.messages(2)
    assert (edit.seq, edit.kind, edit.content.text) == (2, EDIT, "final")
    assert (reaction.seq, reaction.kind, reaction.emoji) == (3, REACTION_ADDED, "✅")


async def test_only_the_sender_edits_and_never_a_recalled_message(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    conversation_id = group.conversation_id
    sent = await api.send(alice, conversation_id, "mine")
    other = await api.create_group(alice, [])
    elsewhere = await api.send(alice, other.conversation_id, "elsewhere")

    before = await snapshot(server.app.database)
    await expect_error(
        api.edit(bob, conversation_id, sent.message_id, "bob's now"),
        PERMISSION_DENIED,
        "ACTION_NOT_ALLOWED",
    )
    await expect_error(
        api.edit(alice, conversation_id, elsewhere.message_id, "wrong conversation"),
        NOT_FOUND,
        "RESOURCE_NOT_FOUND",
        naming=elsewhere.message_id,
    )
    await expect_error(
        api.edit(alice, conversation_id, str(uuid.uuid4()), "missing"),
        NOT_FOUND,
        "RESOURCE_NOT_FOUND",
    )
    attachment = messaging_service_pb2.EditMessageRequest(
        conversation_id=conversation_id,
        message_id=sent.message_id,
        request_id="attach",
        content=message_pb2.Content(
            text="with a file", attachments=[message_pb2.Attachment(uri="s3://x")]
        ),
    )
    await expect_error(
        api.messaging.EditMessage(attachment, metadata=bearer(alice)),
        INVALID_ARGUMENT,
        "FIELD_INVALID",
        naming="content.attachments",
    )
    assert await snapshot(server.app.database) == before

    await api.recall(alice, conversation_id, sent.message_id)
    await expect_error(
        api.edit(alice, conversation_id, sent.message_id, "too late"),
        FAILED_PRECONDITION,
        "MESSAGE_RECALLED",
    )
    await expect_error(
        api.react(bob, conversation_id, sent.message_id, "👍"),
        FAILED_PRECONDITION,
        "MESSAGE_RECALLED",
    )


async def test_recall_by_sender_or_group_owner_only(api: Api, user_ids: Iterator[str]) -> None:
    owner, bob, carol = next(user_ids), next(user_ids), next(user_ids)
    group = await api.create_group(owner, [bob, carol])
    conversation_id = group.conversation_id
    by_bob = await api.send(bob, conversation_id, "bob's")
    by_carol = await api.send(carol, conversation_id, "carol's")

    await expect_error(
        api.recall(carol, conversation_id, by_bob.message_id),
        PERMISSION_DENIED,
        "ACTION_NOT_ALLOWED",
    )
    await api.recall(bob, conversation_id, by_bob.message_id)
    await api.recall(owner, conversation_id, by_carol.message_id)
    assert [m.recalled for m in await api.history(carol, conversation_id)] == [True, True]

    direct = (await api.get_or_create_direct(bob, carol)).conversation
    in_direct = await api.send(carol, direct.conversation_id, "direct")
    await expect_error(
        api.recall(bob, direct.conversation_id, in_direct.message_id),
        PERMISSION_DENIED,
        "ACTION_NOT_ALLOWED",
    )


async def test_the_windows_close_for_senders_but_not_for_a_group_owner(
    closed_windows_server: RunningServer, user_ids: Iterator[str]
) -> None:
    api = Api(closed_windows_server.channel)
    owner, bob = next(user_ids), next(user_ids)
    group = await api.create_group(owner, [bob])
    conversation_id = group.conversation_id
    sent = await api.send(bob, conversation_id, "old news")
    await expect_error(
        api.edit(bob, conversation_id, sent.message_id, "newer"),
        FAILED_PRECONDITION,
        "EDIT_WINDOW_CLOSED",
    )
    await expect_error(
        api.recall(bob, conversation_id, sent.message_id),
        FAILED_PRECONDITION,
        "RECALL_WINDOW_CLOSED",
    )
    await api.recall(owner, conversation_id, sent.message_id)
    assert (await only(api, bob, conversation_id)).recalled


async def test_every_change_is_idempotent_and_a_reused_key_is_already_exists(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    conversation_id = group.conversation_id
    sent = await api.send(alice, conversation_id, "target")
    target = sent.message_id
    calls: dict[str, Callable[[str], Awaitable[message_pb2.MessageAck]]] = {
        "edit": lambda key: api.edit(alice, conversation_id, target, "edited", key),
        "add": lambda key: api.react(bob, conversation_id, target, "👍", key),
        "remove": lambda key: api.react(bob, conversation_id, target, "👍", key, add=False),
        "recall": lambda key: api.recall(alice, conversation_id, target, key),
    }
    for name, call in calls.items():
        first = await call(f"key-{name}")
        before = await snapshot(server.app.database)
        again = await call(f"key-{name}")
        assert again.duplicate, name
        assert not first.duplicate, name
        assert (again.seq, again.message_id) == (first.seq, first.message_id), name
        assert await snapshot(server.app.database) == before, name
    # An edit retried after its message was recalled (its stored content erased) is still
    # the same request.
    assert (await calls["edit"]("key-edit")).duplicate

    await expect_error(
        api.react(alice, conversation_id, target, "🎉", "key-edit"),
        ALREADY_EXISTS,
        "CLIENT_MSG_ID_REUSED",
    )
    await expect_error(
        api.edit(alice, conversation_id, target, "other text", "key-recall"),
        ALREADY_EXISTS,
        "CLIENT_MSG_ID_REUSED",
    )


async def test_reactions_are_a_set_per_user_and_emoji_with_limits(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    conversation_id = group.conversation_id
    target = (await api.send(alice, conversation_id, "react to me")).message_id
    await api.react(bob, conversation_id, target, "👍")
    await api.react(bob, conversation_id, target, "👍")  # a new key, the same reaction
    await api.react(alice, conversation_id, target, "👍")
    await api.react(alice, conversation_id, target, "❤️")
    await api.react(alice, conversation_id, target, "🙈", add=False)  # never added: no change

    summary = [
        (r.emoji, r.count, r.reacted_by_me)
        for r in (await only(api, bob, conversation_id)).reactions
    ]
    assert summary == [("👍", 2, True), ("❤️", 1, False)]

    for emoji in ["a1", "a2", "a3", "a4", "a5", "a6"]:
        await api.react(alice, conversation_id, target, emoji)
    error = await expect_error(
        api.react(alice, conversation_id, target, "a7"),
        RESOURCE_EXHAUSTED,
        "REACTION_LIMIT_EXCEEDED",
    )
    assert "8" in (error.details() or "")
    for bad in ["", "two words", "x" * 33, "tab\t"]:
        await expect_error(
            api.react(alice, conversation_id, target, bad),
            INVALID_ARGUMENT,
            "FIELD_INVALID",
            naming="emoji",
        )


async def test_concurrent_reactions_from_many_users_end_in_the_exact_set(
    api: Api, user_ids: Iterator[str]
) -> None:
    owner = next(user_ids)
    people = [next(user_ids) for _ in range(12)]
    group = await api.create_group(owner, people)
    conversation_id = group.conversation_id
    target = (await api.send(owner, conversation_id, "vote")).message_id
    await asyncio.gather(
        *(api.react(user, conversation_id, target, "👍") for user in people),
        *(api.react(user, conversation_id, target, "👎") for user in people[:5]),
    )
    await asyncio.gather(
        *(api.react(user, conversation_id, target, "👎", add=False) for user in people[:3])
    )
    summary = {
        r.emoji: (r.count, r.reacted_by_me)
        for r in (await only(api, people[0], conversation_id)).reactions
    }
    assert summary == {"👍": (12, True), "👎": (2, False)}
    heads = await api.get_conversation(owner, conversation_id)
    assert heads.last_seq == 1 + 12 + 5 + 3, "every change has its seq"


async def test_delete_for_me_hides_messages_from_the_callers_history_and_sync_only(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    conversation_id = group.conversation_id
    acks = [await api.send(alice, conversation_id, f"m{n}") for n in range(1, 4)]
    hidden = [acks[0].message_id, acks[2].message_id]
    assert await api.delete_for_me(bob, conversation_id, hidden) == 2
    assert await api.delete_for_me(bob, conversation_id, hidden) == 0, "idempotent"

    assert [m.content.text for m in await api.history(bob, conversation_id)] == ["m2"]
    (synced,) = (await api.sync(bob, {conversation_id: 0})).conversations
    assert [m.seq for m in synced.messages] == [1, 2, 3], "placeholders keep the seqs"
    assert [m.deleted_for_me for m in synced.messages] == [True, False, True]
    assert [m.content.text for m in synced.messages] == ["", "m2", ""]
    gap = await api.list_messages(bob, conversation_id, include_changes=True)
    assert [(m.seq, m.deleted_for_me) for m in gap.messages] == [(3, True), (2, False), (1, True)]
    assert [m.content.text for m in await api.history(alice, conversation_id)] == ["m1", "m2", "m3"]

    await expect_error(
        api.delete_for_me(bob, conversation_id, [acks[1].message_id, str(uuid.uuid4())]),
        NOT_FOUND,
        "RESOURCE_NOT_FOUND",
    )
    assert [m.content.text for m in await api.history(bob, conversation_id)] == ["m2"], (
        "a refused request hides nothing"
    )


async def test_forward_copies_into_a_conversation_of_the_caller_naming_the_origin(
    api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob, carol = next(user_ids), next(user_ids), next(user_ids)
    source = (await api.create_group(alice, [bob])).conversation_id
    target = (await api.create_group(bob, [carol])).conversation_id
    elsewhere = (await api.create_group(carol, [])).conversation_id
    first = await api.send(alice, source, "news")
    second = await api.send(alice, source, "more news")
    ids = [first.message_id, second.message_id]

    acks = await api.forward(bob, source, ids, target, "fwd-1")
    retry = await api.forward(bob, source, ids, target, "fwd-1")
    assert [a.seq for a in acks] == [1, 2]
    assert [a.message_id for a in retry] == [a.message_id for a in acks]
    assert all(a.duplicate for a in retry)
    copies = await api.history(carol, target)
    assert [(m.sender_id, m.content.text) for m in copies] == [(bob, "news"), (bob, "more news")]
    assert copies[0].forwarded_from.conversation_id == source
    assert copies[0].forwarded_from.message_id == first.message_id
    assert copies[0].forwarded_from.sender_id == alice

    # Carol is not in the source: she cannot copy its messages out, and learns nothing of them.
    error = await expect_error(
        api.forward(carol, source, ids, elsewhere), PERMISSION_DENIED, "NOT_A_MEMBER"
    )
    assert "news" not in (error.details() or "")
    # Alice is not in the target.
    await expect_error(api.forward(alice, source, ids, target), PERMISSION_DENIED, "NOT_A_MEMBER")
    assert len(await api.history(carol, target)) == 2
