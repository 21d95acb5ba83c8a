"""The one mapping between the openchat.v1 protobuf messages and the SDK's dataclasses."""

from __future__ import annotations

from datetime import UTC, datetime
from types import MappingProxyType

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from openchat.client._models import (
    Attachment,
    Content,
    Conversation,
    ConversationKind,
    DeliveryEvent,
    DeliveryState,
    ForwardOrigin,
    Message,
    MessageAck,
    MessageKind,
    Presence,
    ReactionSummary,
    Receipt,
    ReceiptKind,
    Typing,
)
from openchat.v1 import (
    conversation_pb2,
    message_pb2,
    presence_pb2,
    presence_service_pb2,
)

_KINDS = {
    conversation_pb2.CONVERSATION_KIND_DIRECT: ConversationKind.DIRECT,
    conversation_pb2.CONVERSATION_KIND_GROUP: ConversationKind.GROUP,
}

_MESSAGE_KINDS = {
    message_pb2.MESSAGE_KIND_UNSPECIFIED: MessageKind.MESSAGE,
    message_pb2.MESSAGE_KIND_EDIT: MessageKind.EDIT,
    message_pb2.MESSAGE_KIND_RECALL: MessageKind.RECALL,
    message_pb2.MESSAGE_KIND_REACTION_ADDED: MessageKind.REACTION_ADDED,
    message_pb2.MESSAGE_KIND_REACTION_REMOVED: MessageKind.REACTION_REMOVED,
}
_MESSAGE_KIND_VALUES = {kind: value for value, kind in _MESSAGE_KINDS.items()}

_RECEIPT_KINDS = {
    presence_service_pb2.RECEIPT_KIND_DELIVERED: ReceiptKind.DELIVERED,
    presence_service_pb2.RECEIPT_KIND_READ: ReceiptKind.READ,
}

_DELIVERY_STATES = {
    message_pb2.DELIVERY_STATE_PERSISTED: DeliveryState.PERSISTED,
    message_pb2.DELIVERY_STATE_DELIVERED: DeliveryState.DELIVERED,
    message_pb2.DELIVERY_STATE_READ: DeliveryState.READ,
    message_pb2.DELIVERY_STATE_PUSH_ACCEPTED: DeliveryState.PUSH_ACCEPTED,
    message_pb2.DELIVERY_STATE_WEBHOOK_ANSWERED: DeliveryState.WEBHOOK_ANSWERED,
    message_pb2.DELIVERY_STATE_PROVIDER_ACCEPTED: DeliveryState.PROVIDER_ACCEPTED,
    message_pb2.DELIVERY_STATE_FAILED: DeliveryState.FAILED,
}


def moment(stamp: Timestamp) -> datetime:
    return stamp.ToDatetime(tzinfo=UTC)


def timestamp(when: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(when)
    return stamp


def seconds(span: Duration) -> float:
    return span.ToNanoseconds() / 1e9


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
        attributes=dict(content.attributes),
        mention_user_ids=list(content.mention_user_ids),
        reply_to_message_id=content.reply_to_message_id,
    )


def content_from_pb(content: message_pb2.Content) -> Content:
    return Content(
        text=content.text,
        mime_type=content.mime_type,
        data=content.data,
        attachments=tuple(
            Attachment(a.uri, a.mime_type, a.size_bytes, a.name) for a in content.attachments
        ),
        attributes=MappingProxyType(dict(sorted(content.attributes.items()))),
        mention_user_ids=tuple(content.mention_user_ids),
        reply_to_message_id=content.reply_to_message_id,
    )


def message_from_pb(message: message_pb2.Message) -> Message:
    origin = message.forwarded_from
    return Message(
        message_id=message.message_id,
        conversation_id=message.conversation_id,
        seq=message.seq,
        sender_id=message.sender_id,
        client_msg_id=message.client_msg_id,
        content=content_from_pb(message.content),
        server_time=moment(message.server_time),
        kind=_MESSAGE_KINDS[message.kind],
        target_message_id=message.target_message_id,
        emoji=message.emoji,
        edit_count=message.edit_count,
        edit_time=moment(message.edit_time) if message.HasField("edit_time") else None,
        recalled=message.recalled,
        reactions=tuple(
            ReactionSummary(r.emoji, r.count, r.reacted_by_me) for r in message.reactions
        ),
        forwarded_from=ForwardOrigin(origin.conversation_id, origin.message_id, origin.sender_id)
        if message.HasField("forwarded_from")
        else None,
        deleted_for_me=message.deleted_for_me,
    )


def message_to_pb(message: Message) -> message_pb2.Message:
    stored = message_pb2.Message(
        message_id=message.message_id,
        conversation_id=message.conversation_id,
        seq=message.seq,
        sender_id=message.sender_id,
        client_msg_id=message.client_msg_id,
        content=content_to_pb(message.content),
        server_time=timestamp(message.server_time),
        kind=_MESSAGE_KIND_VALUES[message.kind],
        target_message_id=message.target_message_id,
        emoji=message.emoji,
        edit_count=message.edit_count,
        recalled=message.recalled,
        reactions=[
            message_pb2.ReactionSummary(emoji=r.emoji, count=r.count, reacted_by_me=r.reacted_by_me)
            for r in message.reactions
        ],
        deleted_for_me=message.deleted_for_me,
    )
    if message.edit_time is not None:
        stored.edit_time.CopyFrom(timestamp(message.edit_time))
    if message.forwarded_from is not None:
        origin = message.forwarded_from
        stored.forwarded_from.CopyFrom(
            message_pb2.ForwardOrigin(
                conversation_id=origin.conversation_id,
                message_id=origin.message_id,
                sender_id=origin.sender_id,
            )
        )
    return stored


def ack_from_pb(ack: message_pb2.MessageAck) -> MessageAck:
    return MessageAck(
        message_id=ack.message_id,
        conversation_id=ack.conversation_id,
        seq=ack.seq,
        server_time=moment(ack.server_time),
        client_msg_id=ack.client_msg_id,
        duplicate=ack.duplicate,
    )


def ack_to_pb(ack: MessageAck) -> message_pb2.MessageAck:
    return message_pb2.MessageAck(
        message_id=ack.message_id,
        conversation_id=ack.conversation_id,
        seq=ack.seq,
        server_time=timestamp(ack.server_time),
        client_msg_id=ack.client_msg_id,
        duplicate=ack.duplicate,
    )


def conversation_from_pb(conversation: conversation_pb2.Conversation) -> Conversation:
    return Conversation(
        conversation_id=conversation.conversation_id,
        kind=_KINDS[conversation.kind],
        title=conversation.title,
        member_ids=tuple(conversation.member_ids),
        last_seq=conversation.last_seq,
        creator_id=conversation.creator_id,
        create_time=moment(conversation.create_time),
        read_seq=conversation.read_seq,
        unread_count=conversation.unread_count,
        mention_count=conversation.mention_count,
        last_message=message_from_pb(conversation.last_message)
        if conversation.HasField("last_message")
        else None,
        last_activity_time=moment(conversation.last_activity_time)
        if conversation.HasField("last_activity_time")
        else None,
        muted_until=moment(conversation.muted_until)
        if conversation.HasField("muted_until")
        else None,
        pinned=conversation.pinned,
    )


def presence_from_pb(presence: presence_pb2.Presence) -> Presence:
    return Presence(
        user_id=presence.user_id,
        online=presence.online,
        device_count=presence.device_count,
        last_seen=moment(presence.last_seen) if presence.HasField("last_seen") else None,
    )


def receipt_from_pb(receipt: presence_service_pb2.Receipt) -> Receipt:
    return Receipt(
        conversation_id=receipt.conversation_id,
        user_id=receipt.user_id,
        kind=_RECEIPT_KINDS[receipt.kind],
        seq=receipt.seq,
        time=moment(receipt.time),
        device_id=receipt.device_id,
    )


def typing_from_pb(typing: presence_service_pb2.TypingEvent) -> Typing:
    return Typing(typing.conversation_id, typing.user_id, typing.typing)


def delivery_event_from_pb(event: message_pb2.DeliveryEvent) -> DeliveryEvent:
    return DeliveryEvent(
        state=_DELIVERY_STATES[event.state],
        time=moment(event.time),
        user_id=event.user_id,
        device_id=event.device_id,
        detail=event.detail,
    )
