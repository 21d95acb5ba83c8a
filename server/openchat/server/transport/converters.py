"""The one mapping between protobuf messages and domain objects."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from google.protobuf import json_format
from google.protobuf.duration_pb2 import Duration
from google.protobuf.internal.containers import RepeatedCompositeFieldContainer
from google.protobuf.timestamp_pb2 import Timestamp

from openchat.server.domain.delivery import (
    Bot,
    DeliveryState,
    DeliveryStep,
    Receipt,
    ReceiptKind,
    RouteJobRecord,
    Typing,
)
from openchat.server.domain.frames import (
    CaughtUp,
    Outbound,
    Pong,
    ReconnectRequest,
    SendRejected,
    Welcome,
)
from openchat.server.domain.model import (
    Appended,
    Attachment,
    Content,
    ConversationKind,
    ConversationView,
    Message,
    MessageKind,
    MessagesDeleted,
    PresenceState,
    SyncResult,
)
from openchat.server.transport.errors import status_of
from openchat.v1 import (
    admin_service_pb2,
    bot_service_pb2,
    conversation_pb2,
    message_pb2,
    presence_pb2,
    presence_service_pb2,
    sync_service_pb2,
    webhook_pb2,
)

_KINDS = {
    ConversationKind.DIRECT: conversation_pb2.CONVERSATION_KIND_DIRECT,
    ConversationKind.GROUP: conversation_pb2.CONVERSATION_KIND_GROUP,
}


_RECONNECT_CAUSES = {
    "draining": presence_service_pb2.RECONNECT_CAUSE_DRAINING,
    "replaced": presence_service_pb2.RECONNECT_CAUSE_REPLACED,
    "overloaded": presence_service_pb2.RECONNECT_CAUSE_OVERLOADED,
}

_RECEIPT_KINDS = {
    ReceiptKind.DELIVERED: presence_service_pb2.RECEIPT_KIND_DELIVERED,
    ReceiptKind.READ: presence_service_pb2.RECEIPT_KIND_READ,
}


_MESSAGE_KINDS = {
    MessageKind.MESSAGE: message_pb2.MESSAGE_KIND_UNSPECIFIED,
    MessageKind.EDIT: message_pb2.MESSAGE_KIND_EDIT,
    MessageKind.RECALL: message_pb2.MESSAGE_KIND_RECALL,
    MessageKind.REACTION_ADDED: message_pb2.MESSAGE_KIND_REACTION_ADDED,
    MessageKind.REACTION_REMOVED: message_pb2.MESSAGE_KIND_REACTION_REMOVED,
}

# The WebhookEvent type of each kind of entry bots are told about (WEBHOOK_KINDS).
_WEBHOOK_EVENT_TYPES = {
    MessageKind.MESSAGE: "message.created",
    MessageKind.EDIT: "message.edited",
    MessageKind.RECALL: "message.recalled",
}

_DELIVERY_STATES = {
    DeliveryState.PERSISTED: message_pb2.DELIVERY_STATE_PERSISTED,
    DeliveryState.DELIVERED: message_pb2.DELIVERY_STATE_DELIVERED,
    DeliveryState.READ: message_pb2.DELIVERY_STATE_READ,
    DeliveryState.PUSH_ACCEPTED: message_pb2.DELIVERY_STATE_PUSH_ACCEPTED,
    DeliveryState.WEBHOOK_ANSWERED: message_pb2.DELIVERY_STATE_WEBHOOK_ANSWERED,
    DeliveryState.PROVIDER_ACCEPTED: message_pb2.DELIVERY_STATE_PROVIDER_ACCEPTED,
    DeliveryState.FAILED: message_pb2.DELIVERY_STATE_FAILED,
}


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    _set_time(stamp, moment)
    return stamp


def _set_time(stamp: Timestamp, moment: datetime) -> None:
    """Set a Timestamp (a naive datetime is read as UTC, as Timestamp.FromDatetime does) by
    arithmetic: FromDatetime goes through a time tuple, at 4x the cost, and a history page
    converts fifty."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    since = moment - _EPOCH
    stamp.seconds = since.days * 86_400 + since.seconds
    stamp.nanos = since.microseconds * 1000


def duration(seconds: float) -> Duration:
    span = Duration()
    span.FromNanoseconds(round(seconds * 1e9))
    return span


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
    converted = message_pb2.Content()
    _fill_content(converted, content)
    return converted


def _fill_content(converted: message_pb2.Content, content: Content) -> None:
    # Only what a content has is set (most have text alone): each field costs time to set.
    converted.text = content.text
    converted.mime_type = content.mime_type
    if content.data:
        converted.data = content.data
    if content.attachments:
        converted.attachments.extend(
            message_pb2.Attachment(
                uri=a.uri, mime_type=a.mime_type, size_bytes=a.size_bytes, name=a.name
            )
            for a in content.attachments
        )
    if content.attributes:
        converted.attributes.update(content.attributes)
    if content.mention_user_ids:
        converted.mention_user_ids.extend(content.mention_user_ids)
    if content.reply_to_message_id:
        converted.reply_to_message_id = content.reply_to_message_id


def message_to_pb(message: Message) -> message_pb2.Message:
    stored = message_pb2.Message()
    _fill_message(stored, message)
    return stored


def add_messages(
    target: RepeatedCompositeFieldContainer[message_pb2.Message], messages: Iterable[Message]
) -> None:
    """Append the messages to a repeated field, each built where it ends up (a message passed
    to a response's constructor is copied into it)."""
    for message in messages:
        _fill_message(target.add(), message)


def _fill_message(stored: message_pb2.Message, message: Message) -> None:
    # Built in place, and only what differs from the defaults is set: a submessage passed to a
    # constructor is copied, and most messages are plain, unchanged ones (a history page
    # converts fifty).
    stored.message_id = message.message_id
    stored.conversation_id = message.conversation_id
    stored.seq = message.seq
    stored.sender_id = message.sender_id
    stored.client_msg_id = message.client_msg_id
    _fill_content(stored.content, message.content)
    _set_time(stored.server_time, message.server_time)
    if message.kind is not MessageKind.MESSAGE:
        stored.kind = _MESSAGE_KINDS[message.kind]
    if message.target_message_id:
        stored.target_message_id = message.target_message_id
    if message.emoji:
        stored.emoji = message.emoji
    if message.edit_count:
        stored.edit_count = message.edit_count
    if message.edit_time is not None:
        _set_time(stored.edit_time, message.edit_time)
    if message.recalled:
        stored.recalled = True
    if message.deleted_for_me:
        stored.deleted_for_me = True
    if message.reactions:
        stored.reactions.extend(
            message_pb2.ReactionSummary(emoji=r.emoji, count=r.count, reacted_by_me=r.reacted_by_me)
            for r in message.reactions
        )
    if message.forwarded_from is not None:
        origin = message.forwarded_from
        forwarded = stored.forwarded_from
        forwarded.conversation_id = origin.conversation_id
        forwarded.message_id = origin.message_id
        forwarded.sender_id = origin.sender_id


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


def delivery_step_to_pb(step: DeliveryStep) -> message_pb2.DeliveryEvent:
    return message_pb2.DeliveryEvent(
        state=_DELIVERY_STATES[step.state],
        user_id=step.user_id,
        device_id=step.device_id,
        time=timestamp(step.at),
        detail=step.detail,
    )


def conversation_to_pb(view: ConversationView) -> conversation_pb2.Conversation:
    conversation = view.conversation
    shown = conversation_pb2.Conversation(
        conversation_id=conversation.conversation_id,
        kind=_KINDS[conversation.kind],
        title=conversation.title,
        member_ids=conversation.member_ids,
        last_seq=conversation.last_seq,
        creator_id=conversation.creator_id,
        create_time=timestamp(conversation.created_at),
        read_seq=view.read_seq,
        unread_count=view.unread_count,
        mention_count=view.mention_count,
        pinned=view.settings.pinned,
        last_activity_time=timestamp(view.position().last_activity_at),
    )
    if view.last_message is not None:
        _fill_message(shown.last_message, view.last_message)
    if view.settings.muted_until is not None:
        shown.muted_until.CopyFrom(timestamp(view.settings.muted_until))
    return shown


def sync_to_pb(result: SyncResult) -> sync_service_pb2.SyncResponse:
    response = sync_service_pb2.SyncResponse(
        has_more_conversations=result.has_more_conversations,
        deletions_position=result.deletions_position,
        has_more_deletions=result.has_more_deletions,
    )
    for item in result.conversations:
        synced = response.conversations.add(
            conversation_id=item.head.conversation_id,
            last_seq=item.head.last_seq,
            has_more=item.has_more,
            read_seq=item.head.read_seq,
        )
        add_messages(synced.messages, item.messages)
    add_messages(response.deletions, result.deletions)
    return response


def presence_to_pb(state: PresenceState) -> presence_pb2.Presence:
    presence = presence_pb2.Presence(
        user_id=state.user_id, online=state.online, device_count=state.device_count
    )
    if state.last_seen is not None:
        presence.last_seen.CopyFrom(timestamp(state.last_seen))
    return presence


def receipt_to_pb(receipt: Receipt) -> presence_service_pb2.Receipt:
    return presence_service_pb2.Receipt(
        conversation_id=receipt.conversation_id,
        user_id=receipt.user_id,
        kind=_RECEIPT_KINDS[receipt.kind],
        seq=receipt.seq,
        time=timestamp(receipt.at),
        device_id=receipt.device_id,
    )


def server_frame(frame: Outbound) -> presence_service_pb2.ServerFrame:
    """The ServerFrame carrying one outbound session frame."""
    pb = presence_service_pb2
    match frame:
        case Message():
            shown = pb.ServerFrame()
            _fill_message(shown.message, frame)
            return shown
        case Appended():
            return pb.ServerFrame(ack=ack_to_pb(frame))
        case Receipt():
            return pb.ServerFrame(receipt=receipt_to_pb(frame))
        case PresenceState():
            return pb.ServerFrame(presence=presence_to_pb(frame))
        case Typing():
            return pb.ServerFrame(
                typing=pb.TypingEvent(
                    conversation_id=frame.conversation_id,
                    user_id=frame.user_id,
                    typing=frame.typing,
                )
            )
        case Pong():
            return pb.ServerFrame(
                pong=pb.Pong(
                    nonce=frame.nonce,
                    server_time=timestamp(frame.server_time),
                    watermark=frame.watermark,
                )
            )
        case Welcome():
            return pb.ServerFrame(
                welcome=pb.Welcome(
                    session_id=frame.session_id,
                    user_id=frame.user_id,
                    heartbeat_interval=duration(frame.heartbeat_interval),
                    heartbeat_timeout=duration(frame.heartbeat_timeout),
                    server_time=timestamp(frame.server_time),
                )
            )
        case SendRejected():
            status = status_of(frame.error)
            return pb.ServerFrame(
                send_failed=pb.SendFailure(
                    client_msg_id=frame.client_msg_id,
                    conversation_id=frame.conversation_id,
                    code=status.code.value[0],
                    message=status.message,
                    reason=status.reason,
                    retry_delay=(
                        duration(status.retry_after) if status.retry_after is not None else None
                    ),
                )
            )
        case CaughtUp():
            return pb.ServerFrame(caught_up=pb.CaughtUp(message_count=frame.message_count))
        case MessagesDeleted():
            return pb.ServerFrame(
                messages_deleted=pb.MessagesDeleted(
                    conversation_id=frame.conversation_id,
                    message_ids=frame.message_ids,
                    seqs=frame.seqs,
                    deletions_position=frame.deletions_position,
                )
            )
        case ReconnectRequest():
            return pb.ServerFrame(
                reconnect=pb.Reconnect(
                    reason=frame.reason,
                    retry_after=duration(frame.retry_after),
                    cause=_RECONNECT_CAUSES[frame.cause],
                )
            )


def webhook_event_json(event_id: str, bot_id: str, message: Message, created: datetime) -> bytes:
    """The body of a webhook request: a WebhookEvent in the protobuf JSON mapping."""
    event = webhook_pb2.WebhookEvent(
        event_id=event_id,
        type=_WEBHOOK_EVENT_TYPES[message.kind],
        create_time=timestamp(created),
        bot_id=bot_id,
        message=message_to_pb(message),
    )
    return json_format.MessageToJson(event, indent=None).encode()


def bot_to_pb(bot: Bot) -> bot_service_pb2.Bot:
    return bot_service_pb2.Bot(
        bot_id=bot.bot_id, webhook_url=bot.webhook_url, create_time=timestamp(bot.created_at)
    )


def dead_letter_to_pb(job: RouteJobRecord) -> admin_service_pb2.DeadLetter:
    return admin_service_pb2.DeadLetter(
        job_id=str(job.job_id),
        route=job.route,
        message_id=job.message_id,
        conversation_id=job.conversation_id,
        target=job.target,
        attempts=job.attempts,
        last_error=job.last_error,
        create_time=timestamp(job.created_at),
        update_time=timestamp(job.updated_at),
    )
