"""The queries behind Sync, ListMessages, SendMessage's dedup lookup and membership checks are
served by indexes, on SQLite and on PostgreSQL.

Each test compiles the very statement the store builds (the stores expose their statement
builders for this) and asks the database for its plan. PostgreSQL runs EXPLAIN with
`enable_seqscan = off`: on tables this small a sequential scan would win on cost, so the switch
shows whether an index CAN serve the query (a query no index serves still gets a Seq Scan).
SQLite's EXPLAIN QUERY PLAN must SEARCH each table, never SCAN it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Select, text

from openchat.server.storage.conversation_queries import (
    heads_query,
    inbox_page_query,
    read_position_query,
    watermarks_query,
)
from openchat.server.storage.database import Database
from openchat.server.storage.message_queries import (
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
from openchat.server.storage.message_store import SqlMessageStore
from openchat.server.storage.receipt_store import SENDER_COLUMNS
from openchat.server.storage.sequences import TransactionalSequenceAllocator
from openchat.server.storage.tables import Base
from tests.support.databases import draft, migrated_database, new_group

TABLES = tuple(Base.metadata.tables)


@dataclass(frozen=True)
class Fixture:
    """Two conversations with a few messages, and who is in them."""

    database: Database
    first: str
    second: str
    alice: str
    bob: str


@pytest.fixture(scope="module")
async def stored(database_url: str) -> AsyncIterator[Fixture]:
    async with migrated_database(database_url) as database:
        alice, bob = f"alice-{uuid.uuid4().hex[:8]}", f"bob-{uuid.uuid4().hex[:8]}"
        first = await new_group(database, [alice, bob])
        second = await new_group(database, [alice, bob])
        store = SqlMessageStore(database, TransactionalSequenceAllocator())
        await store.append_batch(
            [draft(c, s, client_msg_id=None) for c in (first, second) for s in (alice, bob)] * 3
        )
        yield Fixture(database, first, second, alice, bob)


async def plan_of(database: Database, statement: Select[Any]) -> str:
    """The database's plan for `statement`, compiled as the store would run it (values inline,
    which is what the planner sees for a custom plan)."""
    sql = str(
        statement.compile(
            dialect=database.reader.dialect,
            compile_kwargs={"literal_binds": True, "render_postcompile": True},
        )
    )
    # SET LOCAL needs a transaction: PostgreSQL's reader runs statements in autocommit mode.
    engine = database.writer if database.dialect == "postgresql" else database.reader
    async with engine.connect() as connection:
        if database.dialect == "postgresql":
            await connection.execute(text("SET LOCAL enable_seqscan = off"))
            rows = await connection.exec_driver_sql(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in rows)
        else:
            rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
            plan = "\n".join(row._mapping["detail"] for row in rows)
        await connection.rollback()
    return plan


def assert_no_table_scan(plan: str) -> None:
    """Fail on a full scan of any of our tables: a PostgreSQL Seq Scan or an index scan without
    an Index Cond (which reads the whole index), or a SQLite SCAN of a table (with or without
    USING INDEX) instead of a SEARCH."""
    if "Seq Scan" in plan:
        raise AssertionError(f"a sequential scan:\n{plan}")
    for node in re.split(r"\n\s*->\s*", plan):
        if re.match(r"(Bitmap )?Index (Only )?Scan", node) and "Index Cond" not in node:
            raise AssertionError(f"a full index scan:\n{plan}")
    scans = re.findall(rf"\bSCAN ({'|'.join(TABLES)})\b", plan)
    if scans:
        raise AssertionError(f"a full scan of {scans}:\n{plan}")


@pytest.fixture
def explained(stored: Fixture) -> Iterator[list[str]]:
    """The plans a test looked at, printed when it fails (pytest shows captured output)."""
    plans: list[str] = []
    yield plans
    for plan in plans:
        print(plan, end="\n\n")


async def check(stored: Fixture, explained: list[str], statement: Select[Any]) -> None:
    plan = await plan_of(stored.database, statement)
    explained.append(plan)
    assert_no_table_scan(plan)


@pytest.mark.parametrize("users", [1, 3], ids=["one-user", "a-batch-of-users"])
async def test_sync_heads_use_the_member_index(
    stored: Fixture, explained: list[str], users: int
) -> None:
    user_ids = [stored.alice, stored.bob, "someone-else"][:users]
    await check_bound(stored, explained, heads_query(stored.database.dialect, user_ids))


async def test_pong_watermarks_use_the_member_index(stored: Fixture, explained: list[str]) -> None:
    user_ids = [stored.alice, stored.bob]
    await check_bound(stored, explained, watermarks_query(stored.database.dialect, user_ids))


async def test_sync_range_of_one_conversation_is_a_key_range(
    stored: Fixture, explained: list[str]
) -> None:
    ranges = [(stored.first, 1, 101)]
    await check_bound(stored, explained, ranges_query(stored.database.dialect, ranges))


async def test_sync_and_catch_up_ranges_are_key_ranges_each(
    stored: Fixture, explained: list[str]
) -> None:
    ranges = [(stored.first, 0, 2), (stored.second, 1, 3), (stored.first, 2, 3)]
    await check_bound(stored, explained, ranges_query(stored.database.dialect, ranges))


async def test_the_senders_of_a_read_range_are_a_key_range(
    stored: Fixture, explained: list[str]
) -> None:
    ranges = [(stored.first, 1, 257)]
    await check_bound(
        stored, explained, ranges_query(stored.database.dialect, ranges, SENDER_COLUMNS)
    )


async def test_deleted_for_me_seqs_of_many_users_are_key_ranges_each(
    stored: Fixture, explained: list[str]
) -> None:
    """Sync's and the catch-ups' placeholders: a range of the hidden_messages primary key per
    (user, conversation) range."""
    ranges = [(stored.alice, stored.first, 0, 200), (stored.bob, stored.second, 2, 202)]
    await check_bound(stored, explained, hidden_in_ranges_query(stored.database.dialect, ranges))


async def test_deletion_feeds_are_read_by_position_ranges(
    stored: Fixture, explained: list[str]
) -> None:
    """A device's deletions after its cursor: a range of the (user_id, position) unique index
    each, and a primary-key probe of messages per deletion."""
    ranges = [(stored.alice, 0, 1000), (stored.bob, 5, 7)]
    await check_bound(stored, explained, deletions_query(stored.database.dialect, ranges))


@pytest.mark.parametrize("newest_first", [True, False], ids=["newest-first", "oldest-first"])
async def test_history_pages_are_key_ranges(
    stored: Fixture, explained: list[str], newest_first: bool
) -> None:
    query = range_query(stored.first, 1, 5, newest_first=newest_first, limit=50)
    await check_bound(stored, explained, query)


async def check_bound(
    stored: Fixture, explained: list[str], query: tuple[Select[Any], dict[str, Any]]
) -> None:
    """Check a send-path statement with the keys it is executed with."""
    statement, params = query
    await check(stored, explained, statement.params(params))


async def test_dedup_lookup_of_one_key_uses_the_unique_index(
    stored: Fixture, explained: list[str]
) -> None:
    keys = [(stored.alice, "some-client-msg-id")]
    await check_bound(stored, explained, dedup_query(stored.database.dialect, keys))


async def test_dedup_lookup_of_a_batch_uses_the_unique_index(
    stored: Fixture, explained: list[str]
) -> None:
    keys = [(stored.alice, f"key-{n}") for n in range(5)] + [(stored.bob, "key-0")]
    await check_bound(stored, explained, dedup_query(stored.database.dialect, keys))


async def test_send_membership_check_uses_primary_keys(
    stored: Fixture, explained: list[str]
) -> None:
    pairs = [(stored.first, stored.alice), (stored.second, "someone-else")]
    await check_bound(stored, explained, membership_query(stored.database.dialect, pairs))
    await check(stored, explained, existing_query([stored.second, "no-such-conversation"]))


async def test_read_membership_check_uses_the_primary_key(
    stored: Fixture, explained: list[str]
) -> None:
    await check(stored, explained, read_position_query(stored.first, stored.bob))


@pytest.mark.parametrize("newest_first", [True, False], ids=["newest-first", "oldest-first"])
async def test_current_state_history_is_a_key_range_with_key_probes(
    stored: Fixture, explained: list[str], newest_first: bool
) -> None:
    """ListMessages: the page's key range; the membership, the viewer's deleted-for-me rows
    and whether a message has reactions by primary key."""
    query = history_query(stored.alice, stored.first, 1, None, newest_first=newest_first, limit=50)
    await check_bound(stored, explained, query)


async def test_reaction_summaries_use_the_reactions_primary_key(
    stored: Fixture, explained: list[str]
) -> None:
    message_ids = [str(uuid.uuid4()) for _ in range(3)]
    query = reactions_query(stored.database.dialect, stored.alice, message_ids)
    await check_bound(stored, explained, query)


async def test_the_inbox_counts_without_scanning_messages(
    stored: Fixture, explained: list[str]
) -> None:
    """ListConversations: the member index, conversations by primary key, and the unread and
    mention counts as primary-key ranges of hidden_messages and mentions; messages only
    through the partial index of recalled ones."""
    statement, params = inbox_page_query(stored.alice, None, 50)
    plan = await plan_of(stored.database, statement.params(params))
    explained.append(plan)
    assert_no_table_scan(plan)
    # How each plan names a read of the messages table, with the index it reads it through.
    reads = re.findall(r"Scan (?:using (\S+) )?on messages\b", plan) + re.findall(
        r"(?:SEARCH|SCAN) messages(?: USING (?:COVERING )?INDEX (\S+))?", plan
    )
    assert set(reads) == {"ix_messages_recalled"}, reads
