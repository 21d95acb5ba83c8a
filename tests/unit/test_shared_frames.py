"""A message's ServerFrame is converted once for every session it goes to, and only the very
same message object gets it."""

from __future__ import annotations

from datetime import UTC, datetime

from openchat.server.domain.frames import Pong
from openchat.server.domain.model import Content, Message
from openchat.server.transport.converters import server_frame
from openchat.server.transport.shared_frames import SharedFrames

NOW = datetime(2026, 12, 8, tzinfo=UTC)


def _message(seq: int) -> Message:
    return Message(
        message_id=f"m-{seq}",
        conversation_id="c-1",
        seq=seq,
        sender_id="alice",
        client_msg_id=f"k-{seq}",
        content=Content(text=f"hello {seq}"),
        server_time=NOW,
    )


def test_a_message_pushed_to_many_sessions_is_converted_once() -> None:
    frames = SharedFrames()
    message = _message(1)

    first = frames.of(message)
    assert first == server_frame(message)
    assert all(frames.of(message) is first for _ in range(999))


def test_an_equal_message_of_another_push_gets_a_frame_of_its_own() -> None:
    frames = SharedFrames()
    message = _message(1)
    shared = frames.of(message)

    other = frames.of(_message(1))
    assert other == shared
    assert other is not shared


def test_the_oldest_message_is_forgotten_beyond_the_capacity() -> None:
    frames = SharedFrames(capacity=2)
    oldest, middle, newest = _message(1), _message(2), _message(3)
    remembered = frames.of(oldest)
    frames.of(middle)
    frames.of(newest)

    assert frames.of(newest) is frames.of(newest)
    again = frames.of(oldest)
    assert again == remembered
    assert again is not remembered, "converted again once forgotten"


def test_frames_other_than_messages_are_converted_each_time() -> None:
    frames = SharedFrames()
    pong = Pong(nonce=7, server_time=NOW, watermark=3)

    first = frames.of(pong)
    assert first == server_frame(pong)
    assert frames.of(pong) is not first
