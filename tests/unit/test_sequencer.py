"""The session's MessageSequencer: each conversation's messages reach the client once, in seq
order, and a hole left by the live path, whatever its size, is filled from the database (a page
at a time) before the message that revealed it."""

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


PAGE = 3


class StoredMessages:
    """The conversation's stored messages, read the way the session reads a hole's page: the
    seqs after `after` up to `until`, oldest first. Records each read."""

    def __init__(self, last_seq: int) -> None:
        self.last_seq = last_seq
        self.reads: list[tuple[str, int, int]] = []

    async def __call__(self, conversation_id: str, after: int, until: int) -> list[Message]:
        self.reads.append((conversation_id, after, until))
        upper = min(until, self.last_seq)
        return [message(seq, conversation_id) for seq in range(after + 1, upper + 1)]


def sequencer_of(stored: StoredMessages) -> MessageSequencer:
    return MessageSequencer(stored, page_size=PAGE)


async def sent(sequencer: MessageSequencer, live: Message) -> list[int]:
    """The seqs the session sends for `live`."""
    return [m.seq async for m in sequencer.accept(live)]


async def test_a_message_at_or_below_what_was_sent_is_dropped() -> None:
    stored = StoredMessages(last_seq=5)
    sequencer = sequencer_of(stored)
    sequencer.start_at(CONVERSATION, 3)

    assert await sent(sequencer, message(3)) == [], "the client holds seq 3 already"
    assert await sent(sequencer, message(4)) == [4]
    assert await sent(sequencer, message(4)) == [], "seq 4 was just sent"
    assert await sent(sequencer, message(2)) == []
    assert stored.reads == []


async def test_a_hole_is_filled_from_the_database_in_order() -> None:
    stored = StoredMessages(last_seq=6)
    sequencer = sequencer_of(stored)
    sequencer.start_at(CONVERSATION, 3)

    assert await sent(sequencer, message(6)) == [4, 5, 6]
    assert stored.reads == [(CONVERSATION, 3, 5)]
    # The filled seqs arriving live afterwards are not sent again.
    assert await sent(sequencer, message(4)) == []
    assert await sent(sequencer, message(5)) == []
    assert await sent(sequencer, message(7)) == [7]


async def test_conversations_are_sequenced_apart() -> None:
    stored = StoredMessages(last_seq=3)
    sequencer = sequencer_of(stored)
    sequencer.start_at(CONVERSATION, 2)
    sequencer.start_at("conversation-2", 0)

    assert await sent(sequencer, message(1, "conversation-2")) == [1]
    assert await sent(sequencer, message(3)) == [3]
    assert await sent(sequencer, message(1, "conversation-2")) == []


async def test_without_a_starting_point_the_first_message_is_sent_alone() -> None:
    """A session that did not resume a conversation has no cursor for it: what it receives live
    starts wherever the first message is (the client syncs the rest)."""
    stored = StoredMessages(last_seq=9)
    sequencer = sequencer_of(stored)

    assert await sent(sequencer, message(9)) == [9]
    assert await sent(sequencer, message(9)) == []
    assert stored.reads == []


async def test_a_hole_larger_than_a_page_is_filled_page_by_page() -> None:
    """A bus outage in a busy group leaves holes of thousands of seqs: all of it is sent, read a
    page at a time."""
    stored = StoredMessages(last_seq=11)
    sequencer = sequencer_of(stored)
    sequencer.start_at(CONVERSATION, 1)

    assert await sent(sequencer, message(11)) == list(range(2, 12))
    assert stored.reads == [
        (CONVERSATION, 1, 4),
        (CONVERSATION, 4, 7),
        (CONVERSATION, 7, 10),
    ]
    assert await sent(sequencer, message(12)) == [12]
