"""Conversations and memberships in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Row,
    Select,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from openchat.server.domain.errors import MemberLimitExceeded, MembershipLimitExceeded
from openchat.server.domain.ids import new_id
from openchat.server.domain.model import (
    Conversation,
    ConversationHead,
    ConversationKind,
    ConversationView,
    InboxPosition,
    MemberSettings,
    SettingsChange,
    UserHeads,
)
from openchat.server.storage.conversation_queries import (
    heads_query,
    inbox_line_query,
    inbox_page_query,
    insert_ignoring_duplicates,
    messages_at,
    read_position_query,
    watermarks_query,
)
from openchat.server.storage.database import Database
from openchat.server.storage.inbox import advance_counted
from openchat.server.storage.tables import (
    conversations,
    members,
    messages,
)


def direct_key(user_a: str, user_b: str) -> str:
    """The unique key of the direct conversation of a pair; length-prefixed, so no user id can
    make two pairs collide."""
    first, second = sorted((user_a, user_b))
    return f"{len(first)}:{first}{second}"


class SqlConversationStore:
    """ConversationStore on SQLite or PostgreSQL."""

    def __init__(
        self, database: Database, *, max_members: int, max_conversations_per_user: int = 0
    ) -> None:
        self._database = database
        self._max_members = max_members
        # 0: no limit.
        self._max_conversations = max_conversations_per_user

    async def create_group(
        self, creator_id: str, title: str, member_ids: Sequence[str], request_id: str
    ) -> Conversation:
        everyone = sorted({creator_id, *member_ids})
        if len(everyone) > self._max_members:
            raise MemberLimitExceeded(self._max_members)
        if request_id:
            earlier = await self._find_group_request(creator_id, request_id)
            if earlier is not None:
                return earlier
        conversation_id = new_id()
        try:
            async with self._database.writer.begin() as connection:
                await self._insert_conversation(
                    connection,
                    conversation_id,
                    ConversationKind.GROUP,
                    title=title,
                    creator_id=creator_id,
                    member_ids=everyone,
                    create_request_id=request_id or None,
                )
        except IntegrityError:
            # The same request_id raced us from another connection and won.
            earlier = await self._find_group_request(creator_id, request_id)
            if earlier is None:
                raise
            return earlier
        return await self._require(conversation_id)

    async def get_or_create_direct(self, user_id: str, peer_id: str) -> tuple[Conversation, bool]:
        key = direct_key(user_id, peer_id)
        existing = await self._find_direct(key)
        if existing is not None:
            return existing, False
        conversation_id = new_id()
        try:
            async with self._database.writer.begin() as connection:
                await self._insert_conversation(
                    connection,
                    conversation_id,
                    ConversationKind.DIRECT,
                    title="",
                    creator_id=user_id,
                    member_ids=sorted({user_id, peer_id}),
                    direct_key=key,
                )
        except IntegrityError:
            # The peer (or another device) created it at the same moment.
            raced = await self._find_direct(key)
            if raced is None:
                raise
            return raced, False
        return await self._require(conversation_id), True

    async def add_members(self, conversation_id: str, user_ids: Sequence[str]) -> Conversation:
        now = datetime.now(UTC)
        async with self._database.writer.begin() as connection:
            # Lock the conversation row first: without it, concurrent additions on PostgreSQL
            # each count only their own new members (READ COMMITTED) and together overshoot the
            # limit. SQLite serializes write transactions already (FOR UPDATE is omitted there).
            # The lock also holds the counters still: new members' unread counts start here.
            head = (
                await connection.execute(
                    select(conversations.c.last_seq, conversations.c.message_count)
                    .where(conversations.c.conversation_id == conversation_id)
                    .with_for_update()
                )
            ).one()
            await connection.execute(
                insert_ignoring_duplicates(connection).values(
                    [
                        {
                            "conversation_id": conversation_id,
                            "user_id": user_id,
                            "joined_at": now,
                            "counted_seq": head.last_seq,
                            "counted_ordinal": head.message_count,
                        }
                        for user_id in sorted(set(user_ids))
                    ]
                )
            )
            count = await connection.scalar(
                select(func.count())
                .select_from(members)
                .where(members.c.conversation_id == conversation_id)
            )
            if (count or 0) > self._max_members:
                # Raising rolls the insert back.
                raise MemberLimitExceeded(self._max_members)
            await self._refuse_users_over_limit(connection, user_ids)
        return await self._require(conversation_id)

    async def remove_members(self, conversation_id: str, user_ids: Sequence[str]) -> Conversation:
        async with self._database.writer.begin() as connection:
            await connection.execute(
                delete(members).where(
                    members.c.conversation_id == conversation_id,
                    members.c.user_id.in_(set(user_ids)),
                )
            )
        return await self._require(conversation_id)

    async def get(self, conversation_id: str) -> Conversation | None:
        async with self._database.reader.connect() as connection:
            row = (
                await connection.execute(
                    select(conversations).where(conversations.c.conversation_id == conversation_id)
                )
            ).first()
            if row is None:
                return None
            member_ids = await _member_ids(connection, [conversation_id])
        return _conversation_from_row(row, member_ids.get(conversation_id, ()))

    async def member_ids(self, conversation_id: str) -> frozenset[str]:
        async with self._database.reader.connect() as connection:
            found = await _member_ids(connection, [conversation_id])
        return frozenset(found.get(conversation_id, ()))

    async def read_position(self, conversation_id: str, user_id: str) -> int | None:
        async with self._database.reader.connect() as connection:
            read_seq: int | None = await connection.scalar(
                read_position_query(conversation_id, user_id)
            )
        return read_seq

    async def inbox(
        self, user_id: str, *, after: InboxPosition | None, limit: int
    ) -> list[ConversationView]:
        return await self._views(*inbox_page_query(user_id, after, limit))

    async def view(self, conversation_id: str, user_id: str) -> ConversationView | None:
        views = await self._views(*inbox_line_query(user_id, conversation_id))
        return views[0] if views else None

    async def update_settings(
        self, conversation_id: str, user_id: str, change: SettingsChange
    ) -> bool:
        values: dict[str, Any] = {}
        if "muted_until" in change.fields:
            values["muted_until"] = change.settings.muted_until
        if "pinned" in change.fields:
            values["pinned"] = change.settings.pinned
        where = (members.c.conversation_id == conversation_id) & (members.c.user_id == user_id)
        async with self._database.writer.begin() as connection:
            if not values:
                found = await connection.scalar(select(members.c.user_id).where(where))
                return found is not None
            result = await connection.execute(update(members).where(where).values(**values))
        return result.rowcount > 0

    async def readers(self, conversation_id: str, seq: int) -> list[str]:
        async with self._database.reader.connect() as connection:
            rows = await connection.execute(
                select(members.c.user_id)
                .where(members.c.conversation_id == conversation_id, members.c.read_seq >= seq)
                .order_by(members.c.user_id)
            )
            return list(rows.scalars())

    async def _views(self, query: Select[Any], params: dict[str, Any]) -> list[ConversationView]:
        async with self._database.reader.connect() as connection:
            rows = (await connection.execute(query, params)).all()
            ids = [row.conversation_id for row in rows]
            member_ids = await _member_ids(connection, ids)
            heads = [(row.conversation_id, row.last_message_seq) for row in rows]
            last = await messages_at(connection, [h for h in heads if h[1] > 0])
        return [
            ConversationView(
                _conversation_from_row(row, member_ids.get(row.conversation_id, ())),
                read_seq=row.read_seq,
                unread_count=max(0, row.unread_count),
                mention_count=row.mention_count,
                last_message=last.get((row.conversation_id, row.last_message_seq)),
                settings=MemberSettings(muted_until=row.muted_until, pinned=row.pinned),
            )
            for row in rows
        ]

    async def heads_for_member(self, user_id: str) -> UserHeads:
        return (await self.heads_for_members([user_id]))[user_id]

    async def heads_for_members(self, user_ids: Sequence[str]) -> dict[str, UserHeads]:
        heads: dict[str, list[ConversationHead]] = {user_id: [] for user_id in user_ids}
        deletions = dict.fromkeys(user_ids, 0)
        async with self._database.reader.connect() as connection:
            rows = await connection.execute(*heads_query(connection.dialect.name, user_ids))
        for user_id, conversation_id, last_seq, read_seq, deletions_position in rows:
            heads[user_id].append(ConversationHead(conversation_id, last_seq, read_seq))
            deletions[user_id] = deletions_position
        return {
            user_id: UserHeads(tuple(heads[user_id]), deletions[user_id]) for user_id in user_ids
        }

    async def watermarks(self, user_ids: Sequence[str]) -> dict[str, int]:
        found = dict.fromkeys(user_ids, 0)
        async with self._database.reader.connect() as connection:
            rows = await connection.execute(*watermarks_query(connection.dialect.name, user_ids))
        for user_id, total in rows:
            found[user_id] = int(total)
        return found

    async def mark_read(
        self, conversation_id: str, user_id: str, seq: int
    ) -> tuple[int, int] | None:
        where = (members.c.conversation_id == conversation_id) & (members.c.user_id == user_id)
        async with self._database.writer.begin() as connection:
            # The row lock orders concurrent marks, so the position never moves backwards.
            before = await connection.scalar(
                select(members.c.read_seq).where(where).with_for_update()
            )
            if before is None:
                return None
            if seq > before:
                await connection.execute(update(members).where(where).values(read_seq=seq))
                # The entry at `seq` holds the message count reached there.
                ordinal = await connection.scalar(
                    select(messages.c.ordinal).where(
                        messages.c.conversation_id == conversation_id, messages.c.seq == seq
                    )
                )
                await advance_counted(connection, [(conversation_id, user_id, seq, ordinal or 0)])
        return before, max(before, seq)

    async def _insert_conversation(
        self,
        connection: AsyncConnection,
        conversation_id: str,
        kind: ConversationKind,
        *,
        title: str,
        creator_id: str,
        member_ids: list[str],
        direct_key: str | None = None,
        create_request_id: str | None = None,
    ) -> None:
        now = datetime.now(UTC)
        await connection.execute(
            insert(conversations).values(
                conversation_id=conversation_id,
                kind=kind.value,
                title=title,
                creator_id=creator_id,
                created_at=now,
                last_activity_at=now,
                last_seq=0,
                direct_key=direct_key,
                create_request_id=create_request_id,
            )
        )
        await connection.execute(
            insert(members),
            [
                {"conversation_id": conversation_id, "user_id": user_id, "joined_at": now}
                for user_id in member_ids
            ],
        )
        await self._refuse_users_over_limit(connection, member_ids)

    async def _refuse_users_over_limit(
        self, connection: AsyncConnection, user_ids: Sequence[str]
    ) -> None:
        """Raise MembershipLimitExceeded (rolling the transaction back) when one of the users
        is now in more conversations than allowed. One index range per user (members by
        user_id); on PostgreSQL, additions committing at the same moment may each pass."""
        if not self._max_conversations:
            return
        over = await connection.scalar(
            select(members.c.user_id)
            .where(members.c.user_id.in_(sorted(set(user_ids))))
            .group_by(members.c.user_id)
            .having(func.count() > self._max_conversations)
            .limit(1)
        )
        if over is not None:
            raise MembershipLimitExceeded(over, self._max_conversations)

    async def _find_group_request(self, creator_id: str, request_id: str) -> Conversation | None:
        return await self._find_one(
            (conversations.c.creator_id == creator_id)
            & (conversations.c.create_request_id == request_id)
        )

    async def _find_direct(self, key: str) -> Conversation | None:
        return await self._find_one(conversations.c.direct_key == key)

    async def _find_one(self, condition: Any) -> Conversation | None:
        async with self._database.reader.connect() as connection:
            conversation_id = await connection.scalar(
                select(conversations.c.conversation_id).where(condition)
            )
        return None if conversation_id is None else await self.get(conversation_id)

    async def _require(self, conversation_id: str) -> Conversation:
        conversation = await self.get(conversation_id)
        if conversation is None:
            raise LookupError(f"conversation {conversation_id} vanished after it was written")
        return conversation


# The statements below are module-level so that tests can EXPLAIN exactly what the store runs.


async def _member_ids(
    connection: AsyncConnection, conversation_ids: list[str]
) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    if conversation_ids:
        rows = await connection.execute(
            select(members.c.conversation_id, members.c.user_id)
            .where(members.c.conversation_id.in_(conversation_ids))
            .order_by(members.c.conversation_id, members.c.user_id)
        )
        for conversation_id, user_id in rows:
            found.setdefault(conversation_id, []).append(user_id)
    return {conversation_id: tuple(ids) for conversation_id, ids in found.items()}


def _conversation_from_row(row: Row[Any], member_ids: tuple[str, ...]) -> Conversation:
    return Conversation(
        conversation_id=row.conversation_id,
        kind=ConversationKind(row.kind),
        title=row.title,
        creator_id=row.creator_id,
        created_at=row.created_at,
        last_seq=row.last_seq,
        member_ids=member_ids,
        last_activity_at=row.last_activity_at,
    )
