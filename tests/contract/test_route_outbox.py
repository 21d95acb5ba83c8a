"""The RouteOutbox contract on SQLite and PostgreSQL: route work committed with its messages is
claimed by route, under a lease, never by two workers at once; it completes, is retried after
a delay, or becomes a dead letter that an operator lists and replays; a purge removes finished
work and old dead letters and never pending work.

The module has a database of its own (no server's route workers may take its jobs), and every
test plans its jobs on a route of its own name."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from openchat.server.domain.delivery import RouteJob, RouteJobRecord, RouteJobStatus
from openchat.server.domain.model import Message
from openchat.server.storage.database import Database
from openchat.server.storage.route_outbox import SqlRouteOutbox
from tests.support.databases import stored_with_route_work

LEASE = 60.0


@pytest.fixture
def route() -> str:
    return f"route-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def outbox(module_database: Database) -> SqlRouteOutbox:
    return SqlRouteOutbox(module_database)


async def stored_with_jobs(
    database: Database, routes: list[str], count: int, members: list[str]
) -> list[Message]:
    """`count` new messages, each committed with one job per route of `routes`."""
    stored = await stored_with_route_work(database, members, count, routes=routes)
    assert {outcome.routes for outcome in stored} == {frozenset(routes)}
    return [outcome.message for outcome in stored]


@pytest.fixture
async def messages(module_database: Database, route: str, members: list[str]) -> list[Message]:
    """Three messages with a job each on `route`."""
    return await stored_with_jobs(module_database, [route], 3, members)


async def record_of(outbox: SqlRouteOutbox, job: RouteJob) -> RouteJobRecord:
    [record] = [r for r in await outbox.for_message(job.message_id) if r.job_id == job.job_id]
    return record


async def test_a_claim_leases_due_jobs_of_its_route_only(
    outbox: SqlRouteOutbox, route: str, messages: list[Message]
) -> None:
    jobs = await outbox.claim(route, 10, LEASE)
    assert sorted(job.message_id for job in jobs) == sorted(m.message_id for m in messages)
    by_message = {message.message_id: message for message in messages}
    for job in jobs:
        message = by_message[job.message_id]
        assert (job.route, job.conversation_id, job.seq) == (
            route,
            message.conversation_id,
            message.seq,
        )
        assert (job.target, job.attempts) == ("", 1)
    assert await outbox.claim(route, 10, LEASE) == [], "leased jobs are not due"
    assert await outbox.claim(f"{route}-other", 10, LEASE) == []


async def test_a_claim_takes_at_most_its_limit(
    outbox: SqlRouteOutbox, route: str, messages: list[Message]
) -> None:
    first = await outbox.claim(route, 2, LEASE)
    rest = await outbox.claim(route, 2, LEASE)
    assert (len(first), len(rest)) == (2, 1)
    assert {job.job_id for job in first}.isdisjoint(job.job_id for job in rest)


async def test_a_job_whose_lease_ran_out_is_claimed_again(
    outbox: SqlRouteOutbox, route: str, messages: list[Message]
) -> None:
    """A worker that died holding a job: the job is due again when its lease ends."""
    taken = await outbox.claim(route, 10, lease_seconds=0)
    again = await outbox.claim(route, 10, LEASE)
    assert sorted(job.job_id for job in again) == sorted(job.job_id for job in taken)
    assert {job.attempts for job in again} == {2}


async def test_concurrent_claims_never_hand_out_a_job_twice(
    module_database: Database, outbox: SqlRouteOutbox, route: str, members: list[str]
) -> None:
    messages = await stored_with_jobs(module_database, [route], 40, members)
    claims = await asyncio.gather(*(outbox.claim(route, 7, LEASE) for _ in range(8)))
    claimed = [job.job_id for jobs in claims for job in jobs]
    assert len(claimed) == len(set(claimed)), "a job was claimed twice"
    leftovers = await outbox.claim(route, 100, LEASE)
    assert len(claimed) + len(leftovers) == len(messages)


async def test_completed_jobs_are_done_or_skipped_and_never_due_again(
    outbox: SqlRouteOutbox, route: str, messages: list[Message]
) -> None:
    delivered, skipped, pending = await outbox.claim(route, 10, lease_seconds=0)
    await outbox.retry(pending, "failed before", delay_seconds=0)
    await outbox.retry(delivered, "failed before", delay_seconds=0)

    await outbox.complete([delivered.job_id], [skipped.job_id])
    assert await outbox.claim(route, 10, LEASE) == [replace(pending, attempts=2)]
    done, gone = await record_of(outbox, delivered), await record_of(outbox, skipped)
    assert (done.status, done.last_error) == (RouteJobStatus.DONE, "")
    assert gone.status is RouteJobStatus.SKIPPED
    assert (await record_of(outbox, pending)).status is RouteJobStatus.PENDING
    await outbox.complete([], [])  # nothing to do is fine


async def test_a_retried_job_is_due_after_its_delay_with_its_error_kept(
    outbox: SqlRouteOutbox, route: str, messages: list[Message]
) -> None:
    soon, later, _ = await outbox.claim(route, 10, LEASE)
    await outbox.retry(soon, "503 from the gateway", delay_seconds=0)
    await outbox.retry(later, "timed out", delay_seconds=3600)

    [again] = await outbox.claim(route, 10, LEASE)
    assert (again.job_id, again.attempts) == (soon.job_id, 2)
    waiting = await record_of(outbox, later)
    assert (waiting.status, waiting.last_error, waiting.attempts) == (
        RouteJobStatus.PENDING,
        "timed out",
        1,
    )


async def test_buried_jobs_are_dead_letters_listed_newest_first_by_route(
    module_database: Database, outbox: SqlRouteOutbox, route: str, members: list[str]
) -> None:
    other_route = f"{route}-b"
    await stored_with_jobs(module_database, [route, other_route], 3, members)
    jobs = await outbox.claim(route, 10, LEASE) + await outbox.claim(other_route, 10, LEASE)
    for job in jobs:
        await outbox.bury(job, f"gave up on {job.job_id}")
    mine = sorted((job.job_id for job in jobs if job.route == route), reverse=True)
    everyone = sorted((job.job_id for job in jobs), reverse=True)

    listed = await outbox.dead_letters(route, before_job_id=None, limit=10)
    assert [record.job_id for record in listed] == mine
    assert {record.status for record in listed} == {RouteJobStatus.DEAD}
    assert all(record.last_error == f"gave up on {record.job_id}" for record in listed)
    assert await outbox.claim(route, 10, LEASE) == [], "dead letters are not due"

    first = await outbox.dead_letters(route, before_job_id=None, limit=2)
    second = await outbox.dead_letters(route, before_job_id=first[-1].job_id, limit=2)
    assert [r.job_id for r in first + second] == mine
    all_routes = await outbox.dead_letters("", before_job_id=everyone[0] + 1, limit=len(jobs))
    assert [record.job_id for record in all_routes] == everyone


async def test_a_replay_revives_dead_letters_only_with_a_fresh_budget(
    outbox: SqlRouteOutbox, route: str, messages: list[Message]
) -> None:
    dead, also_dead, done = await outbox.claim(route, 10, LEASE)
    for job in (dead, also_dead):
        await outbox.retry(job, "first", delay_seconds=0)
    retried = await outbox.claim(route, 10, LEASE)
    assert {job.attempts for job in retried} == {2}
    for job in retried:
        await outbox.bury(job, "hopeless")
    await outbox.complete([done.job_id], [])

    replayed = await outbox.replay([dead.job_id, also_dead.job_id, done.job_id, 10**12])
    assert replayed == 2, "only dead letters count"
    assert await outbox.dead_letters(route, before_job_id=None, limit=10) == []
    revived = await outbox.claim(route, 10, LEASE)
    assert sorted(job.job_id for job in revived) == sorted([dead.job_id, also_dead.job_id])
    assert {job.attempts for job in revived} == {1}
    assert (await record_of(outbox, done)).status is RouteJobStatus.DONE
    assert await outbox.replay([dead.job_id]) == 0, "no longer dead"


async def test_a_messages_jobs_are_listed_in_job_order(
    module_database: Database, outbox: SqlRouteOutbox, route: str, members: list[str]
) -> None:
    routes = [f"{route}-{n}" for n in range(3)]
    [message] = await stored_with_jobs(module_database, routes, 1, members)
    records = await outbox.for_message(message.message_id)
    assert [record.route for record in records] == routes
    assert [record.job_id for record in records] == sorted(record.job_id for record in records)
    assert all(
        (r.message_id, r.conversation_id, r.status, r.attempts, r.last_error)
        == (message.message_id, message.conversation_id, RouteJobStatus.PENDING, 0, "")
        for r in records
    )
    assert await outbox.for_message(str(uuid.uuid4())) == []


async def test_a_purge_removes_finished_work_and_old_dead_letters_never_pending_work(
    own_database: Database, members: list[str]
) -> None:
    outbox = SqlRouteOutbox(own_database)
    route = "purged"
    await stored_with_jobs(own_database, [route], 5, members)
    delivered, skipped, dead, retried, _ = await outbox.claim(route, 10, LEASE)
    await outbox.complete([delivered.job_id], [skipped.job_id])
    await outbox.bury(dead, "hopeless")
    await outbox.retry(retried, "again later", delay_seconds=3600)
    now = datetime.now(UTC)
    soon, long_ago = now + timedelta(minutes=1), now - timedelta(days=1)

    assert await outbox.purge(finished_before=long_ago, dead_before=long_ago) == 0
    assert await outbox.purge(finished_before=soon, dead_before=long_ago) == 2
    assert [r.job_id for r in await outbox.dead_letters(route, before_job_id=None, limit=9)] == [
        dead.job_id
    ]
    assert await outbox.purge(finished_before=soon, dead_before=soon) == 1
    assert await outbox.dead_letters(route, before_job_id=None, limit=9) == []
    left = [
        (record.job_id, record.status)
        for job in (retried, delivered)
        for record in await outbox.for_message(job.message_id)
    ]
    assert left == [(retried.job_id, RouteJobStatus.PENDING)]
