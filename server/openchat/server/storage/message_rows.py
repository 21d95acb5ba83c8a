"""The mapping between Message and a row of the messages table, shared by the stores that
write and read it."""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from openchat.server.domain.model import (
    Attachment,
    Content,
    ForwardOrigin,
    Message,
    MessageKind,
    ReactionSummary,
)
from openchat.server.storage.tables import messages

# The columns of a message, in the order message_from_row reads them: the first columns of the
# messages table, so that every `select(messages)` row starts with them.
_NAMES = (
    "conversation_id",
    "seq",
    "message_id",
    "sender_id",
    "client_msg_id",
    "created_at",
    "text",
    "mime_type",
    "data",
    "extras",
    "kind",
    "target_message_id",
    "emoji",
    "edit_count",
    "edited_at",
    "recalled",
)
MESSAGE_COLUMNS = tuple(messages.c[name] for name in _NAMES)
# The position of the message id in such a row.
MESSAGE_ID = _NAMES.index("message_id")
# A dictionary lookup, where MessageKind(value) costs a microsecond per row.
_KINDS = {kind.value: kind for kind in MessageKind}
# The message's columns of a longer row, as a tuple (unpacking the rest into a list costs more).
_message_columns_of = itemgetter(*range(len(_NAMES)))


def content_columns(
    content: Content, forwarded_from: ForwardOrigin | None = None
) -> dict[str, Any]:
    """The columns that hold a content (and a forward origin, which travels in extras)."""
    extras: dict[str, Any] = {}
    if content.attachments:
        extras["attachments"] = [
            [a.uri, a.mime_type, a.size_bytes, a.name] for a in content.attachments
        ]
    if content.attributes:
        extras["attributes"] = dict(content.attributes)
    if content.mention_user_ids:
        extras["mentions"] = list(content.mention_user_ids)
    if content.reply_to_message_id:
        extras["reply_to"] = content.reply_to_message_id
    if forwarded_from is not None:
        origin = forwarded_from
        extras["forward"] = [origin.conversation_id, origin.message_id, origin.sender_id]
    return {
        "text": content.text,
        "mime_type": content.mime_type,
        "data": content.data or None,
        "extras": extras or None,
    }


def message_to_row(message: Message) -> dict[str, Any]:
    return {
        "conversation_id": message.conversation_id,
        "seq": message.seq,
        "message_id": message.message_id,
        "sender_id": message.sender_id,
        "client_msg_id": message.client_msg_id,
        "created_at": message.server_time,
        **content_columns(message.content, message.forwarded_from),
        "kind": message.kind.value,
        "target_message_id": message.target_message_id or None,
        "emoji": message.emoji or None,
        "edit_count": message.edit_count,
        "edited_at": message.edit_time,
        "recalled": message.recalled,
    }


def message_from_row(row: Sequence[Any], reactions: tuple[ReactionSummary, ...] = ()) -> Message:
    """The message of a row that starts with MESSAGE_COLUMNS (a SQLAlchemy row, or an asyncpg
    record of a direct read), read by position: what history pages spend per message, so the
    dataclasses are built with positional arguments (in their fields' order), which costs half
    of what keywords do (tests/unit/test_message_rows.py holds the order)."""
    (
        conversation_id,
        seq,
        message_id,
        sender_id,
        client_msg_id,
        created_at,
        text,
        mime_type,
        data,
        extras,
        kind,
        target_message_id,
        emoji,
        edit_count,
        edited_at,
        recalled,
    ) = _message_columns_of(row)
    forward = None
    if extras is None:
        content = Content(text, mime_type, data or b"")
    else:
        content = Content(
            text,
            mime_type,
            data or b"",
            tuple(Attachment(*fields) for fields in extras.get("attachments", ())),
            extras.get("attributes", {}),
            tuple(extras.get("mentions", ())),
            extras.get("reply_to", ""),
        )
        forward = extras.get("forward")
    return Message(
        message_id,
        conversation_id,
        seq,
        sender_id,
        client_msg_id,
        content,
        created_at,
        _KINDS[kind],
        target_message_id or "",
        emoji or "",
        edit_count,
        edited_at,
        recalled,
        None if forward is None else ForwardOrigin(*forward),
        reactions,
    )
