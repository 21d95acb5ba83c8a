"""The statements of the conversation store: read positions, the inbox page and its order, and
the heads and watermarks of many users (their ids as one bound value, key_batches.py)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    func,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from openchat.server.domain.model import InboxPosition, Message
from openchat.server.storage.key_batches import KeyBatch
from openchat.server.storage.message_rows import message_from_row
from openchat.server.storage.tables import (
    RECALLED_MESSAGE,
    conversations,
    deletion_feeds,
    hidden_messages,
    members,
    mentions,
    messages,
)


def read_position_query(conversation_id: str, user_id: str) -> Select[Any]:
    """The membership check: the member's read seq, by the members primary key."""
    return select(members.c.read_seq).where(
        members.c.conversation_id == conversation_id, members.c.user_id == user_id
    )


def inbox_page_query(
    user_id: str, after: InboxPosition | None, limit: int
) -> tuple[Select[Any], dict[str, Any]]:
    """A page of the user's inbox after `after` (from the top when None), in inbox order: a
    statement built once per shape, and its values."""
    params: dict[str, Any] = {"user_id": user_id, "limit": limit}
    if after is None:
        return _inbox_page_statement(None), params
    params |= {"after_activity": after.last_activity_at, "after_id": after.conversation_id}
    return _inbox_page_statement(after.pinned), params


def inbox_line_query(user_id: str, conversation_id: str) -> tuple[Select[Any], dict[str, Any]]:
    """One conversation as the user's inbox shows it."""
    return _inbox_line_statement(), {"user_id": user_id, "conversation_id": conversation_id}


@functools.cache
def _inbox_page_statement(after_pinned: bool | None) -> Select[Any]:
    """The inbox order from the top (None), or after a pinned or an unpinned conversation."""
    query = _inbox_statement()
    if after_pinned is not None:
        query = query.where(_inbox_after(pinned=after_pinned))
    return query.order_by(*INBOX_ORDER).limit(bindparam("limit", type_=Integer()))


@functools.cache
def _inbox_line_statement() -> Select[Any]:
    return _inbox_statement().where(members.c.conversation_id == bindparam("conversation_id"))


@functools.cache
def _inbox_statement() -> Select[Any]:
    """The user's conversations with what an inbox line shows. The counts are differences of
    counters (storage/inbox.py) less short ranges of two primary keys after the member's
    counted position, and a range of the recalled messages' partial index: no scan of a
    conversation's messages."""
    after_position = (
        (hidden_messages.c.user_id == members.c.user_id)
        & (hidden_messages.c.conversation_id == members.c.conversation_id)
        & (hidden_messages.c.seq > members.c.counted_seq)
    )
    hidden_unread = select(func.count()).where(after_position).scalar_subquery()
    hidden_here = (
        select(hidden_messages.c.seq)
        .where(
            hidden_messages.c.user_id == members.c.user_id,
            hidden_messages.c.conversation_id == messages.c.conversation_id,
            hidden_messages.c.seq == messages.c.seq,
        )
        # Two levels up for members: auto-correlation only looks one level up.
        .correlate(members, messages)
        .exists()
    )
    # Recalled messages after the position (those also deleted for the member are counted in
    # hidden_unread already): a range of the partial index ix_messages_recalled.
    recalled_unread = (
        select(func.count())
        .select_from(messages)
        .where(
            messages.c.conversation_id == members.c.conversation_id,
            messages.c.seq > members.c.counted_seq,
            RECALLED_MESSAGE,
            ~hidden_here,
        )
        .scalar_subquery()
    )
    hidden_mention = (
        select(hidden_messages.c.seq)
        .where(
            hidden_messages.c.user_id == mentions.c.user_id,
            hidden_messages.c.conversation_id == mentions.c.conversation_id,
            hidden_messages.c.seq == mentions.c.seq,
        )
        .exists()
    )
    unread_mentions = (
        select(func.count())
        .where(
            mentions.c.user_id == members.c.user_id,
            mentions.c.conversation_id == members.c.conversation_id,
            mentions.c.seq > members.c.counted_seq,
            ~hidden_mention,
        )
        .scalar_subquery()
    )
    return (
        select(
            conversations,
            members.c.read_seq,
            members.c.muted_until,
            members.c.pinned,
            (
                conversations.c.message_count
                - members.c.counted_ordinal
                - hidden_unread
                - recalled_unread
            ).label("unread_count"),
            unread_mentions.label("mention_count"),
        )
        .join(members, members.c.conversation_id == conversations.c.conversation_id)
        .where(members.c.user_id == bindparam("user_id"))
    )


INBOX_ORDER = (
    members.c.pinned.desc(),
    conversations.c.last_activity_at.desc(),
    conversations.c.conversation_id.desc(),
)


def _inbox_after(*, pinned: bool) -> ColumnElement[bool]:
    """The conversations after the position (bound as after_activity, after_id) of a pinned
    or an unpinned conversation, in inbox order."""
    activity = conversations.c.last_activity_at
    later = or_(
        activity < bindparam("after_activity", type_=activity.type),
        and_(
            activity == bindparam("after_activity", type_=activity.type),
            conversations.c.conversation_id < bindparam("after_id"),
        ),
    )
    if pinned:
        # Every unpinned conversation comes after the pinned ones.
        return or_(members.c.pinned.is_(False), and_(members.c.pinned.is_(True), later))
    return and_(members.c.pinned.is_(False), later)


async def messages_at(
    connection: AsyncConnection, keys: list[tuple[str, int]]
) -> dict[tuple[str, int], Message]:
    """The messages at these (conversation_id, seq): one primary-key probe each."""
    if not keys:
        return {}
    batch, query = _messages_at_statement(connection.dialect.name)
    rows = await connection.execute(query, batch.params(keys))
    return {(row.conversation_id, row.seq): message_from_row(row) for row in rows}


@functools.cache
def _messages_at_statement(dialect: str) -> tuple[KeyBatch, Select[Any]]:
    batch = KeyBatch(dialect, "heads", [messages.c.conversation_id, messages.c.seq])
    return batch, select(messages).join(batch.table, batch.matches())


def heads_query(dialect: str, user_ids: Iterable[str]) -> tuple[Select[Any], dict[str, Any]]:
    """Sync's first step, for many users at once: each conversation of each user with its last
    seq and the user's read seq, and the head of the user's deletion feed (0 for none) on
    every row, ordered by user and conversation (members by the (user_id, conversation_id)
    index, conversations and deletion_feeds by primary key). The deletion head rides on the
    read that every hello and Sync make anyway, so a device whose deletion cursor is there
    already costs no query more."""
    batch, query = _heads_statement(dialect)
    return query, batch.params((user_id,) for user_id in user_ids)


@functools.cache
def _heads_statement(dialect: str) -> tuple[KeyBatch, Select[Any]]:
    batch, query = _memberships_of_users(
        dialect,
        members.c.conversation_id,
        conversations.c.last_seq,
        members.c.read_seq,
        func.coalesce(deletion_feeds.c.last_position, 0),
    )
    query = query.outerjoin(deletion_feeds, deletion_feeds.c.user_id == members.c.user_id)
    return batch, query.order_by(members.c.user_id, members.c.conversation_id)


def watermarks_query(dialect: str, user_ids: Iterable[str]) -> tuple[Select[Any], dict[str, Any]]:
    """Each user's sum of last_seq over their conversations (users in none are absent)."""
    batch, query = _watermarks_statement(dialect)
    return query, batch.params((user_id,) for user_id in user_ids)


@functools.cache
def _watermarks_statement(dialect: str) -> tuple[KeyBatch, Select[Any]]:
    batch, query = _memberships_of_users(dialect, func.sum(conversations.c.last_seq))
    return batch, query.group_by(members.c.user_id)


def _memberships_of_users(
    dialect: str, *columns: ColumnElement[Any]
) -> tuple[KeyBatch, Select[Any]]:
    """user_id and `columns` of the memberships of a batch of users, with their conversations."""
    batch = KeyBatch(dialect, "users", [members.c.user_id])
    query = (
        select(members.c.user_id, *columns)
        .join(batch.table, batch.matches())
        .join(conversations, conversations.c.conversation_id == members.c.conversation_id)
    )
    return batch, query


def insert_ignoring_duplicates(connection: AsyncConnection) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(members).on_conflict_do_nothing()
