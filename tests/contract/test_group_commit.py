"""GroupCommitWriter with the real SQL store, on SQLite and PostgreSQL: concurrent sends share
transactions, no send is answered before its transaction committed, `message.persisted` is
published once per new message (never for a duplicate), a database that is gone answers
PersistenceUnavailable with `message.persist_failed` per draft, and stop() drains the queue."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from openchat.server.domain.errors import (
    ClientMsgIdReused,
    NotAMember,
    PersistenceUnavailable,
    Unavailable,
)
from openchat.server.domain.events import (
    MESSAGE_PERSIST_FAILED,
    MESSAGE_PERSISTED,
)
from openchat.server.domain.model import Appended
from openchat.server.events.in_process import InProcessEventBus
from openchat.server.observability.metrics import Metrics
from openchat.server.storage.database import Database, connect
from openchat.server.storage.group_commit import GroupCommitWriter
from openchat.server.storage.message_store import SqlMessageStore
from openchat.server.storage.sequences import TransactionalSequenceAllocator
from openchat.server.storage.tables import conversations
from tests.conftest import POSTGRES_URL
from tests.support.databases import (
    GRACE_SECONDS,
    draft,
    migrated_database,
    new_group,
    running_writer,
    stored_seqs,
    transaction_log,
)
from tests.support.published import collected
from tests.support.waiting import until


async def test_concurrent_sends_share_transactions_and_are_acked_after_commit(
    database: Database, events: InProcessEventBus, members: list[str]
) -> None:
    conversation = await new_group(database, members)
    reader = SqlMessageStore(database, TransactionalSequenceAllocator())
    sends = 200

    async def send(n: int, writer: GroupCommitWriter) -> Appended:
        appended = await writer.append(draft(conversation, members[n % 3], f"m{n}"))
        # Another connection sees only committed rows: the answer came after the commit.
        seq = appended.message.seq
        visible = await reader.list_range(
            conversation, after_seq=seq - 1, before_seq=seq + 1, newest_first=False, limit=1
        )
        assert visible == [appended.message]
        return appended

    async with running_writer(database, events) as writer:
        with transaction_log(database.writer) as transactions:
            acks = await asyncio.gather(*(send(n, writer) for n in range(sends)))

    assert sorted(ack.message.seq for ack in acks) == list(range(1, sends + 1))
    assert not any(ack.duplicate for ack in acks)
    assert 0 < transactions.commits < sends / 2, "sends were not grouped into transactions"


async def test_persisted_is_published_once_per_new_message_never_for_a_repeat(
    database: Database, events: InProcessEventBus, members: list[str]
) -> None:
    alice = members[0]
    conversation = await new_group(database, members)
    everything_published = await collected(events, MESSAGE_PERSISTED, [])
    drafts = [draft(conversation, alice, f"m{n}", f"key-{n}") for n in range(30)]

    async with running_writer(database, events, max_batch=16) as writer:
        # Each draft three times at once (repeats inside a batch and across batches), plus a
        # non-member, which must not be published either.
        first_round = await asyncio.gather(
            *(writer.append(d) for d in drafts * 3),
            writer.append(draft(conversation, "stranger", "hi")),
            return_exceptions=True,
        )
        # Each draft once more, when all are stored, and a reused key. (A reused key sent in
        # the first round could be stored before the original: on PostgreSQL several batches
        # are in flight, and whichever commits a key first owns it.)
        second_round = await asyncio.gather(
            *(writer.append(d) for d in drafts),
            writer.append(draft(conversation, alice, "other content", "key-0")),
            return_exceptions=True,
        )

    *appends, intruder = first_round
    assert isinstance(intruder, NotAMember)
    stored = [a for a in appends if isinstance(a, Appended)]
    assert len(stored) == len(appends), [a for a in appends if not isinstance(a, Appended)]
    new_ids = sorted(a.message.message_id for a in stored if not a.duplicate)
    assert len(new_ids) == len(set(new_ids)) == len(drafts)
    *repeats, reused = second_round
    assert isinstance(reused, ClientMsgIdReused)
    assert all(isinstance(again, Appended) and again.duplicate for again in repeats)

    published_ids = sorted(e.message.message_id for e in await everything_published())
    assert published_ids == new_ids, "one event per new message, none for repeats"
    assert await stored_seqs(database, conversation) == list(range(1, len(drafts) + 1))


@contextlib.asynccontextmanager
async def write_lock_held(url: str, conversation: str) -> AsyncIterator[None]:
    """Another connection holding the lock that the next append to `conversation` needs: the
    database write lock on SQLite, the conversation's row lock on PostgreSQL."""
    other = connect(url)
    try:
        async with other.writer.begin() as connection:
            await connection.execute(
                select(conversations.c.conversation_id)
                .where(conversations.c.conversation_id == conversation)
                .with_for_update()  # a no-op on SQLite, where BEGIN IMMEDIATE locked already
            )
            yield
    finally:
        await other.dispose()


async def test_stop_drains_the_queued_drafts_and_refuses_new_ones(
    database_url: str, database: Database, events: InProcessEventBus, members: list[str]
) -> None:
    conversation = await new_group(database, members)
    store = SqlMessageStore(database, TransactionalSequenceAllocator())
    writer = GroupCommitWriter(
        store,
        events,
        max_batch=10,
        max_in_flight=1,
        commit_timeout=GRACE_SECONDS,
        metrics=Metrics(),
    )
    writer.start()
    sends = 100
    async with write_lock_held(database_url, conversation):
        pending = [
            asyncio.create_task(writer.append(draft(conversation, members[n % 3], f"m{n}")))
            for n in range(sends)
        ]
        # The first batch waits for the lock; the rest are queued behind it.
        await until(lambda: writer.queue_depth == sends - 10, what="drafts queued")
        # stop() begins while they wait: leaving this block yields to it before the lock goes.
        stopping = asyncio.create_task(writer.stop(GRACE_SECONDS))
    await stopping
    acks = await asyncio.gather(*pending)
    assert sorted(ack.message.seq for ack in acks) == list(range(1, sends + 1))
    assert await stored_seqs(database, conversation) == list(range(1, sends + 1))
    with pytest.raises(Unavailable):
        await writer.append(draft(conversation, members[0], "too late"))


# A database that goes away: a SQLite file whose directory is deleted, a PostgreSQL database
# that is dropped (its connections terminated). Both are ours alone.


class DoomedDatabase:
    """A migrated database of this test's own, and a way to make it vanish."""

    def __init__(self, url: str, database: Database) -> None:
        self.url = url
        self.database = database

    async def destroy(self) -> None:
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite":
            assert parsed.database is not None
            shutil.rmtree(Path(parsed.database).parent)
            # Open connections would keep writing to the deleted file; new ones cannot open it.
            await self.database.dispose()
            return
        admin_url = make_url(POSTGRES_URL).set(drivername="postgresql")
        admin = await asyncpg.connect(admin_url.render_as_string(hide_password=False))
        try:
            await admin.execute(f'DROP DATABASE "{parsed.database}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def doomed_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        directory = tmp_path / "doomed"
        directory.mkdir()
        return f"sqlite+aiosqlite:///{directory / 'openchat.db'}"
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url


@pytest.fixture
async def doomed(doomed_url: str) -> AsyncIterator[DoomedDatabase]:
    async with migrated_database(doomed_url) as database:
        yield DoomedDatabase(doomed_url, database)


async def test_a_database_that_is_gone_answers_persistence_unavailable_per_draft(
    doomed: DoomedDatabase, events: InProcessEventBus, members: list[str]
) -> None:
    conversation = await new_group(doomed.database, members)
    everything_failed = await collected(events, MESSAGE_PERSIST_FAILED, [])
    drafts = [draft(conversation, members[n % 3], f"m{n}") for n in range(6)]

    async with running_writer(doomed.database, events, max_batch=4) as writer:
        assert isinstance(await writer.append(draft(conversation, members[0])), Appended)
        await doomed.destroy()
        outcomes = await asyncio.gather(*(writer.append(d) for d in drafts), return_exceptions=True)

    assert all(isinstance(outcome, PersistenceUnavailable) for outcome in outcomes), outcomes
    failed_drafts = [failure.draft for failure in await everything_failed()]
    assert sorted(failed_drafts, key=drafts.index) == drafts
