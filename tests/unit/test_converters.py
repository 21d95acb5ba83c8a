"""The protobuf converters' shortcuts: Timestamps set by arithmetic equal Timestamp.FromDatetime's,
and a message built in place carries every field of the domain message (set only when it
differs from its default, so a plain message carries only what it has)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from openchat.server.domain.model import (
    Attachment,
    Content,
    ForwardOrigin,
    Message,
    MessageKind,
    ReactionSummary,
)
from openchat.server.transport.converters import add_messages, message_to_pb, timestamp
from openchat.v1 import message_pb2, messaging_service_pb2

MOMENT = datetime(2026, 12, 7, 1, 2, 3, 456789, tzinfo=UTC)


@pytest.mark.parametrize(
    "moment",
    [
        MOMENT,
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(1960, 6, 30, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 12, 7, 1, 2, 3, 1),  # naive: read as UTC
        MOMENT.astimezone(timezone(timedelta(hours=-5, minutes=-30))),
    ],
    ids=["utc", "epoch", "before-epoch", "naive", "other-zone"],
)
def test_timestamps_equal_from_datetime(moment: datetime) -> None:
    expected = Timestamp()
    expected.FromDatetime(moment)
    assert timestamp(moment) == expected


def test_a_plain_message_carries_only_what_it_has() -> None:
    plain = Message("m", "c", 7, "s", "k", Content(text="hi", mime_type="text/plain"), MOMENT)
    assert message_to_pb(plain) == message_pb2.Message(
        message_id="m",
        conversation_id="c",
        seq=7,
        sender_id="s",
        client_msg_id="k",
        content=message_pb2.Content(text="hi", mime_type="text/plain"),
        server_time=timestamp(MOMENT),
    )


def test_a_message_with_everything_carries_everything() -> None:
    edited = MOMENT + timedelta(minutes=1)
    full = Message(
        message_id="m",
        conversation_id="c",
        seq=7,
        sender_id="s",
        client_msg_id="k",
        content=Content(
            text="hi",
            mime_type="image/png",
            data=b"\x00\x01",
            attachments=(Attachment("s3://b/k", "image/png", 9, "cat.png"),),
            attributes={"a": "b"},
            mention_user_ids=("u",),
            reply_to_message_id="r",
        ),
        server_time=MOMENT,
        kind=MessageKind.EDIT,
        target_message_id="t",
        emoji="e",
        edit_count=2,
        edit_time=edited,
        recalled=True,
        forwarded_from=ForwardOrigin("oc", "om", "os"),
        reactions=(ReactionSummary("👍", 3, True), ReactionSummary("🎉", 1, False)),
        deleted_for_me=True,
    )
    assert message_to_pb(full) == message_pb2.Message(
        message_id="m",
        conversation_id="c",
        seq=7,
        sender_id="s",
        client_msg_id="k",
        content=message_pb2.Content(
            text="hi",
            mime_type="image/png",
            data=b"\x00\x01",
            attachments=[
                message_pb2.Attachment(
                    uri="s3://b/k", mime_type="image/png", size_bytes=9, name="cat.png"
                )
            ],
            attributes={"a": "b"},
            mention_user_ids=["u"],
            reply_to_message_id="r",
        ),
        server_time=timestamp(MOMENT),
        kind=message_pb2.MESSAGE_KIND_EDIT,
        target_message_id="t",
        emoji="e",
        edit_count=2,
        edit_time=timestamp(edited),
        recalled=True,
        forwarded_from=message_pb2.ForwardOrigin(
            conversation_id="oc", message_id="om", sender_id="os"
        ),
        reactions=[
            message_pb2.ReactionSummary(emoji="👍", count=3, reacted_by_me=True),
            message_pb2.ReactionSummary(emoji="🎉", count=1, reacted_by_me=False),
        ],
        deleted_for_me=True,
    )


def test_messages_are_added_in_order() -> None:
    messages = [
        Message(f"m{seq}", "c", seq, "s", f"k{seq}", Content(text=str(seq)), MOMENT)
        for seq in range(3)
    ]
    response = messaging_service_pb2.ListMessagesResponse()
    add_messages(response.messages, messages)
    assert list(response.messages) == [message_to_pb(message) for message in messages]
