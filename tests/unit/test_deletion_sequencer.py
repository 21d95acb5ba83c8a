"""The session's DeletionSequencer: a client with a deletion cursor gets each deletion after it
once, in feed order, the catch-up's then the live ones, every frame with the cursor to store;
a hole the live path left (a frame the bus lost) is read from the feed before the frame that
revealed it. A client without a cursor gets the live frames as they are."""

from __future__ import annotations

from datetime import UTC, datetime

from openchat.server.domain.model import Content, Deletion, Message, MessagesDeleted
from openchat.server.sessions.deletions import DELETIONS_PAGE, DeletionSequencer

USER = "alice"


def placeholder(conversation_id: str, seq: int) -> Message:
    return Message(
        message_id=f"m-{conversation_id}-{seq}",
        conversation_id=conversation_id,
        seq=seq,
        sender_id="bob",
        client_msg_id=f"c-{seq}",
        content=Content(),
        server_time=datetime(2026, 1, 1, tzinfo=UTC),
        deleted_for_me=True,
    )


class StoredFeed:
    """The user's deletion feed: position p hides seq p of the conversation `where(p)` names.
    Read as the hub reads it; records each read."""

    def __init__(self, head: int, where: dict[int, str] | None = None) -> None:
        self.head = head
        self.where = where or {}
        self.reads: list[tuple[int, int]] = []

    async def __call__(self, user_id: str, after: int, until: int) -> list[Deletion]:
        assert user_id == USER
        self.reads.append((after, until))
        return [
            Deletion(p, placeholder(self.conversation(p), p))
            for p in range(after + 1, min(until, self.head) + 1)
        ]

    def conversation(self, position: int) -> str:
        return self.where.get(position, "c1")

    def live(self, first: int, last: int) -> MessagesDeleted:
        """The frame of a DeleteMessages call that hid positions first..last (one conversation)."""
        return MessagesDeleted(
            self.conversation(first),
            tuple(f"m-{self.conversation(first)}-{p}" for p in range(first, last + 1)),
            tuple(range(first, last + 1)),
            newly_hidden=last - first + 1,
            deletions_position=last,
        )


def described(frames: list[MessagesDeleted]) -> list[tuple[str, tuple[int, ...], int]]:
    return [(f.conversation_id, f.seqs, f.deletions_position) for f in frames]


async def caught_up(sequencer: DeletionSequencer, head: int) -> list[MessagesDeleted]:
    return [frame async for frame in sequencer.catch_up(head)]


async def test_the_catch_up_sends_the_deletions_after_the_cursor_one_frame_per_run() -> None:
    feed = StoredFeed(head=6, where={4: "c2", 5: "c2"})
    sequencer = DeletionSequencer(USER, 1, feed)

    frames = await caught_up(sequencer, feed.head)

    assert described(frames) == [
        ("c1", (2, 3), 3),
        ("c2", (4, 5), 5),
        ("c1", (6,), 6),
    ]
    assert feed.reads == [(1, 6)]


async def test_a_long_catch_up_is_read_in_pages() -> None:
    head = DELETIONS_PAGE * 2 + 5
    feed = StoredFeed(head=head)
    frames = await caught_up(DeletionSequencer(USER, 0, feed), head)

    assert [frame.deletions_position for frame in frames] == [
        DELETIONS_PAGE,
        2 * DELETIONS_PAGE,
        head,
    ]
    assert feed.reads == [
        (0, DELETIONS_PAGE),
        (DELETIONS_PAGE, 2 * DELETIONS_PAGE),
        (2 * DELETIONS_PAGE, head),
    ]


async def test_a_client_at_the_head_costs_no_read() -> None:
    feed = StoredFeed(head=4)
    sequencer = DeletionSequencer(USER, 4, feed)

    assert await caught_up(sequencer, feed.head) == []
    assert feed.reads == []


async def test_live_frames_the_catch_up_covered_are_dropped_and_later_ones_carry_the_cursor() -> (
    None
):
    feed = StoredFeed(head=3)
    sequencer = DeletionSequencer(USER, 0, feed)
    await caught_up(sequencer, feed.head)

    # Committed before the catch-up read its head, heard live afterwards: sent already.
    assert await sequencer.accept(feed.live(2, 3)) == []
    feed.head = 5
    assert described(await sequencer.accept(feed.live(4, 5))) == [("c1", (4, 5), 5)]
    assert feed.reads == [(0, 3)]


async def test_a_hole_is_filled_from_the_feed_before_the_frame_that_revealed_it() -> None:
    feed = StoredFeed(head=2)
    sequencer = DeletionSequencer(USER, 2, feed)
    await caught_up(sequencer, feed.head)
    feed.head = 5

    # The bus lost the frame of positions 3..4 (or it comes later, from another node).
    assert described(await sequencer.accept(feed.live(5, 5))) == [
        ("c1", (3, 4), 4),
        ("c1", (5,), 5),
    ]
    assert feed.reads == [(2, 4)]
    assert await sequencer.accept(feed.live(3, 4)) == [], "it came after all: sent already"


async def test_a_retry_announces_again_and_repairs_a_hole_up_to_its_position() -> None:
    feed = StoredFeed(head=1)
    sequencer = DeletionSequencer(USER, 1, feed)
    await caught_up(sequencer, feed.head)
    feed.head = 3
    retry = MessagesDeleted("c1", ("m-c1-2",), (2,), newly_hidden=0, deletions_position=3)

    assert described(await sequencer.accept(retry)) == [
        ("c1", (2, 3), 3),
        ("c1", (2,), 3),
    ]
    # Once more, with nothing missing: announced with the cursor as it stands.
    assert described(await sequencer.accept(retry)) == [("c1", (2,), 3)]


async def test_a_cursor_beyond_the_head_gives_way_to_the_feeds_positions() -> None:
    """A cursor this database's feed never gave (a restored backup): live frames still pass,
    and bring the client back onto the feed's positions."""
    feed = StoredFeed(head=2)
    sequencer = DeletionSequencer(USER, 9, feed)

    assert await caught_up(sequencer, feed.head) == []
    feed.head = 3
    assert described(await sequencer.accept(feed.live(3, 3))) == [("c1", (3,), 3)]


async def test_without_a_cursor_live_frames_pass_as_they_are_without_one() -> None:
    feed = StoredFeed(head=7)
    sequencer = DeletionSequencer(USER, None, feed)

    assert await caught_up(sequencer, feed.head) == []
    assert described(await sequencer.accept(feed.live(7, 7))) == [("c1", (7,), 0)]
    assert feed.reads == []


async def test_a_frame_from_a_node_older_than_the_feed_passes_with_the_cursor() -> None:
    feed = StoredFeed(head=2)
    sequencer = DeletionSequencer(USER, 2, feed)
    await caught_up(sequencer, feed.head)
    old = MessagesDeleted("c1", ("m-c1-9",), (9,), newly_hidden=1)

    assert described(await sequencer.accept(old)) == [("c1", (9,), 2)]
    assert feed.reads == []
