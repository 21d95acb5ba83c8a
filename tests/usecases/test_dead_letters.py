"""The AdminService use cases over the SQL route outbox: admins only; dead letters are listed
by route, newest first, in pages; a replay revives them and wakes the route workers.

Every test buries its jobs on a route of its own name, so the shared database's other dead
letters never show up in its lists."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from openchat.server.domain.delivery import RouteJob, RouteJobStatus
from openchat.server.domain.errors import PermissionDenied
from openchat.server.domain.model import Principal
from openchat.server.storage.database import Database
from openchat.server.storage.route_outbox import SqlRouteOutbox
from openchat.server.usecases.bots import ADMIN_ROLE
from openchat.server.usecases.dead_letters import DeadLetters
from tests.support.databases import stored_with_route_work

ADMIN = Principal("operator", frozenset({ADMIN_ROLE}))
USER = Principal("someone")


class Wakeups:
    """The route workers' wake-up call, counted."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


@pytest.fixture
def route() -> str:
    return f"route-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def outbox(database: Database) -> SqlRouteOutbox:
    return SqlRouteOutbox(database)


@pytest.fixture
def wakeups() -> Wakeups:
    return Wakeups()


@pytest.fixture
def dead_letters(outbox: SqlRouteOutbox, wakeups: Wakeups) -> DeadLetters:
    return DeadLetters(outbox, wakeups)


@pytest.fixture
async def buried(
    database: Database, outbox: SqlRouteOutbox, route: str, user_ids: Iterator[str]
) -> list[RouteJob]:
    """Three jobs on `route` that spent their budget, newest first."""
    await stored_with_route_work(database, [next(user_ids)], 3, routes=[route])
    jobs = await outbox.claim(route, 10, lease_seconds=60)
    for job in jobs:
        await outbox.bury(job, "gateway said no")
    return sorted(jobs, key=lambda job: -job.job_id)


async def test_dead_letters_of_a_route_are_listed_newest_first_in_pages(
    dead_letters: DeadLetters, route: str, buried: list[RouteJob]
) -> None:
    first = await dead_letters.list(ADMIN, route, before_job_id=None, limit=2)
    rest = await dead_letters.list(ADMIN, route, before_job_id=first[-1].job_id, limit=2)
    assert [record.job_id for record in first + rest] == [job.job_id for job in buried]
    assert {(r.status, r.last_error) for r in first + rest} == {
        (RouteJobStatus.DEAD, "gateway said no")
    }
    assert await dead_letters.list(ADMIN, f"{route}-other", before_job_id=None, limit=9) == []


async def test_a_replay_revives_the_jobs_and_wakes_the_workers(
    dead_letters: DeadLetters,
    outbox: SqlRouteOutbox,
    route: str,
    buried: list[RouteJob],
    wakeups: Wakeups,
) -> None:
    chosen = [buried[0].job_id, buried[2].job_id]
    assert await dead_letters.replay(ADMIN, [*chosen, 10**12]) == 2
    assert wakeups.count == 1
    left = await dead_letters.list(ADMIN, route, before_job_id=None, limit=9)
    assert [record.job_id for record in left] == [buried[1].job_id]
    revived = await outbox.claim(route, 10, lease_seconds=60)
    assert sorted(job.job_id for job in revived) == sorted(chosen)


async def test_only_admins_list_or_replay(
    dead_letters: DeadLetters, route: str, buried: list[RouteJob], wakeups: Wakeups
) -> None:
    with pytest.raises(PermissionDenied, match=repr(ADMIN_ROLE)):
        await dead_letters.list(USER, route, before_job_id=None, limit=10)
    with pytest.raises(PermissionDenied):
        await dead_letters.replay(USER, [job.job_id for job in buried])
    assert wakeups.count == 0
    still_dead = await dead_letters.list(ADMIN, route, before_job_id=None, limit=10)
    assert len(still_dead) == len(buried)
