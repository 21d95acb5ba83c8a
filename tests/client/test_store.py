"""The local store keeps the outbox, the cursors and the messages in a SQLite file across
restarts of the app (reopening the file is the restart)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from openchat.client import (
    Content,
    Message,
    MessageAck,
    MessageKind,
    OutboxEntry,
    OutboxError,
    OutboxState,
)
from openchat.client._store import LocalStore, StoreVersionError

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def entry(client_msg_id: str, conversation_id: str, text: str) -> OutboxEntry:
    return OutboxEntry(
        client_msg_id, conversation_id, Content(text=text), OutboxState.PENDING, created_at=NOW
    )


def message(conversation_id: str, seq: int) -> Message:
    return Message(f"m-{seq}", conversation_id, seq, "alice", f"c-{seq}", Content(f"#{seq}"), NOW)


def change(
    conversation_id: str,
    seq: int,
    kind: MessageKind,
    target: str,
    *,
    emoji: str = "",
    text: str = "",
) -> Message:
    return replace(
        message(conversation_id, seq),
        content=Content(text),
        kind=kind,
        target_message_id=target,
        emoji=emoji,
        server_time=NOW + timedelta(seconds=seq),
    )


async def reopened(path: Path) -> LocalStore:
    store = LocalStore(path)
    await store.open()
    return store


async def test_the_outbox_keeps_order_states_and_outcomes(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = await reopened(path)
    for n, conversation in enumerate(["c1", "c2", "c1", "c1"]):
        await store.add_outbox(entry(f"m{n}", conversation, f"text {n}"))
    ack = MessageAck("server-id", "c1", 7, NOW, "m0", duplicate=True)
    await store.settle_outbox("m0", ack=ack, attempts=3)
    refusal = OutboxError("INVALID_ARGUMENT", "FIELD_INVALID", "content: too long")
    await store.settle_outbox("m2", error=refusal, attempts=1)
    await store.close()

    store = await reopened(path)
    entries = await store.outbox()
    assert [(e.client_msg_id, e.state) for e in entries] == [
        ("m0", OutboxState.SENT),
        ("m1", OutboxState.PENDING),
        ("m2", OutboxState.FAILED),
        ("m3", OutboxState.PENDING),
    ]
    assert (entries[0].ack, entries[0].attempts) == (ack, 3)
    assert entries[2].error == refusal
    assert entries[3].content.text == "text 3"
    assert [e.client_msg_id for e in await store.outbox(state=OutboxState.PENDING)] == ["m1", "m3"]
    await store.close()


async def test_cursors_never_move_back(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    store = await reopened(path)
    await store.advance_cursors({"c1": 5, "c2": 2})
    await store.advance_cursors({"c1": 3, "c2": 9})
    await store.close()
    store = await reopened(path)
    assert await store.cursors() == {"c1": 5, "c2": 9}
    await store.close()


async def test_messages_are_kept_once_per_seq(tmp_path: Path) -> None:
    store = await reopened(tmp_path / "store.db")
    await store.put_messages([message("c1", seq) for seq in (1, 2, 4)])
    await store.put_messages([message("c1", 2), message("c2", 1)])
    assert [m.seq for m in await store.messages("c1", 1, 10)] == [1, 2, 4]
    assert await store.messages("c1", 2, 2) == [message("c1", 2)]
    await store.close()


async def test_messages_deleted_for_me_become_placeholders_that_no_change_fills_again(
    tmp_path: Path,
) -> None:
    store = await reopened(tmp_path / "store.db")
    await store.put_messages([message("c1", 1), message("c1", 2), message("c2", 3)])
    await store.put_messages([change("c1", 4, MessageKind.REACTION_ADDED, "m-2", emoji="👍")])

    # m-3 is of another conversation, m-9 is not stored here: both are left alone.
    await store.hide_messages("c1", ["m-2", "m-3", "m-9"])
    await store.hide_messages("c1", ["m-2"])  # again: nothing changes
    await store.put_messages([change("c1", 5, MessageKind.EDIT, "m-2", text="edited")])

    kept, hidden = [m for m in await store.messages("c1", 1, 5) if m.kind is MessageKind.MESSAGE]
    assert kept == message("c1", 1)
    assert hidden == replace(message("c1", 2), content=Content(), deleted_for_me=True)
    assert hidden.reactions == ()
    assert await store.messages("c2", 3, 3) == [message("c2", 3)]
    await store.close()


async def test_a_store_from_a_newer_sdk_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version=99")
    store = LocalStore(path)
    with pytest.raises(StoreVersionError, match="newer"):
        await store.open()
    await store.close()
