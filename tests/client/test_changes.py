"""Changing messages with the client SDK: the verbs, changes received as entries of the
sequence, and the local store folding them so that history shows the current state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from openchat.client import CaughtUp, Connected, MessageKind, MessagesDeleted, ReactionSummary
from openchat.client._store import LocalStore
from tests.support.api import Api
from tests.support.client_events import EventLog, of_kind
from tests.support.clients import OpenClient


async def test_changes_arrive_in_order_and_the_store_folds_them(
    open_client: OpenClient, chat_api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    conversation_id = (await chat_api.create_group(alice, [bob])).conversation_id
    alice_client = await open_client(alice)
    bob_client = await open_client(bob)
    bob_events = EventLog(bob_client)
    await bob_events.until(of_kind(CaughtUp))

    first = await alice_client.send(conversation_id, "frist")
    second = await alice_client.send(conversation_id, "oops")
    await alice_client.edit_message(conversation_id, first.message_id, "first")
    await bob_client.add_reaction(conversation_id, first.message_id, "👍")
    await alice_client.add_reaction(conversation_id, first.message_id, "👍")
    await alice_client.add_reaction(conversation_id, first.message_id, "🎉")
    await alice_client.remove_reaction(conversation_id, first.message_id, "🎉")
    await alice_client.recall_message(conversation_id, second.message_id)

    received = await bob_events.messages(8)
    assert [m.seq for m in received] == list(range(1, 9))
    assert [m.kind for m in received] == [
        MessageKind.MESSAGE,
        MessageKind.MESSAGE,
        MessageKind.EDIT,
        MessageKind.REACTION_ADDED,
        MessageKind.REACTION_ADDED,
        MessageKind.REACTION_ADDED,
        MessageKind.REACTION_REMOVED,
        MessageKind.RECALL,
    ]

    # Served from bob's local store (it holds seqs 1..8): messages only, changes folded in.
    history = await bob_client.history(conversation_id)
    assert [m.seq for m in history] == [1, 2]
    edited, recalled = history
    assert edited.content.text == "first"
    assert edited.edit_count == 1
    assert edited.reactions == (ReactionSummary("👍", 2, reacted_by_me=True),)
    assert recalled.recalled
    assert recalled.content.text == ""


async def test_a_deletion_on_one_device_hides_the_messages_on_the_others(
    open_client: OpenClient, chat_api: Api, user_ids: Iterator[str], tmp_path: Path
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    conversation_id = (await chat_api.create_group(alice, [bob])).conversation_id
    phone = await open_client(alice, "phone")
    laptop = await open_client(alice, "laptop", store_path=tmp_path / "laptop.db")
    laptop_events = EventLog(laptop)
    await laptop_events.until(of_kind(CaughtUp))
    await chat_api.send(bob, conversation_id, "keep")
    hidden = await chat_api.send(bob, conversation_id, "hide me")
    await laptop_events.messages(2)
    assert [m.content.text for m in await laptop.history(conversation_id)] == ["keep", "hide me"]

    assert await phone.delete_messages(conversation_id, [hidden.message_id]) == 1
    deleted = await laptop_events.first(MessagesDeleted)
    assert deleted == MessagesDeleted(conversation_id, (hidden.message_id,), (hidden.seq,))

    # The laptop's own store made it a placeholder, as the server's Sync would send it.
    store = LocalStore(tmp_path / "laptop.db")
    await store.open()
    try:
        stored = await store.messages(conversation_id, hidden.seq, hidden.seq)
    finally:
        await store.close()
    assert [(m.deleted_for_me, m.content.text) for m in stored] == [(True, "")]
    assert [m.content.text for m in await laptop.history(conversation_id)] == ["keep"]


async def test_delete_forward_read_by_and_inbox_settings(
    open_client: OpenClient, chat_api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    source = (await chat_api.create_group(alice, [bob])).conversation_id
    target = (await chat_api.create_group(bob, [])).conversation_id
    alice_client = await open_client(alice, live=False)
    bob_client = await open_client(bob, live=False)
    ack = await alice_client.send(source, "forward me")
    hidden = await alice_client.send(source, "hide me")

    assert await bob_client.delete_messages(source, [hidden.message_id]) == 1
    assert [m.content.text for m in await bob_client.history(source)] == ["forward me"]
    copies = await bob_client.forward_messages(source, [ack.message_id], target)
    (copy,) = await bob_client.history(target)
    assert copy.message_id == copies[0].message_id
    assert copy.forwarded_from is not None
    assert copy.forwarded_from.message_id == ack.message_id

    await bob_client.mark_read(source, ack.seq)
    assert await alice_client.get_read_by(source, ack.message_id) == ([bob], [])

    conversation = await bob_client.get_conversation(source)
    assert (conversation.unread_count, conversation.mention_count) == (0, 0)
    until = datetime.now(UTC) + timedelta(hours=1)
    muted = await bob_client.mute(source, until)
    assert muted.muted_until is not None
    assert abs(muted.muted_until - until) < timedelta(milliseconds=1)
    forever = (await bob_client.mute(source)).muted_until
    assert forever is not None
    assert forever.year == 9999
    assert (await bob_client.unmute(source)).muted_until is None
    await bob_client.pin(target)
    inbox = await bob_client.list_conversations()
    assert [c.conversation_id for c in inbox] == [target, source]
    assert inbox[0].pinned
    assert inbox[0].last_message is not None
    assert inbox[0].last_message.content.text == "forward me"


async def test_a_device_that_was_offline_hides_what_another_deleted_once_it_is_back(
    open_client: OpenClient, chat_api: Api, user_ids: Iterator[str], tmp_path: Path
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    conversation_id = (await chat_api.create_group(alice, [bob])).conversation_id
    store_path = tmp_path / "laptop.db"
    laptop = await open_client(alice, "laptop", store_path=store_path)
    laptop_events = EventLog(laptop)
    await laptop_events.until(of_kind(CaughtUp))
    await chat_api.send(bob, conversation_id, "keep")
    hidden = await chat_api.send(bob, conversation_id, "hide me")
    await laptop_events.messages(2)
    await laptop.close()

    # While the laptop is off, Alice deletes on her phone.
    phone = await open_client(alice, "phone", live=False)
    assert await phone.delete_messages(conversation_id, [hidden.message_id]) == 1

    laptop = await open_client(alice, "laptop", store_path=store_path)
    laptop_events = EventLog(laptop)
    before = await laptop_events.until(of_kind(CaughtUp))
    assert isinstance(before[0], Connected)
    assert before[1:-1] == [
        MessagesDeleted(conversation_id, (hidden.message_id,), (hidden.seq,))
    ], "told before caught_up"
    assert [m.content.text for m in await laptop.history(conversation_id)] == ["keep"]
    await laptop.close()

    # The store kept the cursor with the placeholder: the next start hears nothing again.
    store = LocalStore(store_path)
    await store.open()
    try:
        assert await store.deletions_cursor() == 1
        stored = await store.messages(conversation_id, hidden.seq, hidden.seq)
    finally:
        await store.close()
    assert [(m.deleted_for_me, m.content.text) for m in stored] == [(True, "")]
    laptop = await open_client(alice, "laptop", store_path=store_path)
    again = await EventLog(laptop).until(of_kind(CaughtUp))
    assert [type(e) for e in again] == [Connected, CaughtUp]


async def test_sync_hides_what_another_device_deleted(
    open_client: OpenClient, chat_api: Api, user_ids: Iterator[str], tmp_path: Path
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    conversation_id = (await chat_api.create_group(alice, [bob])).conversation_id
    script = await open_client(alice, "script", live=False, catch_up_history=True)
    kept = await chat_api.send(bob, conversation_id, "keep")
    hidden = await chat_api.send(bob, conversation_id, "hide me")
    assert await script.sync() == 2
    await script.poll_events()

    assert await chat_api.delete_for_me(alice, conversation_id, [hidden.message_id]) == 1
    assert await script.sync() == 0
    assert await script.poll_events() == [
        MessagesDeleted(conversation_id, (hidden.message_id,), (hidden.seq,))
    ]
    assert [m.message_id for m in await script.history(conversation_id)] == [kept.message_id]
    # Applied once: the cursor moved with it.
    assert await script.sync() == 0
    assert await script.poll_events() == []
