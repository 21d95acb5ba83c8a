"""The route outbox in SQL: durable route work, written with its messages and worked off by
route workers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from openchat.server.domain.delivery import PlannedJob, RouteJob, RouteJobRecord, RouteJobStatus
from openchat.server.storage.database import Database, delete_in_slices
from openchat.server.storage.tables import route_jobs

PENDING = RouteJobStatus.PENDING.value


async def insert_planned(
    connection: AsyncConnection, jobs: Sequence[PlannedJob], now: datetime
) -> None:
    """Write planned jobs inside the caller's transaction (the one storing their messages)."""
    if not jobs:
        return
    await connection.execute(
        insert(route_jobs),
        [
            {
                "route": job.route,
                "message_id": job.message.message_id,
                "conversation_id": job.message.conversation_id,
                "seq": job.message.seq,
                "target": job.target,
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": "",
                "created_at": now,
                "updated_at": now,
            }
            for job in jobs
        ],
    )


class SqlRouteOutbox:
    """RouteOutbox on SQLite or PostgreSQL."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def claim(self, route: str, limit: int, lease_seconds: float) -> list[RouteJob]:
        now = datetime.now(UTC)
        due = (
            select(route_jobs.c.job_id)
            .where(
                route_jobs.c.route == route,
                route_jobs.c.status == PENDING,
                route_jobs.c.next_attempt_at <= now,
            )
            .order_by(route_jobs.c.next_attempt_at)
            .limit(limit)
            # Nodes claiming at once skip each other's rows instead of queueing behind them
            # (SQLite has one writer and ignores this).
            .with_for_update(skip_locked=True)
        )
        async with self._database.writer.begin() as connection:
            rows = await connection.execute(
                update(route_jobs)
                .where(route_jobs.c.job_id.in_(due.scalar_subquery()))
                .values(
                    next_attempt_at=now + timedelta(seconds=lease_seconds),
                    attempts=route_jobs.c.attempts + 1,
                )
                .returning(
                    route_jobs.c.job_id,
                    route_jobs.c.route,
                    route_jobs.c.message_id,
                    route_jobs.c.conversation_id,
                    route_jobs.c.seq,
                    route_jobs.c.target,
                    route_jobs.c.attempts,
                )
            )
            return [RouteJob(*row) for row in rows]

    async def complete(self, delivered: Sequence[int], skipped: Sequence[int]) -> None:
        now = datetime.now(UTC)
        async with self._database.writer.begin() as connection:
            for status, job_ids in (
                (RouteJobStatus.DONE, delivered),
                (RouteJobStatus.SKIPPED, skipped),
            ):
                if job_ids:
                    await connection.execute(
                        update(route_jobs)
                        .where(route_jobs.c.job_id.in_(list(job_ids)))
                        .values(status=status.value, last_error="", updated_at=now)
                    )

    async def retry(self, job: RouteJob, error: str, delay_seconds: float) -> None:
        now = datetime.now(UTC)
        await self._update(
            job,
            last_error=error,
            next_attempt_at=now + timedelta(seconds=delay_seconds),
            updated_at=now,
        )

    async def bury(self, job: RouteJob, error: str) -> None:
        await self._update(
            job, status=RouteJobStatus.DEAD.value, last_error=error, updated_at=datetime.now(UTC)
        )

    async def dead_letters(
        self, route: str, *, before_job_id: int | None, limit: int
    ) -> list[RouteJobRecord]:
        query = select(route_jobs).where(route_jobs.c.status == RouteJobStatus.DEAD.value)
        if route:
            query = query.where(route_jobs.c.route == route)
        if before_job_id is not None:
            query = query.where(route_jobs.c.job_id < before_job_id)
        query = query.order_by(route_jobs.c.job_id.desc()).limit(limit)
        async with self._database.reader.connect() as connection:
            return [_record(row) for row in await connection.execute(query)]

    async def replay(self, job_ids: Sequence[int]) -> int:
        now = datetime.now(UTC)
        async with self._database.writer.begin() as connection:
            result = await connection.execute(
                update(route_jobs)
                .where(
                    route_jobs.c.job_id.in_(list(job_ids)),
                    route_jobs.c.status == RouteJobStatus.DEAD.value,
                )
                .values(status=PENDING, attempts=0, next_attempt_at=now, updated_at=now)
            )
            return int(result.rowcount)

    async def counts(self) -> dict[tuple[str, str], int]:
        """Jobs waiting (pending) or given up (dead), by (route, status)."""
        async with self._database.reader.connect() as connection:
            rows = await connection.execute(
                select(route_jobs.c.route, route_jobs.c.status, func.count())
                .where(route_jobs.c.status.in_([PENDING, RouteJobStatus.DEAD.value]))
                .group_by(route_jobs.c.route, route_jobs.c.status)
            )
            return {(route, status): count for route, status, count in rows}

    async def purge(self, *, finished_before: datetime, dead_before: datetime) -> int:
        finished = route_jobs.c.status.in_(
            [RouteJobStatus.DONE.value, RouteJobStatus.SKIPPED.value]
        ) & (route_jobs.c.updated_at < finished_before)
        dead = (route_jobs.c.status == RouteJobStatus.DEAD.value) & (
            route_jobs.c.updated_at < dead_before
        )
        return await delete_in_slices(
            self._database, route_jobs, route_jobs.c.job_id, finished | dead
        )

    async def for_message(self, message_id: str) -> list[RouteJobRecord]:
        async with self._database.reader.connect() as connection:
            rows = await connection.execute(
                select(route_jobs)
                .where(route_jobs.c.message_id == message_id)
                .order_by(route_jobs.c.job_id)
            )
            return [_record(row) for row in rows]

    async def _update(self, job: RouteJob, **values: Any) -> None:
        async with self._database.writer.begin() as connection:
            await connection.execute(
                update(route_jobs).where(route_jobs.c.job_id == job.job_id).values(**values)
            )


def _record(row: Row[Any]) -> RouteJobRecord:
    return RouteJobRecord(
        job_id=row.job_id,
        route=row.route,
        message_id=row.message_id,
        conversation_id=row.conversation_id,
        target=row.target,
        status=RouteJobStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
