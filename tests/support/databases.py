"""Real databases for the contract and use-case tests: migrated, holding conversations to
write into (directly or through a running group-commit writer), and observable (how many
transactions an engine ran, how many were open at once)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from openchat.server.domain.model import Appended, Attachment, Content, MessageDraft
from openchat.server.observability.metrics import Metrics
from openchat.server.ports import EventBus
from openchat.server.routing.planner import DurableRoutePlanner
from openchat.server.storage import migrate
from openchat.server.storage.conversation_store import SqlConversationStore
from openchat.server.storage.database import Database, connect
from openchat.server.storage.group_commit import GroupCommitWriter
from openchat.server.storage.message_store import SqlMessageStore
from openchat.server.storage.sequences import TransactionalSequenceAllocator
from openchat.server.storage.tables import messages

MAX_MEMBERS = 100
# How long a writer's commits may take, and its queue to drain when it stops.
GRACE_SECONDS = 30.0


@contextlib.asynccontextmanager
async def migrated_database(url: str, *, pool_size: int = 10) -> AsyncIterator[Database]:
    """The database at `url` brought to the newest schema; its engines disposed on exit."""
    database = connect(url, pool_size=pool_size)
    try:
        await migrate.upgrade(database)
        yield database
    finally:
        await database.dispose()


@contextlib.asynccontextmanager
async def running_writer(
    database: Database, events: EventBus, *, max_batch: int = 64
) -> AsyncIterator[GroupCommitWriter]:
    """A started GroupCommitWriter over the SQL message store, drained and stopped on exit."""
    store = SqlMessageStore(database, TransactionalSequenceAllocator())
    writer = GroupCommitWriter(
        store,
        events,
        max_batch=max_batch,
        # As the app configures it: SQLite has one writer connection.
        max_in_flight=1 if database.dialect == "sqlite" else 4,
        commit_timeout=GRACE_SECONDS,
        metrics=Metrics(),
    )
    writer.start()
    try:
        yield writer
    finally:
        await writer.stop(GRACE_SECONDS)


async def new_group(database: Database, member_ids: Sequence[str]) -> str:
    """A new group conversation of `member_ids` (the first creates it); returns its id."""
    store = SqlConversationStore(database, max_members=MAX_MEMBERS)
    group = await store.create_group(member_ids[0], "a group", member_ids[1:], request_id="")
    return group.conversation_id


async def stored_with_route_work(
    database: Database,
    member_ids: Sequence[str],
    count: int,
    *,
    routes: Sequence[str],
) -> list[Appended]:
    """`count` new messages from the first of `member_ids` in a new group of them, each stored
    with the route work the durable planner plans for it: a job per route of `routes` (as
    external IM providers) and a webhook job per registered bot member."""
    conversation = await new_group(database, member_ids)
    store = SqlMessageStore(
        database,
        TransactionalSequenceAllocator(),
        DurableRoutePlanner(provider_routes=routes),
    )
    outcomes = await store.append_batch([draft(conversation, member_ids[0]) for _ in range(count)])
    assert all(isinstance(outcome, Appended) for outcome in outcomes), outcomes
    return [outcome for outcome in outcomes if isinstance(outcome, Appended)]


def rich_content() -> Content:
    """A content with every field set (bytes, an attachment, non-ASCII attributes, a mention, a
    reply), to show that storing and reading it loses nothing."""
    return Content(
        text="look",
        mime_type="image/png",
        data=b"\x89PNG\r\n\x00",
        attachments=(Attachment("s3://bucket/key", "image/png", 9, "cat.png"),),
        attributes={"client": "test", "émoji": "✓"},
        mention_user_ids=("someone",),
        reply_to_message_id=str(uuid.uuid4()),
    )


def draft(
    conversation_id: str, sender_id: str, text: str = "hello", client_msg_id: str | None = None
) -> MessageDraft:
    """A text message draft, with a fresh client_msg_id unless one is given."""
    return MessageDraft(
        conversation_id, sender_id, client_msg_id or uuid.uuid4().hex, Content(text=text)
    )


async def stored_seqs(database: Database, conversation_id: str) -> list[int]:
    """Every seq stored for the conversation, in order, read straight from the table."""
    async with database.reader.connect() as connection:
        rows = await connection.execute(
            select(messages.c.seq)
            .where(messages.c.conversation_id == conversation_id)
            .order_by(messages.c.seq)
        )
        return [seq for (seq,) in rows]


async def message_count(database: Database) -> int:
    """Rows in the messages table."""
    async with database.reader.connect() as connection:
        count: int = await connection.scalar(select(func.count()).select_from(messages)) or 0
        return count


class TransactionLog:
    """What an engine's transactions did, seen through SQLAlchemy's connection events: commits
    and rollbacks, and the most transactions that were open at the same moment."""

    def __init__(self) -> None:
        self.commits = 0
        self.rollbacks = 0
        self.open = 0
        self.most_open = 0

    def _begin(self, _connection: Any) -> None:
        self.open += 1
        self.most_open = max(self.most_open, self.open)

    def _commit(self, _connection: Any) -> None:
        self.open -= 1
        self.commits += 1

    def _rollback(self, _connection: Any) -> None:
        self.open -= 1
        self.rollbacks += 1


@contextlib.contextmanager
def transaction_log(engine: AsyncEngine) -> Iterator[TransactionLog]:
    """Record `engine`'s transactions while the block runs."""
    log = TransactionLog()
    hooks = {"begin": log._begin, "commit": log._commit, "rollback": log._rollback}
    for name, hook in hooks.items():
        event.listen(engine.sync_engine, name, hook)
    try:
        yield log
    finally:
        for name, hook in hooks.items():
            event.remove(engine.sync_engine, name, hook)
