"""The route outbox keeps route work through restarts, and nodes sharing a database never
work on the same job at once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import grpc

from openchat.server.domain.delivery import WEBHOOK_ROUTE, PlannedJob, RouteJobStatus
from openchat.server.domain.model import Content, Message
from openchat.server.storage import migrate
from openchat.server.storage.database import connect
from openchat.server.storage.route_outbox import SqlRouteOutbox, insert_planned
from openchat.v1 import message_pb2
from tests.support.api import Api
from tests.support.gates import statement_held
from tests.support.http_endpoints import WebhookEndpoint
from tests.support.servers import start_app
from tests.support.settings import FAST_ROUTING, settings_for
from tests.support.streams import DEFAULT_WAIT
from tests.support.waiting import until

# Retries that keep going for the whole test, at most 0.2 s apart.
PATIENT_ROUTING = FAST_ROUTING | {"max_attempts": 1000, "backoff_cap": 0.2}


def accepted_message_ids(webhook: WebhookEndpoint) -> Counter[str]:
    """How many times each message was accepted (answered 200)."""
    return Counter(r.json()["message"]["messageId"] for r in webhook.answered())


async def test_route_work_survives_a_restart(
    own_database_url: str, user_ids: Iterator[str]
) -> None:
    # A long attempt timeout makes a long lease (2 x 20 s + 5 s), so that waiting for the
    # second server's deliveries far less than a lease shows that the first left none leased,
    # however loaded the machine (its webhook answers at once, so no attempt waits that long).
    settings = settings_for(own_database_url, routing=PATIENT_ROUTING | {"attempt_timeout": 20.0})
    alice, bob, bot = next(user_ids), next(user_ids), next(user_ids)
    async with WebhookEndpoint(status=503) as webhook:
        async with start_app(settings) as first:
            api = Api(first.channel)
            webhook.secret = (await api.register_bot(bot, webhook.url)).secret
            group = await api.create_group(alice, [bob, bot])
            acks = [await api.send(alice, group.conversation_id, f"m{i}") for i in range(10)]
            # The first server works on every message, and fails.
            await webhook.wait_for(
                lambda rs: len({r.headers["X-OpenChat-Event-Id"] for r in rs}) == len(acks)
            )
        assert webhook.answered() == []

        webhook.status = 200
        async with start_app(settings):
            # Well within a lease: the first server left no job leased.
            await webhook.wait_for(lambda _: len(accepted_message_ids(webhook)) == len(acks), 30)

    # Every message is delivered; none twice (receivers would deduplicate by event id, but in
    # this run nothing gave them a reason to).
    assert accepted_message_ids(webhook) == Counter(ack.message_id for ack in acks)
    assert all(request.verified for request in webhook.requests)


async def test_stopping_a_server_lets_attempts_in_flight_finish(
    own_database_url: str, user_ids: Iterator[str]
) -> None:
    # The attempt must outlast the wait for the server to refuse calls, however loaded the
    # machine: with FAST_ROUTING's 1 s it once timed out and hung up first.
    settings = settings_for(own_database_url, routing=PATIENT_ROUTING | {"attempt_timeout": 20.0})
    alice, bot = next(user_ids), next(user_ids)
    async with WebhookEndpoint(hang=True) as webhook:
        async with start_app(settings) as first:
            api = Api(first.channel)
            webhook.secret = (await api.register_bot(bot, webhook.url)).secret
            group = await api.create_group(alice, [bot])
            ack = await api.send(alice, group.conversation_id, "in flight at shutdown")
            await webhook.wait_for_count(1)
            # The grace only bounds the wait: the webhook is released as soon as RPCs are
            # refused, and a loaded machine must not abandon the attempt before that.
            stopping = asyncio.create_task(first.stop(grace=30.0))

            # The server stops serving RPCs before it drains its route workers.
            async with grpc.aio.insecure_channel(first.target) as probe_channel:
                probe = Api(probe_channel)

                async def refused() -> bool:
                    # A deadline of its own. Once in CI a probe got no answer for 10 s and its
                    # connection's GOAWAY came only as the server finished stopping: a call that
                    # reaches a server as it stops listening may wait for the whole drain.
                    try:
                        await probe.timeline(alice, ack.message_id, deadline=1)
                    except grpc.aio.AioRpcError:
                        return True  # refused, or not served: either way no longer serving
                    return False

                await until(refused)
            webhook.release()
            await stopping

        (request,) = webhook.requests
        assert (request.status, request.abandoned) == (200, False)
        # The attempt's outcome was recorded before the server let go of its database.
        async with start_app(settings) as second:
            timeline = await Api(second.channel).timeline(alice, ack.message_id)
            answered = [
                e for e in timeline if e.state == message_pb2.DELIVERY_STATE_WEBHOOK_ANSWERED
            ]
            assert [e.user_id for e in answered] == [bot]
        assert len(webhook.requests) == 1


async def test_a_worker_stopped_mid_claim_attempts_the_jobs_it_claimed(
    own_database_url: str, user_ids: Iterator[str]
) -> None:
    """The claim is committed and the worker is loading its messages when it is told to stop:
    it attempts the job within the grace. Cut off there, the job would stay leased (45 s here)
    and a restarted server could not deliver it before then."""
    settings = settings_for(own_database_url, routing=PATIENT_ROUTING | {"attempt_timeout": 20.0})
    alice, bot = next(user_ids), next(user_ids)
    async with WebhookEndpoint() as webhook, start_app(settings) as server:
        api = Api(server.channel)
        webhook.secret = (await api.register_bot(bot, webhook.url)).secret
        group = await api.create_group(alice, [bot])
        (worker,) = [w for w in server.app.workers if w.route == WEBHOOK_ROUTE]
        with statement_held(
            server.app.database.reader,
            lambda statement, _: "WHERE messages.message_id IN" in statement,
        ) as loading:
            ack = await api.send(alice, group.conversation_id, "claimed at shutdown")
            await asyncio.wait_for(loading.arrived.wait(), DEFAULT_WAIT)
            # Released and stopped in one step: the read has not run yet when stop() begins.
            loading.release()
            await worker.stop(grace=10.0)

        assert [r.json()["message"]["messageId"] for r in webhook.answered()] == [ack.message_id]
        (job,) = await server.routes_finished(ack.message_id)
        assert job.status is RouteJobStatus.DONE


async def test_two_servers_on_one_database_never_deliver_a_job_twice(
    fresh_postgres_url: str, user_ids: Iterator[str]
) -> None:
    settings = settings_for(fresh_postgres_url, routing=PATIENT_ROUTING)
    alice, bob, bot = next(user_ids), next(user_ids), next(user_ids)
    # A slow webhook keeps attempts in flight while the other server claims.
    async with (
        WebhookEndpoint(latency=0.05) as webhook,
        start_app(settings) as one,
        start_app(settings) as two,
    ):
        apis = [Api(one.channel), Api(two.channel)]
        webhook.secret = (await apis[0].register_bot(bot, webhook.url)).secret
        group = await apis[0].create_group(alice, [bob, bot])
        # Both servers store messages, so both workers are woken and claim.
        acks = await asyncio.gather(
            *(
                apis[i % 2].send((alice, bob)[i % 2], group.conversation_id, f"m{i}")
                for i in range(40)
            )
        )
        await webhook.wait_for(lambda _: len(accepted_message_ids(webhook)) == len(acks), 20)

    assert accepted_message_ids(webhook) == Counter(ack.message_id for ack in acks)
    assert len(webhook.requests) == len(acks)


async def test_concurrent_claims_never_share_a_job(fresh_postgres_url: str) -> None:
    """Claimers on separate connection pools (as on separate nodes) take disjoint jobs."""
    databases = [connect(fresh_postgres_url, pool_size=4) for _ in range(2)]
    try:
        await migrate.upgrade(databases[0])
        now = datetime.now(UTC)
        jobs = [
            PlannedJob(
                "webhook",
                Message(f"m-{i}", "c-1", i + 1, "alice", f"c-{i}", Content(text="x"), now),
                f"bot-{i % 3}",
            )
            for i in range(120)
        ]
        async with databases[0].writer.begin() as connection:
            await insert_planned(connection, jobs, now)
        outboxes = [SqlRouteOutbox(database) for database in databases]

        async def claim_until_empty(outbox: SqlRouteOutbox) -> list[int]:
            claimed: list[int] = []
            while batch := await outbox.claim("webhook", 7, lease_seconds=60):
                claimed.extend(job.job_id for job in batch)
            return claimed

        results = await asyncio.gather(*(claim_until_empty(outboxes[i % 2]) for i in range(8)))

        claimed = [job_id for result in results for job_id in result]
        assert len(claimed) == len(jobs)
        assert len(set(claimed)) == len(jobs)
        # Several claimers got work: the claims really did run side by side.
        assert sum(1 for result in results if result) > 1
        records = await outboxes[0].for_message("m-0")
        assert [(r.status, r.attempts) for r in records] == [(RouteJobStatus.PENDING, 1)]
    finally:
        for database in databases:
            await database.dispose()
