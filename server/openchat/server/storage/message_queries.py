"""The statements of the message store: the send transaction's lookups and inserts, each built
once per dialect with a batch's keys as one bound value (key_batches.py), and the history, range
and reaction reads."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Insert,
    Integer,
    Select,
    String,
    bindparam,
    case,
    exists,
    func,
    insert,
    select,
)

from openchat.server.domain.model import MessageKind
from openchat.server.storage.key_batches import KeyBatch
from openchat.server.storage.message_rows import MESSAGE_COLUMNS
from openchat.server.storage.tables import (
    conversations,
    hidden_messages,
    members,
    messages,
    reactions,
)

Key = tuple[str, str]


def dedup_query(dialect: str, keys: Iterable[Key]) -> tuple[Select[Any], dict[str, Any]]:
    """The stored messages with any of the (sender_id, client_msg_id) keys: one search of the
    unique index per key. (A row-value IN list, `(sender_id, client_msg_id) IN ((s1, k1), ...)`,
    makes SQLite scan the whole table.)"""
    batch, query = _dedup_statement(dialect)
    return query, batch.params(keys)


@functools.cache
def _dedup_statement(dialect: str) -> tuple[KeyBatch, Select[Any]]:
    batch = KeyBatch(dialect, "keys", [messages.c.sender_id, messages.c.client_msg_id])
    return batch, select(messages).join(batch.table, batch.matches())


def membership_query(
    dialect: str, pairs: Iterable[tuple[str, str]]
) -> tuple[Select[Any], dict[str, Any]]:
    """Those of the (conversation_id, user_id) pairs that are memberships: one search of the
    members primary key per pair."""
    batch, query = _membership_statement(dialect)
    return query, batch.params(pairs)


@functools.cache
def _membership_statement(dialect: str) -> tuple[KeyBatch, Select[Any]]:
    batch = KeyBatch(dialect, "pairs", [members.c.conversation_id, members.c.user_id])
    query = select(members.c.conversation_id, members.c.user_id).join(batch.table, batch.matches())
    return batch, query


def existing_query(conversation_ids: Iterable[str]) -> Select[Any]:
    """Those of the conversations that exist (for drafts refused by the membership check)."""
    return select(conversations.c.conversation_id).where(
        conversations.c.conversation_id.in_(set(conversation_ids))
    )


@functools.cache
def bulk_insert(dialect: str) -> tuple[KeyBatch, Insert] | None:
    """PostgreSQL: one INSERT ... SELECT FROM unnest(arrays) for the whole batch, where an
    executemany runs one INSERT per message (3x the backend's time). SQLite: None, as its
    executemany is already a loop in C within one statement, and JSON cannot carry bytes."""
    if dialect != "postgresql":
        return None
    batch = KeyBatch(dialect, "rows", list(messages.c))
    columns = [column.key for column in messages.c]
    return batch, insert(messages).from_select(columns, select(batch.table))


def range_query(
    conversation_id: str, after_seq: int, before_seq: int | None, *, newest_first: bool, limit: int
) -> tuple[Select[Any], dict[str, Any]]:
    """Up to `limit` entries with after_seq < seq < before_seq: a primary-key range scan."""
    statement = _range_statement(newest_first, bounded=before_seq is not None)
    return statement, _range_params(conversation_id, after_seq, before_seq, limit)


@functools.cache
def _range_statement(newest_first: bool, *, bounded: bool) -> Select[Any]:
    return _key_range(select(messages), newest_first, bounded=bounded)


def history_query(
    viewer_id: str,
    conversation_id: str,
    after_seq: int,
    before_seq: int | None,
    *,
    newest_first: bool,
    limit: int,
) -> tuple[Select[Any], dict[str, Any]]:
    """A page of history as `viewer_id` sees it, and nothing when the viewer is not a member:
    messages only (changes are folded into their rows), without those the viewer deleted for
    themselves, each with whether anyone reacted to it (HISTORY_REACTED). A primary-key range
    scan with primary-key probes (the membership once, the viewer's deletions and the
    reactions per row), so that a page is one statement, one round trip."""
    statement = _history_statement(newest_first, bounded=before_seq is not None)
    params = _range_params(conversation_id, after_seq, before_seq, limit)
    params["viewer_id"] = viewer_id
    return statement, params


# The position in a history row of whether the message has reactions (the message's columns,
# MESSAGE_COLUMNS, come first).
HISTORY_REACTED = len(MESSAGE_COLUMNS)


@functools.cache
def _history_statement(newest_first: bool, *, bounded: bool) -> Select[Any]:
    viewer = bindparam("viewer_id", type_=String())
    conversation = bindparam("conversation_id", type_=String())
    member = exists().where(members.c.conversation_id == conversation, members.c.user_id == viewer)
    hidden = exists().where(
        hidden_messages.c.user_id == viewer,
        hidden_messages.c.conversation_id == conversation,
        hidden_messages.c.seq == messages.c.seq,
    )
    reacted = exists().where(reactions.c.message_id == messages.c.message_id)
    query = select(*MESSAGE_COLUMNS, reacted.label("reacted")).where(
        messages.c.kind == MessageKind.MESSAGE.value, ~hidden, member
    )
    return _key_range(query, newest_first, bounded=bounded)


def _key_range(query: Select[Any], newest_first: bool, *, bounded: bool) -> Select[Any]:
    """`query` limited to one conversation's after_seq < seq (< before_seq), in seq order, up
    to `limit` rows: the bound parameters of _range_params."""
    query = query.where(
        messages.c.conversation_id == bindparam("conversation_id", type_=String()),
        messages.c.seq > bindparam("after_seq", type_=BigInteger()),
    )
    if bounded:
        query = query.where(messages.c.seq < bindparam("before_seq", type_=BigInteger()))
    order = messages.c.seq.desc() if newest_first else messages.c.seq.asc()
    return query.order_by(order).limit(bindparam("limit", type_=Integer()))


def _range_params(
    conversation_id: str, after_seq: int, before_seq: int | None, limit: int
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "conversation_id": conversation_id,
        "after_seq": after_seq,
        "limit": limit,
    }
    if before_seq is not None:
        params["before_seq"] = before_seq
    return params


def reactions_query(
    dialect: str, viewer_id: str, message_ids: Iterable[str]
) -> tuple[Select[Any], dict[str, Any]]:
    """Per message and emoji: how many reacted and whether the viewer did, in the order the
    emojis were first used (a primary-key range per message; one SQL text for any number of
    messages)."""
    batch, query = _reactions_statement(dialect)
    return query, {"viewer_id": viewer_id, **batch.params((m,) for m in message_ids)}


@functools.cache
def _reactions_statement(dialect: str) -> tuple[KeyBatch, Select[Any]]:
    batch = KeyBatch(dialect, "reacted", [reactions.c.message_id])
    mine = case((reactions.c.user_id == bindparam("viewer_id", type_=String()), 1), else_=0)
    query = (
        select(
            reactions.c.message_id,
            reactions.c.emoji,
            func.count().label("count"),
            func.max(mine).label("mine"),
        )
        .join(batch.table, batch.matches())
        .group_by(reactions.c.message_id, reactions.c.emoji)
        .order_by(reactions.c.message_id, func.min(reactions.c.created_at), reactions.c.emoji)
    )
    return batch, query


def ranges_query(
    dialect: str, ranges: Iterable[tuple[str, int, int]], columns: Sequence[Column[Any]] = ()
) -> tuple[Select[Any], dict[str, Any]]:
    """The messages with after < seq <= until of each (conversation_id, after, until), ordered
    by conversation and seq, each row with its range (and only `columns` of the message, when
    given): one primary-key range scan per range, and one SQL text for any number of ranges (a
    UNION of one page per range would have to be built and compiled afresh every time)."""
    batch, query = _ranges_statement(dialect, tuple(columns) or tuple(messages.c))
    return query, batch.params(ranges)


@functools.cache
def _ranges_statement(
    dialect: str, columns: tuple[Column[Any], ...]
) -> tuple[KeyBatch, Select[Any]]:
    after = Column("range_after", BigInteger())
    until = Column("range_until", BigInteger())
    batch = KeyBatch(dialect, "ranges", [messages.c.conversation_id, after, until])
    wanted = batch.table.c
    query = (
        select(*columns, wanted.range_after, wanted.range_until)
        .join(
            batch.table,
            (messages.c.conversation_id == wanted.conversation_id)
            & (messages.c.seq > wanted.range_after)
            & (messages.c.seq <= wanted.range_until),
        )
        .order_by(messages.c.conversation_id, messages.c.seq)
    )
    return batch, query


def hidden_in_ranges_query(
    dialect: str, ranges: Iterable[tuple[str, str, int, int]]
) -> tuple[Select[Any], dict[str, Any]]:
    """The (user_id, conversation_id, seq) each user deleted for themselves with after < seq <=
    until of each (user_id, conversation_id, after, until): a range of the hidden_messages
    primary key each, so a member who deleted much reads no more than the pages at hand need,
    and one SQL text for the ranges of any number of users (the catch-ups of many sessions)."""
    batch, query = _hidden_statement(dialect)
    return query, batch.params(ranges)


@functools.cache
def _hidden_statement(dialect: str) -> tuple[KeyBatch, Select[Any]]:
    after = Column("range_after", BigInteger())
    until = Column("range_until", BigInteger())
    batch = KeyBatch(
        dialect,
        "ranges",
        [hidden_messages.c.user_id, hidden_messages.c.conversation_id, after, until],
    )
    wanted = batch.table.c
    query = select(
        hidden_messages.c.user_id, hidden_messages.c.conversation_id, hidden_messages.c.seq
    ).join(
        batch.table,
        (hidden_messages.c.user_id == wanted.user_id)
        & (hidden_messages.c.conversation_id == wanted.conversation_id)
        & (hidden_messages.c.seq > wanted.range_after)
        & (hidden_messages.c.seq <= wanted.range_until),
    )
    return batch, query


def deletions_query(
    dialect: str, ranges: Iterable[tuple[str, int, int]]
) -> tuple[Select[Any], dict[str, Any]]:
    """The deletions of each (user_id, after, until) with after < position <= until, with their
    messages, ordered by user and position: a range of the (user_id, position) unique index
    each, and a primary-key probe of messages per deletion."""
    batch, query = _deletions_statement(dialect)
    return query, batch.params(ranges)


@functools.cache
def _deletions_statement(dialect: str) -> tuple[KeyBatch, Select[Any]]:
    after = Column("range_after", BigInteger())
    until = Column("range_until", BigInteger())
    batch = KeyBatch(dialect, "ranges", [hidden_messages.c.user_id, after, until])
    wanted = batch.table.c
    query = (
        select(
            *messages.c,
            hidden_messages.c.user_id,
            hidden_messages.c.position,
            wanted.range_after,
            wanted.range_until,
        )
        .join(
            batch.table,
            (hidden_messages.c.user_id == wanted.user_id)
            & (hidden_messages.c.position > wanted.range_after)
            & (hidden_messages.c.position <= wanted.range_until),
        )
        .join(
            messages,
            (messages.c.conversation_id == hidden_messages.c.conversation_id)
            & (messages.c.seq == hidden_messages.c.seq),
        )
        .order_by(hidden_messages.c.user_id, hidden_messages.c.position)
    )
    return batch, query
