"""The one mapping between protobuf messages and domain objects."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from openchat.server.domain.model import (
    Appended,
    Attachment,
    Content,
    ConversationKind,
    ConversationView,
    Message,
    SyncResult,
)
from openchat.v1 import (
    conversation_pb2,
    message_pb2,
    sync_service_pb2,
)

_KINDS = {
    ConversationKind.DIRECT: conversation_pb2.CONVERSATION_KIND_DIRECT,
    ConversationKind.GROUP: conversation_pb2.CONVERSATION_KIND_GROUP,
}


def timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def content_from_pb(content: message_pb2.Content) -> Content:
    return Content(
        text=content.text,
        mime_type=content.mime_type,
        data=content.data,
        attachments=tuple(
            Attachment(uri=a.uri, mime_type=a.mime_type, size_bytes=a.size_bytes, name=a.name)
            for a in content.attachments
        ),
        attributes=dict(content.attributes),
        mention_user_ids=tuple(content.mention_user_ids),
        reply_to_message_id=content.reply_to_message_id,
    )


def content_to_pb(content: Content) -> message_pb2.Content:
    return message_pb2.Content(
        text=content.text,
        mime_type=content.mime_type,
        data=content.data,
        attachments=[
            message_pb2.Attachment(
                uri=a.uri, mime_type=a.mime_type, size_bytes=a.size_bytes, name=a.name
            )
            for a in content.attachments
        ],
        attributes=content.attributes,
        mention_user_ids=content.mention_user_ids,
        reply_to_message_id=content.reply_to_message_id,
    )


def message_to_pb(message: Message) -> message_pb2.Message:
    return message_pb2.Message(
        message_id=message.message_id,
        conversation_id=message.conversation_id,
        seq=message.seq,
        sender_id=message.sender_id,
        client_msg_id=message.client_msg_id,
        content=content_to_pb(message.content),
        server_time=timestamp(message.server_time),
    )


def ack_to_pb(appended: Appended) -> message_pb2.MessageAck:
    message = appended.message
    return message_pb2.MessageAck(
        message_id=message.message_id,
        conversation_id=message.conversation_id,
        seq=message.seq,
        server_time=timestamp(message.server_time),
        duplicate=appended.duplicate,
        client_msg_id=message.client_msg_id,
    )


def conversation_to_pb(view: ConversationView) -> conversation_pb2.Conversation:
    conversation = view.conversation
    return conversation_pb2.Conversation(
        conversation_id=conversation.conversation_id,
        kind=_KINDS[conversation.kind],
        title=conversation.title,
        member_ids=conversation.member_ids,
        last_seq=conversation.last_seq,
        creator_id=conversation.creator_id,
        create_time=timestamp(conversation.created_at),
        read_seq=view.read_seq,
    )


def sync_to_pb(result: SyncResult) -> sync_service_pb2.SyncResponse:
    return sync_service_pb2.SyncResponse(
        conversations=[
            sync_service_pb2.ConversationSync(
                conversation_id=item.head.conversation_id,
                last_seq=item.head.last_seq,
                messages=[message_to_pb(message) for message in item.messages],
                has_more=item.has_more,
                read_seq=item.head.read_seq,
            )
            for item in result.conversations
        ],
        has_more_conversations=result.has_more_conversations,
    )
