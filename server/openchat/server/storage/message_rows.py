"""The mapping between Message and a row of the messages table, shared by the stores that
write and read it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from openchat.server.domain.model import Attachment, Content, ForwardOrigin, Message, MessageKind


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


def message_from_row(row: Row[Any]) -> Message:
    extras = row.extras or {}
    content = Content(
        text=row.text,
        mime_type=row.mime_type,
        data=row.data or b"",
        attachments=tuple(Attachment(*fields) for fields in extras.get("attachments", ())),
        attributes=extras.get("attributes", {}),
        mention_user_ids=tuple(extras.get("mentions", ())),
        reply_to_message_id=extras.get("reply_to", ""),
    )
    forward = extras.get("forward")
    return Message(
        message_id=row.message_id,
        conversation_id=row.conversation_id,
        seq=row.seq,
        sender_id=row.sender_id,
        client_msg_id=row.client_msg_id,
        content=content,
        server_time=row.created_at,
        kind=MessageKind(row.kind),
        target_message_id=row.target_message_id or "",
        emoji=row.emoji or "",
        edit_count=row.edit_count,
        edit_time=row.edited_at,
        recalled=row.recalled,
        forwarded_from=None if forward is None else ForwardOrigin(*forward),
    )
