"""A route worker: works off one route's durable jobs, isolated from every other route.

Each route has its own worker, concurrency limit and per-attempt timeout, so a webhook that
hangs cannot hold up a provider relay. Failed attempts are retried with exponential backoff and
full jitter; after the retry budget the job becomes a dead letter (AdminService lists and
replays them). Jobs are claimed with a lease, so a worker that dies mid-attempt only delays its
jobs.

The database work is batched, because a route (a provider relay) may have a job for every
message: jobs are claimed together (the worker lingers briefly after a wake-up so that more
arrive), their messages are loaded in one query, and successful outcomes are recorded
together, one transaction per batch rather than per job.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable
from typing import Protocol

import structlog

from openchat.server.background.cancellation import cancel_and_wait
from openchat.server.domain.delivery import RouteJob
from openchat.server.domain.model import Message
from openchat.server.observability.metrics import Metrics
from openchat.server.ports import MessageStore, RouteOutbox
from openchat.server.routing.backoff import Backoff
from openchat.server.settings import RoutingSettings

_log = structlog.get_logger(__name__)


# Seconds a woken worker waits for more jobs (and finished attempts for more outcomes) before
# it goes to the database: the jobs of a burst of messages then share one claim.
BATCH_LINGER_SECONDS = 0.02


class Deliverer(Protocol):
    """Carries out one job of a route; raises to fail the attempt."""

    async def deliver(self, job: RouteJob, message: Message) -> bool:
        """Deliver the job's message on the route; returns False when there turned out to be
        nothing to deliver (so that delivery timelines do not claim a delivery)."""
        ...


class RouteWorker:
    """Claims and runs one route's due jobs."""

    def __init__(
        self,
        route: str,
        outbox: RouteOutbox,
        messages: MessageStore,
        deliverer: Deliverer,
        settings: RoutingSettings,
        *,
        metrics: Metrics,
    ) -> None:
        self.route = route
        self._metrics = metrics
        self._outbox = outbox
        self._messages = messages
        self._deliverer = deliverer
        self._concurrency = settings.concurrency
        self._attempt_timeout = settings.attempt_timeout
        self._max_attempts = settings.max_attempts
        self._backoff = Backoff(settings.backoff_base, settings.backoff_cap)
        self._poll_interval = settings.poll_interval
        # A lease outlasts an attempt, so a live worker never loses its job to another.
        self._lease = settings.attempt_timeout * 2 + 5
        self._wakeup = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._attempts: set[asyncio.Task[None]] = set()
        # Successful outcomes waiting to be recorded together: job ids by "delivered".
        self._succeeded: dict[bool, list[int]] = {True: [], False: []}
        self._record_soon = asyncio.Event()
        # Every slot was taken at the last look, so more jobs may be due when one frees up.
        self._saturated = False
        # Set by stop(): claim no more, and let the recorder end once the attempts have.
        self._stopping = False

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._run(), name=f"route-worker:{self.route}"),
            asyncio.create_task(self._record_successes(), name=f"route-outcomes:{self.route}"),
        ]

    async def stop(self, grace: float) -> None:
        """Stop claiming, and give what is in flight up to `grace` seconds in all: a claim
        finishes and starts its attempts, attempts finish, and their outcomes are recorded.

        Nothing is cancelled half-way before the grace runs out, because a job the database
        holds as claimed while this worker forgets it stays leased until the lease expires,
        delaying it after a restart; that is still what happens to what the grace cuts off."""
        if not self._tasks:
            return  # never started
        deadline = asyncio.get_running_loop().time() + grace
        self._stopping = True
        self._wakeup.set()
        claimer, recorder = self._tasks
        await _finish_by({claimer}, deadline)
        await _finish_by(set(self._attempts), deadline)
        self._record_soon.set()
        await _finish_by({recorder}, deadline)
        # Outcomes of attempts that finished after the recorder's last flush.
        await self._flush_successes()

    def wake(self) -> None:
        """New jobs may be due."""
        self._wakeup.set()

    async def _run(self) -> None:
        # Attempts run side by side, up to `concurrency`, and each frees its slot when done:
        # a slow attempt (a webhook that hangs until the timeout) holds only its own slot,
        # never the jobs claimed with it.
        while not self._stopping:
            # Cleared before looking, so that a wake during the claim is not lost.
            self._wakeup.clear()
            free = self._concurrency - len(self._attempts)
            self._saturated = free == 0
            if free:
                jobs = await self._claim(free)
                self._saturated = len(jobs) == free
                await self._start_attempts(jobs)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_interval):
                    await self._wakeup.wait()
                if not self._stopping:
                    await asyncio.sleep(BATCH_LINGER_SECONDS)  # let the burst's jobs arrive

    async def _claim(self, limit: int) -> list[RouteJob]:
        try:
            return await self._outbox.claim(self.route, limit, self._lease)
        except Exception as error:  # noqa: BLE001 - the database may come back; poll again
            _log.warning("route_claim_failed", route=self.route, error=repr(error))
            return []

    async def _start_attempts(self, jobs: list[RouteJob]) -> None:
        if not jobs:
            return
        try:
            messages = await self._messages.get_many([job.message_id for job in jobs])
        except Exception as error:  # noqa: BLE001 - the leases expire and the jobs run again
            _log.warning("route_messages_unavailable", route=self.route, error=repr(error))
            return
        for job in jobs:
            attempt = asyncio.create_task(self._attempt(job, messages.get(job.message_id)))
            self._attempts.add(attempt)
            attempt.add_done_callback(self._finished)

    def _finished(self, attempt: asyncio.Task[None]) -> None:
        self._attempts.discard(attempt)
        if self._saturated:
            self._wakeup.set()

    async def _attempt(self, job: RouteJob, message: Message | None) -> None:
        started = time.perf_counter()
        try:
            if message is None:
                raise LookupError(f"message {job.message_id} is missing")
            async with asyncio.timeout(self._attempt_timeout):
                delivered = await self._deliverer.deliver(job, message)
        except Exception as error:  # noqa: BLE001 - every failure is recorded on the job
            outcome = await self._failed(job, error)
        else:
            outcome = "delivered" if delivered else "skipped"
            self._succeeded[delivered].append(job.job_id)
            self._record_soon.set()
        self._metrics.route_attempts.labels(self.route, outcome).inc()
        self._metrics.route_attempt_duration.labels(self.route).observe(
            time.perf_counter() - started
        )

    async def _failed(self, job: RouteJob, error: Exception) -> str:
        """Retry or bury the job; returns the attempt's outcome label."""
        reason = _describe(error, self._attempt_timeout)
        if job.attempts >= self._max_attempts:
            _log.warning("route_job_dead", route=self.route, job_id=job.job_id, error=reason)
            await self._record(self._outbox.bury(job, reason))
            return "dead"
        delay = self._backoff.delay(job.attempts)
        _log.info(
            "route_job_retry",
            route=self.route,
            job_id=job.job_id,
            attempt=job.attempts,
            delay_seconds=round(delay, 3),
            error=reason,
        )
        await self._record(self._outbox.retry(job, reason, delay))
        return "timeout" if isinstance(error, TimeoutError) else "failed"

    async def _record_successes(self) -> None:
        while not (self._stopping and not self._attempts):
            await self._record_soon.wait()
            if not self._stopping:
                await asyncio.sleep(BATCH_LINGER_SECONDS)  # let other attempts finish too
            self._record_soon.clear()
            await self._flush_successes()

    async def _flush_successes(self) -> None:
        delivered, skipped = self._succeeded[True], self._succeeded[False]
        self._succeeded = {True: [], False: []}
        if delivered or skipped:
            await self._record(self._outbox.complete(delivered, skipped))

    async def _record(self, update: Awaitable[None]) -> None:
        try:
            await update
        except Exception as error:  # noqa: BLE001 - the lease expires and the job runs again
            _log.warning("route_job_update_failed", route=self.route, error=repr(error))


async def _finish_by(tasks: set[asyncio.Task[None]], deadline: float) -> None:
    """Wait for `tasks` until the loop's clock reads `deadline`, then cancel what still runs."""
    if not tasks:
        return
    await asyncio.wait(tasks, timeout=max(0.0, deadline - asyncio.get_running_loop().time()))
    await cancel_and_wait(tasks)


def _describe(error: Exception, timeout: float) -> str:
    if isinstance(error, TimeoutError):
        return f"timed out after {timeout:g} s"
    return str(error) or type(error).__name__
