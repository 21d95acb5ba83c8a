"""The session's MessageSequencer: each conversation's messages reach the client once, in seq
order, and a hole left by the live path is filled from the database before the message that
revealed it."""

from __future__ import annotations

from datetime import UTC, datetime

from openchat.server.domain.model import Content, Message
from openchat.server.sessions.sequencer import MessageSequencer

CONVERSATION = "conversation-1"


def message(seq: int, conversation_id: str = CONVERSATION) -> Message:
    return Message(
        message_id=f"m-{conversation_id}-{seq}",
        conversation_id=conversation_id,
        seq=seq,
        sender_id="alice",
        client_msg_id=f"c-{seq}",
        content=Content(text=f"message {seq}"),
        server_time=datetime(2026, 1, 1, tzinfo=UTC),
    )


class StoredMessages:
    """The conversation's stored messages, read the way the hub reads a hole: the seqs strictly
    between `after_seq` and `before_seq`, oldest first. Records each read."""

    def __init__(self, last_seq: int) -> None:
        self.last_seq = last_seq
        self.reads: list[tuple[str, int, int]] = []

    async def __call__(
        self, conversation_id: str, after_seq: int, before_seq: int
    ) -> list[Message]:
        self.reads.append((conversation_id, after_seq, before_seq))
        upper = min(before_seq, self.last_seq + 1)
        return [message(seq, conversation_id) for seq in range(after_seq + 1, upper)]


def seqs(messages: list[Message]) -> list[int]:
    return [m.seq for m in messages]


async def test_a_message_at_or_below_what_was_sent_is_dropped() -> None:
    stored = StoredMessages(last_seq=5)
    sequencer = MessageSequencer(stored)
    sequencer.start_at(CONVERSATION, 3)

    assert await sequencer.accept(message(3)) == [], "the client holds seq 3 already"
    assert seqs(await sequencer.accept(message(4))) == [4]
    assert await sequencer.accept(message(4)) == [], "seq 4 was just sent"
    assert await sequencer.accept(message(2)) == []
    assert stored.reads == []


async def test_a_hole_is_filled_from_the_database_in_order() -> None:
    stored = StoredMessages(last_seq=6)
    sequencer = MessageSequencer(stored)
    sequencer.start_at(CONVERSATION, 3)

    assert seqs(await sequencer.accept(message(6))) == [4, 5, 6]
    assert stored.reads == [(CONVERSATION, 3, 6)]
    # The filled seqs arriving live afterwards are not sent again.
    assert await sequencer.accept(message(4)) == []
    assert await sequencer.accept(message(5)) == []
    assert seqs(await sequencer.accept(message(7))) == [7]


async def test_conversations_are_sequenced_apart() -> None:
    stored = StoredMessages(last_seq=3)
    sequencer = MessageSequencer(stored)
    sequencer.start_at(CONVERSATION, 2)
    sequencer.start_at("conversation-2", 0)

    assert seqs(await sequencer.accept(message(1, "conversation-2"))) == [1]
    assert seqs(await sequencer.accept(message(3))) == [3]
    assert await sequencer.accept(message(1, "conversation-2")) == []


async def test_without_a_starting_point_the_first_message_is_sent_alone() -> None:
    """A session that did not resume a conversation has no cursor for it: what it receives live
    starts wherever the first message is (the client syncs the rest)."""
    stored = StoredMessages(last_seq=9)
    sequencer = MessageSequencer(stored)

    assert seqs(await sequencer.accept(message(9))) == [9]
    assert await sequencer.accept(message(9)) == []
    assert stored.reads == []
