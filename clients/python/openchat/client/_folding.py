"""How the local store keeps each stored message in its current state: changes received as
entries of the sequence fold into the message they target, and a deletion for this user turns
it into a placeholder. Each function runs inside the store's transaction, on its connection."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import replace

from openchat.client._convert import message_from_pb, message_to_pb
from openchat.client._models import Content, Message, MessageKind
from openchat.v1 import message_pb2


def fold(db: sqlite3.Connection, change: Message) -> None:
    """Apply a newly stored change to its target, when the target is stored here: an edit
    replaces its text and attributes, a recall makes it a tombstone, reactions add to or
    remove from its set."""
    target_id = change.target_message_id
    match change.kind:
        case MessageKind.REACTION_ADDED:
            db.execute(
                "INSERT OR IGNORE INTO reactions (message_id, emoji, user_id, seq)"
                " VALUES (?, ?, ?, ?)",
                (target_id, change.emoji, change.sender_id, change.seq),
            )
            return
        case MessageKind.REACTION_REMOVED:
            db.execute(
                "DELETE FROM reactions WHERE message_id = ? AND emoji = ? AND user_id = ?",
                (target_id, change.emoji, change.sender_id),
            )
            return
    target = _stored(db, target_id)
    if target is None:
        return  # not stored here: the server's history has it in its current state
    if target.deleted_for_me:
        return  # a placeholder shows nothing, so it takes no content back
    if change.kind is MessageKind.RECALL:
        target = replace(target, content=Content(), recalled=True, reactions=())
        db.execute("DELETE FROM reactions WHERE message_id = ?", (target_id,))
    elif target.edit_time is None or target.edit_time < change.server_time:
        # (A target fetched in its current state may already include this edit.)
        target = replace(
            target,
            content=replace(
                target.content, text=change.content.text, attributes=change.content.attributes
            ),
            edit_count=target.edit_count + 1,
            edit_time=change.server_time,
        )
    _rewrite(db, target)


def hide(db: sqlite3.Connection, conversation_id: str, message_ids: Iterable[str]) -> None:
    """Make the stored messages placeholders (the user deleted them for themselves); those not
    stored here are left alone, as the server sends them as placeholders."""
    for message_id in message_ids:
        stored = _stored(db, message_id)
        if stored is not None and stored.conversation_id == conversation_id:
            _rewrite(db, placeholder(stored))
            db.execute("DELETE FROM reactions WHERE message_id = ?", (message_id,))


def placeholder(message: Message) -> Message:
    """`message` as the server sends it to a user who deleted it for themselves."""
    return replace(message, content=Content(), reactions=(), deleted_for_me=True)


def _stored(db: sqlite3.Connection, message_id: str) -> Message | None:
    row = db.execute("SELECT message FROM messages WHERE message_id = ?", (message_id,)).fetchone()
    return None if row is None else message_from_pb(message_pb2.Message.FromString(row[0]))


def _rewrite(db: sqlite3.Connection, message: Message) -> None:
    db.execute(
        "UPDATE messages SET message = ? WHERE conversation_id = ? AND seq = ?",
        (
            message_to_pb(message).SerializeToString(deterministic=True),
            message.conversation_id,
            message.seq,
        ),
    )
