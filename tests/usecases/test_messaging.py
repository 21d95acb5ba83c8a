"""The MessagingService use cases over the SQL stores, a running group-commit writer and the
in-process bus: sending (membership checked where the message is stored), pages of history
within the response budget, and read marks that only move forward and tell the senders."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime

import pytest

from openchat.server.domain.delivery import ReceiptKind
from openchat.server.domain.errors import ConversationNotFound, InvalidArgument, NotAMember
from openchat.server.domain.events import DELIVER_RECEIPT, ReceiptDelivery
from openchat.server.domain.model import Content, Message
from openchat.server.events.in_process import InProcessEventBus
from openchat.server.storage.conversation_store import SqlConversationStore
from openchat.server.storage.database import Database
from openchat.server.storage.message_store import SqlMessageStore
from openchat.server.storage.receipt_store import SqlReceiptStore
from openchat.server.storage.sequences import TransactionalSequenceAllocator
from openchat.server.usecases.messaging import Messaging, fit_in_budget
from openchat.server.usecases.receipts import SENDER_WINDOW, Receipts
from tests.support.databases import MAX_MEMBERS, draft, new_group, running_writer
from tests.support.published import Published, collected
from tests.support.settings import without_quotas

BUDGET = 1 << 20
# Texts of this size: the budget of the small-budget tests holds two messages, not three.
TEXT_BYTES = 1000
SMALL_BUDGET = 2 * TEXT_BYTES + TEXT_BYTES // 2

NOW = datetime(2026, 12, 1, tzinfo=UTC)

MessagingFactory = Callable[[int], Messaging]


class RangeRecordingReceipts(SqlReceiptStore):
    """The SQL receipt store, recording the ranges whose senders it was asked for."""

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        self.ranges: list[tuple[int, int]] = []

    async def senders_in_ranges(
        self, ranges: Sequence[tuple[str, int, int]]
    ) -> dict[tuple[str, int, int], set[str]]:
        self.ranges.extend((after_seq, up_to_seq) for _, after_seq, up_to_seq in ranges)
        return await super().senders_in_ranges(ranges)


class StoredMembers:
    """MemberDirectory straight from the conversation store (no cache to invalidate)."""

    def __init__(self, database: Database) -> None:
        self._store = SqlConversationStore(database, max_members=MAX_MEMBERS)

    async def members(self, conversation_id: str) -> frozenset[str]:
        conversation = await self._store.get(conversation_id)
        assert conversation is not None
        return frozenset(conversation.member_ids)


@pytest.fixture
def receipt_store(database: Database) -> RangeRecordingReceipts:
    return RangeRecordingReceipts(database)


@pytest.fixture
async def make_messaging(
    database: Database, events: InProcessEventBus, receipt_store: RangeRecordingReceipts
) -> AsyncIterator[MessagingFactory]:
    """Builds Messaging with a given response budget, as the composition root does."""
    async with running_writer(database, events) as writer:

        def make(budget: int) -> Messaging:
            return Messaging(
                SqlConversationStore(database, max_members=MAX_MEMBERS),
                SqlMessageStore(database, TransactionalSequenceAllocator()),
                writer,
                Receipts(receipt_store, events, StoredMembers(database)),
                without_quotas(),
                response_budget_bytes=budget,
            )

        yield make


@pytest.fixture
def messaging(make_messaging: MessagingFactory) -> Messaging:
    return make_messaging(BUDGET)


async def sent(messaging: Messaging, conversation: str, sender: str, count: int) -> list[Message]:
    return [
        (await messaging.send(sender, conversation, f"k{n}", Content(text=f"m{n}"))).message
        for n in range(1, count + 1)
    ]


async def test_a_sent_message_is_stored_once_per_client_msg_id(
    messaging: Messaging, database: Database, members: list[str]
) -> None:
    alice, bob, *_ = members
    conversation = await new_group(database, [alice, bob])

    first = await messaging.send(alice, conversation, "k", Content(text="hi"), origin_device_id="d")
    again = await messaging.send(alice, conversation, "k", Content(text="hi"))
    assert not first.duplicate
    assert again.duplicate
    assert again.message == first.message
    assert (first.message.seq, first.message.sender_id) == (1, alice)


async def test_only_members_send_to_existing_conversations(
    messaging: Messaging, database: Database, members: list[str]
) -> None:
    alice, bob, _, stranger = members
    conversation = await new_group(database, [alice, bob])
    with pytest.raises(NotAMember):
        await messaging.send(stranger, conversation, "k", Content(text="hi"))
    with pytest.raises(ConversationNotFound):
        await messaging.send(alice, "no-such-conversation", "k", Content(text="hi"))
    assert await messaging.list_messages(
        alice, conversation, after_seq=0, before_seq=None, newest_first=False, limit=10
    ) == ([], False)


async def test_history_pages_say_whether_more_lie_beyond(
    messaging: Messaging, database: Database, members: list[str]
) -> None:
    alice, bob, *_ = members
    conversation = await new_group(database, [alice, bob])
    stored = await sent(messaging, conversation, alice, 5)

    newest, more = await messaging.list_messages(
        bob, conversation, after_seq=0, before_seq=None, newest_first=True, limit=2
    )
    assert (newest, more) == ([stored[4], stored[3]], True)
    older, more = await messaging.list_messages(
        bob, conversation, after_seq=0, before_seq=4, newest_first=True, limit=3
    )
    assert ([m.seq for m in older], more) == ([3, 2, 1], False)
    tail, more = await messaging.list_messages(
        bob, conversation, after_seq=3, before_seq=None, newest_first=False, limit=2
    )
    assert ([m.seq for m in tail], more) == ([4, 5], False)


async def test_only_members_read_history(
    messaging: Messaging, database: Database, members: list[str]
) -> None:
    alice, bob, _, stranger = members
    conversation = await new_group(database, [alice, bob])
    for user, where, error in [
        (stranger, conversation, NotAMember),
        (alice, "no-such-conversation", ConversationNotFound),
    ]:
        with pytest.raises(error):
            await messaging.list_messages(
                user, where, after_seq=0, before_seq=None, newest_first=False, limit=10
            )
    assert await messaging.require_member(bob, conversation) == 0


async def test_a_page_stops_at_the_response_budget_and_says_there_is_more(
    make_messaging: MessagingFactory, database: Database, members: list[str]
) -> None:
    alice, bob, *_ = members
    conversation = await new_group(database, [alice, bob])
    messaging = make_messaging(SMALL_BUDGET)
    for n in range(4):
        await messaging.send(alice, conversation, f"k{n}", Content(text="x" * TEXT_BYTES))

    page, more = await messaging.list_messages(
        bob, conversation, after_seq=0, before_seq=None, newest_first=False, limit=10
    )
    assert ([m.seq for m in page], more) == ([1, 2], True)


def test_a_budget_keeps_the_longest_fitting_prefix_and_at_least_one_message() -> None:
    def message(seq: int, size: int) -> Message:
        return Message(f"m{seq}", "c", seq, "u", f"k{seq}", Content(text="x" * size), NOW)

    small, huge = message(1, 10), message(2, 10_000)
    assert fit_in_budget([huge, small], 100) == [huge], "one message always goes out"
    assert fit_in_budget([small, huge, small], 1000) == [small]
    assert fit_in_budget([small, small], 1000) == [small, small]
    assert fit_in_budget([], 1000) == []


@pytest.fixture
async def receipts_published(events: InProcessEventBus) -> Published[ReceiptDelivery]:
    return await collected(events, DELIVER_RECEIPT, [])


async def test_marking_read_moves_forward_and_tells_the_senders(
    messaging: Messaging,
    database: Database,
    members: list[str],
    receipts_published: Published[ReceiptDelivery],
) -> None:
    alice, bob, carol, _ = members
    conversation = await new_group(database, [alice, bob, carol])
    await sent(messaging, conversation, alice, 2)
    await sent(messaging, conversation, carol, 1)

    assert await messaging.mark_read(bob, conversation, 2) == 2
    assert await messaging.mark_read(bob, conversation, 1) == 2, "never backwards"
    assert await messaging.mark_read(bob, conversation, 3) == 3
    assert await messaging.require_member(bob, conversation) == 3

    assert [
        (d.recipient_ids, d.receipt.user_id, d.receipt.kind, d.receipt.seq)
        for d in await receipts_published()
    ] == [((alice,), bob, ReceiptKind.READ, 2), ((carol,), bob, ReceiptKind.READ, 3)]


async def test_a_read_over_a_long_backlog_tells_every_member_without_scanning_it(
    messaging: Messaging,
    database: Database,
    members: list[str],
    receipts_published: Published[ReceiptDelivery],
    receipt_store: RangeRecordingReceipts,
) -> None:
    alice, bob, carol, dave = members
    conversation = await new_group(database, [alice, bob, carol, dave])
    await sent(messaging, conversation, alice, 1)
    backlog = SENDER_WINDOW + 10
    store = SqlMessageStore(database, TransactionalSequenceAllocator())
    await store.append_batch([draft(conversation, carol) for _ in range(backlog)])

    assert await messaging.mark_read(bob, conversation, backlog + 1) == backlog + 1

    [delivery] = await receipts_published()
    # Alice's message lies far behind the newest ones, and she is told all the same.
    assert (delivery.recipient_ids, delivery.receipt.seq) == (
        tuple(sorted([alice, carol, dave])),
        backlog + 1,
    )
    assert receipt_store.ranges == [], "no scan of the backlog's senders"


async def test_a_read_of_recent_messages_tells_only_their_senders(
    messaging: Messaging,
    database: Database,
    members: list[str],
    receipts_published: Published[ReceiptDelivery],
    receipt_store: RangeRecordingReceipts,
) -> None:
    alice, bob, carol, dave = members
    conversation = await new_group(database, [alice, bob, carol, dave])
    await sent(messaging, conversation, alice, 1)
    store = SqlMessageStore(database, TransactionalSequenceAllocator())
    await store.append_batch([draft(conversation, carol) for _ in range(SENDER_WINDOW - 1)])

    assert await messaging.mark_read(bob, conversation, SENDER_WINDOW) == SENDER_WINDOW

    [delivery] = await receipts_published()
    assert delivery.recipient_ids == tuple(sorted([alice, carol]))
    assert receipt_store.ranges == [(0, SENDER_WINDOW)]


async def test_a_reader_is_not_told_of_their_own_messages(
    messaging: Messaging,
    database: Database,
    members: list[str],
    receipts_published: Published[ReceiptDelivery],
) -> None:
    alice, bob, *_ = members
    conversation = await new_group(database, [alice, bob])
    await sent(messaging, conversation, alice, 2)

    assert await messaging.mark_read(alice, conversation, 2) == 2
    assert await receipts_published() == []


async def test_marks_beyond_the_last_seq_or_by_outsiders_are_refused(
    messaging: Messaging, database: Database, members: list[str]
) -> None:
    alice, bob, _, stranger = members
    conversation = await new_group(database, [alice, bob])
    await sent(messaging, conversation, alice, 2)

    with pytest.raises(InvalidArgument, match="beyond the conversation's last seq 2"):
        await messaging.mark_read(bob, conversation, 3)
    with pytest.raises(NotAMember):
        await messaging.mark_read(stranger, conversation, 1)
    with pytest.raises(ConversationNotFound):
        await messaging.mark_read(bob, "no-such-conversation", 1)
    assert await messaging.require_member(bob, conversation) == 0
