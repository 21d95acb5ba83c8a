"""Retention: delivery history past its age is deleted, everything younger (and pending work,
and recent dead letters) stays."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from openchat.server.background.retention import Retention
from openchat.server.domain.delivery import RouteJobStatus
from openchat.server.storage.database import Database
from openchat.server.storage.receipt_store import SqlReceiptStore
from openchat.server.storage.route_outbox import SqlRouteOutbox
from openchat.server.storage.tables import delivery_events, route_jobs
from tests.support.databases import migrated_database

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
HISTORY = timedelta(days=7)
DEAD_LETTERS = timedelta(days=30)


@pytest.fixture
async def database(own_database_url: str) -> AsyncIterator[Database]:
    """A database of the test's own. The suite's shared one is also served by running servers
    (session fixtures), whose webhook workers would claim the due pending job planted here
    (and, finding no message, retry it), changing the rows the test asserts on."""
    async with migrated_database(own_database_url) as migrated:
        yield migrated


def job(marker: str, status: RouteJobStatus, age: timedelta) -> dict[str, Any]:
    at = NOW - age
    return {
        "route": "webhook",
        "message_id": marker,
        "conversation_id": marker,
        "seq": 1,
        "target": status.value,
        "status": status.value,
        "attempts": 1,
        "next_attempt_at": at,
        "last_error": "",
        "created_at": at,
        "updated_at": at,
    }


def receipt(marker: str, age: timedelta) -> dict[str, Any]:
    return {
        "conversation_id": marker,
        "user_id": "u",
        "device_id": "d",
        "state": "delivered",
        "from_seq": 0,
        "to_seq": 1,
        "at": NOW - age,
    }


async def test_old_history_goes_and_everything_else_stays(database: Database) -> None:
    marker = str(uuid.uuid4())
    old, young = timedelta(days=8), timedelta(days=6)
    async with database.writer.begin() as connection:
        await connection.execute(
            insert(route_jobs),
            [
                job(marker, RouteJobStatus.DONE, old),
                job(marker, RouteJobStatus.SKIPPED, old),
                job(marker, RouteJobStatus.DONE, young),
                job(marker, RouteJobStatus.PENDING, old),  # still to do: never purged
                job(marker, RouteJobStatus.DEAD, old),  # a dead letter, kept 30 days
                job(marker, RouteJobStatus.DEAD, timedelta(days=31)),
            ],
        )
        await connection.execute(
            insert(delivery_events), [receipt(marker, old), receipt(marker, young)]
        )
    retention = Retention(
        SqlRouteOutbox(database),
        SqlReceiptStore(database),
        history=HISTORY,
        dead_letters=DEAD_LETTERS,
        clock=lambda: NOW,
    )
    await retention.purge()
    async with database.reader.connect() as connection:
        kept_jobs = sorted(
            (row.status, (NOW - row.updated_at).days)
            for row in await connection.execute(
                select(route_jobs).where(route_jobs.c.message_id == marker)
            )
        )
        kept_events = await connection.scalar(
            select(func.count())
            .select_from(delivery_events)
            .where(delivery_events.c.conversation_id == marker)
        )
    assert kept_jobs == [("dead", 8), ("done", 6), ("pending", 8)]
    assert kept_events == 1
