"""Messages in SQL: the batched, idempotent append behind SendMessage, and the reads behind
Sync and ListMessages."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

import structlog
from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from openchat.server.domain.errors import (
    ClientMsgIdReused,
    ConversationNotFound,
    NotAMember,
    OpenChatError,
)
from openchat.server.domain.lifecycle import DEFAULT_RULES, ChangeRules
from openchat.server.domain.model import (
    Appended,
    Deletion,
    Message,
    MessageDraft,
    MessageKind,
    MessagesDeleted,
    ReactionSummary,
)
from openchat.server.ports import RoutePlanner
from openchat.server.storage.bot_store import bot_members
from openchat.server.storage.changes import apply_changes, stored_entry
from openchat.server.storage.database import Database
from openchat.server.storage.deletion_feeds import hide_in_feed
from openchat.server.storage.direct_reads import direct_reads
from openchat.server.storage.inbox import count_stored
from openchat.server.storage.message_queries import (
    HISTORY_REACTED,
    Key,
    bulk_insert,
    dedup_query,
    deletions_query,
    existing_query,
    hidden_in_ranges_query,
    history_query,
    membership_query,
    range_query,
    ranges_query,
    reactions_query,
)
from openchat.server.storage.message_rows import (
    MESSAGE_ID,
    message_from_row,
    message_to_row,
)
from openchat.server.storage.route_outbox import insert_planned
from openchat.server.storage.sequences import SequenceAllocator
from openchat.server.storage.tables import messages

_log = structlog.get_logger(__name__)

# A concurrent transaction (another node, or an overlapping batch) may insert the same
# (sender_id, client_msg_id) between our dedup lookup and our insert; the unique index rejects
# ours, and a retry finds theirs. Each retry is caused by a distinct concurrent winner.
_MAX_ATTEMPTS = 5

Outcome = Appended | OpenChatError


class SqlMessageStore:
    """MessageStore on SQLite or PostgreSQL."""

    def __init__(
        self,
        database: Database,
        allocator: SequenceAllocator,
        planner: RoutePlanner | None = None,
        *,
        rules: ChangeRules = DEFAULT_RULES,
    ) -> None:
        self._database = database
        self._allocator = allocator
        self._planner = planner
        self._rules = rules

    async def append_batch(self, drafts: Sequence[MessageDraft]) -> list[Outcome]:
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            try:
                async with self._database.writer.begin() as connection:
                    outcomes = await self._append(connection, drafts)
            except IntegrityError:
                if attempt == _MAX_ATTEMPTS:
                    raise
                _log.info("append_conflict_retry", attempt=attempt, batch=len(drafts))
                continue
            except DBAPIError as error:
                # PostgreSQL aborts one of two transactions that wait on each other (deadlock,
                # 40P01) or cannot be serialized (40001); the documented remedy is to run the
                # victim again, which commits nothing twice: it rolled back whole.
                if attempt == _MAX_ATTEMPTS or not _retryable(error):
                    raise
                _log.info("append_deadlock_retry", attempt=attempt, batch=len(drafts))
                continue
            if any(_recalls(outcome) for outcome in outcomes):
                await self._database.erase_freed_content()
            return outcomes
        raise AssertionError("unreachable")

    async def _append(
        self, connection: AsyncConnection, drafts: Sequence[MessageDraft]
    ) -> list[Outcome]:
        first_of: dict[Key, int] = {}
        for index, draft in enumerate(drafts):
            first_of.setdefault((draft.sender_id, draft.client_msg_id), index)
        stored = await self._find_by_keys(connection, list(first_of))
        outcomes: dict[int, Outcome] = {}
        candidates: list[int] = []
        for key, index in first_of.items():
            if key in stored:
                outcomes[index] = _repeat_of(drafts[index], stored[key])
            else:
                candidates.append(index)
        writable = await self._check_access(connection, drafts, candidates, outcomes)
        now = datetime.now(UTC)
        writable, recalled = await apply_changes(
            connection, drafts, writable, outcomes, rules=self._rules, now=now
        )
        await self._insert(connection, drafts, writable, outcomes, now=now, recalled=recalled)
        # A repeat inside the batch is judged against the stored message or, when there was
        # none, against its first occurrence, whose failure it shares.
        results: list[Outcome] = []
        for index, draft in enumerate(drafts):
            if index in outcomes:
                results.append(outcomes[index])
                continue
            key = (draft.sender_id, draft.client_msg_id)
            first = outcomes[first_of[key]]
            original = stored.get(key) or (first.message if isinstance(first, Appended) else None)
            results.append(first if original is None else _repeat_of(draft, original))
        return results

    async def _find_by_keys(
        self, connection: AsyncConnection, keys: list[Key]
    ) -> dict[Key, Message]:
        rows = await connection.execute(*dedup_query(connection.dialect.name, keys))
        found = (message_from_row(row) for row in rows)
        return {(message.sender_id, message.client_msg_id): message for message in found}

    async def _check_access(
        self,
        connection: AsyncConnection,
        drafts: Sequence[MessageDraft],
        candidates: list[int],
        outcomes: dict[int, Outcome],
    ) -> list[int]:
        """Record NotFound/NotAMember outcomes; return the candidates that may be stored."""
        if not candidates:
            return []
        pairs = {(drafts[i].conversation_id, drafts[i].sender_id) for i in candidates}
        rows = await connection.execute(*membership_query(connection.dialect.name, pairs))
        membership: set[Key] = {(conversation_id, user_id) for conversation_id, user_id in rows}
        refused = {conversation_id for conversation_id, _ in pairs - membership}
        # Only a refused draft needs to know whether its conversation exists at all.
        existing: set[str] = set()
        if refused:
            existing = set((await connection.execute(existing_query(refused))).scalars())
        writable = []
        for index in candidates:
            draft = drafts[index]
            if (draft.conversation_id, draft.sender_id) in membership:
                writable.append(index)
            elif draft.conversation_id in existing:
                outcomes[index] = NotAMember(draft.sender_id, draft.conversation_id)
            else:
                outcomes[index] = ConversationNotFound(draft.conversation_id)
        return writable

    async def _insert(
        self,
        connection: AsyncConnection,
        drafts: Sequence[MessageDraft],
        writable: list[int],
        outcomes: dict[int, Outcome],
        *,
        now: datetime,
        recalled: set[str],
    ) -> None:
        """Store the writable drafts with their seqs and keep the inbox counters; an edit of a
        message this batch recalled is stored erased."""
        if not writable:
            return
        counts = Counter(drafts[index].conversation_id for index in writable)
        last_seqs = await self._allocator.allocate(connection, counts)
        next_seq = {c: last_seqs[c] - counts[c] + 1 for c in last_seqs}
        stored: list[tuple[int, Message]] = []
        for index in writable:
            draft = drafts[index]
            if draft.conversation_id not in next_seq:
                outcomes[index] = ConversationNotFound(draft.conversation_id)
                continue
            seq = next_seq[draft.conversation_id]
            next_seq[draft.conversation_id] = seq + 1
            stored.append(
                (index, stored_entry(draft, seq, now, erased=draft.target_message_id in recalled))
            )
        if not stored:
            return
        ordinals = await count_stored(connection, [message for _, message in stored], now)
        rows = [
            message_to_row(message) | {"ordinal": ordinals[message.message_id]}
            for _, message in stored
        ]
        bulk = bulk_insert(connection.dialect.name)
        if bulk is None:
            await connection.execute(insert(messages), rows)
        else:
            batch, statement = bulk
            columns = [column.key for column in messages.c]
            await connection.execute(
                statement, batch.params(tuple(row[key] for key in columns) for row in rows)
            )
        routes = await self._plan_routes(connection, [message for _, message in stored], now)
        for index, message in stored:
            outcomes[index] = Appended(
                message, duplicate=False, routes=frozenset(routes.get(message.message_id, ()))
            )

    async def _plan_routes(
        self, connection: AsyncConnection, stored: list[Message], now: datetime
    ) -> dict[str, set[str]]:
        """Write the durable route work of the stored entries (it commits with them: a crash
        cannot lose it); returns the routes each entry got work on, by message id."""
        routes: dict[str, set[str]] = {}
        if self._planner is None:
            return routes
        bots = await bot_members(connection, {m.conversation_id for m in stored})
        jobs = await self._planner.plan(stored, bots)
        await insert_planned(connection, jobs, now)
        for job in jobs:
            routes.setdefault(job.message.message_id, set()).add(job.route)
        return routes

    async def get(self, message_id: str) -> Message | None:
        async with self._database.reader.connect() as connection:
            row = (
                await connection.execute(
                    select(messages).where(messages.c.message_id == message_id)
                )
            ).first()
        return None if row is None else message_from_row(row)

    async def get_many(self, message_ids: Sequence[str]) -> dict[str, Message]:
        if not message_ids:
            return {}
        async with self._database.reader.connect() as connection:
            rows = await connection.execute(
                select(messages).where(messages.c.message_id.in_(list(message_ids)))
            )
            return {row.message_id: message_from_row(row) for row in rows}

    async def read_ranges(
        self, ranges: Sequence[tuple[str, int, int]]
    ) -> dict[tuple[str, int, int], list[Message]]:
        found: dict[tuple[str, int, int], list[Message]] = {key: [] for key in ranges}
        async with self._database.reader.connect() as connection:
            rows = await connection.execute(*ranges_query(connection.dialect.name, ranges))
        for row in rows:
            found[(row.conversation_id, row.range_after, row.range_until)].append(
                message_from_row(row)
            )
        return found

    async def list_range(
        self,
        conversation_id: str,
        *,
        after_seq: int,
        before_seq: int | None,
        newest_first: bool,
        limit: int,
    ) -> list[Message]:
        query = range_query(
            conversation_id, after_seq, before_seq, newest_first=newest_first, limit=limit
        )
        async with direct_reads(self._database) as reads:
            return [message_from_row(row) for row in await reads.fetch(*query)]

    async def history(
        self,
        viewer_id: str,
        conversation_id: str,
        *,
        after_seq: int,
        before_seq: int | None,
        newest_first: bool,
        limit: int,
    ) -> list[Message]:
        query = history_query(
            viewer_id,
            conversation_id,
            after_seq,
            before_seq,
            newest_first=newest_first,
            limit=limit,
        )
        summaries: dict[str, list[ReactionSummary]] = {}
        async with direct_reads(self._database) as reads:
            rows = await reads.fetch(*query)
            # Most pages have no reactions at all: they cost no second statement.
            reacted = [row[MESSAGE_ID] for row in rows if row[HISTORY_REACTED]]
            if reacted:
                dialect = self._database.dialect
                for message_id, emoji, count, mine in await reads.fetch(
                    *reactions_query(dialect, viewer_id, reacted)
                ):
                    summaries.setdefault(message_id, []).append(
                        ReactionSummary(emoji, count, bool(mine))
                    )
        if not summaries:
            return [message_from_row(row) for row in rows]
        return [message_from_row(row, tuple(summaries.get(row[MESSAGE_ID], ()))) for row in rows]

    async def hide(
        self, user_id: str, conversation_id: str, message_ids: Sequence[str]
    ) -> MessagesDeleted:
        async with self._database.writer.begin() as connection:
            return await hide_in_feed(connection, user_id, conversation_id, message_ids)

    async def hidden_seqs(
        self, ranges: Sequence[tuple[str, str, int, int]]
    ) -> set[tuple[str, str, int]]:
        if not ranges:
            return set()
        async with self._database.reader.connect() as connection:
            rows = await connection.execute(
                *hidden_in_ranges_query(connection.dialect.name, ranges)
            )
            return {(user_id, conversation_id, seq) for user_id, conversation_id, seq in rows}

    async def read_deletions(
        self, ranges: Sequence[tuple[str, int, int]]
    ) -> dict[tuple[str, int, int], list[Deletion]]:
        found: dict[tuple[str, int, int], list[Deletion]] = {key: [] for key in ranges}
        if not ranges:
            return found
        async with self._database.reader.connect() as connection:
            rows = await connection.execute(*deletions_query(connection.dialect.name, ranges))
        for row in rows:
            found[(row.user_id, row.range_after, row.range_until)].append(
                Deletion(row.position, message_from_row(row).hidden())
            )
        return found


# The statements below are module-level so that tests can EXPLAIN exactly what the store runs.


def _retryable(error: DBAPIError) -> bool:
    """A transaction PostgreSQL chose to abort so that another could go on."""
    return getattr(error.orig, "sqlstate", None) in ("40P01", "40001")


def _recalls(outcome: Outcome) -> bool:
    """Whether the outcome is a newly stored recall (which erased content)."""
    return (
        isinstance(outcome, Appended)
        and not outcome.duplicate
        and outcome.message.kind is MessageKind.RECALL
    )


def _repeat_of(draft: MessageDraft, stored: Message) -> Outcome:
    """A draft whose idempotency key is taken: the same request again, or a client bug. (An
    edit erased by a recall since no longer shows its content, so its kind and target decide.)"""
    same_request = (
        stored.conversation_id == draft.conversation_id
        and stored.kind is draft.kind
        and stored.target_message_id == draft.target_message_id
        and stored.emoji == draft.emoji
        and stored.forwarded_from == draft.forwarded_from
    )
    if same_request and (stored.content == draft.content or stored.recalled):
        return Appended(stored, duplicate=True)
    return ClientMsgIdReused(draft.client_msg_id, stored.message_id)
