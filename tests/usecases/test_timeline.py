"""The delivery timeline use case over the SQL stores: only the sender reads it; it holds the
message's storing, every other member's deliveries and reads, and one step per route job that
finished (answered, accepted or failed), in time order.

The module has a database of its own: its jobs are on the webhook route, which the route
workers of servers on a shared database would take."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from openchat.server.domain.delivery import (
    WEBHOOK_ROUTE,
    Bot,
    DeliveryState,
    DeliveryStep,
    ReceiptAdvance,
    ReceiptKind,
)
from openchat.server.domain.errors import MessageNotFound, PermissionDenied
from openchat.server.domain.model import Message
from openchat.server.storage.bot_store import SqlBotStore
from openchat.server.storage.database import Database
from openchat.server.storage.message_store import SqlMessageStore
from openchat.server.storage.receipt_store import SqlReceiptStore
from openchat.server.storage.route_outbox import SqlRouteOutbox
from openchat.server.storage.sequences import TransactionalSequenceAllocator
from openchat.server.usecases.timeline import DeliveryTimeline
from tests.support.databases import stored_with_route_work

PROVIDERS = ["im", "sms"]
LEASE = 60.0


@pytest.fixture
def outbox(module_database: Database) -> SqlRouteOutbox:
    return SqlRouteOutbox(module_database)


@pytest.fixture
def receipts(module_database: Database) -> SqlReceiptStore:
    return SqlReceiptStore(module_database)


@pytest.fixture
def timeline(
    module_database: Database, receipts: SqlReceiptStore, outbox: SqlRouteOutbox
) -> DeliveryTimeline:
    store = SqlMessageStore(module_database, TransactionalSequenceAllocator())
    return DeliveryTimeline(store, receipts, outbox)


@pytest.fixture
def people(user_ids: Iterator[str]) -> tuple[str, str, str]:
    """A sender, a member and a bot."""
    return next(user_ids), next(user_ids), f"bot-{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def message(module_database: Database, people: tuple[str, str, str]) -> Message:
    """Alice's message to Bob and a bot, with a job on every route: webhook, providers."""
    alice, bob, bot = people
    await SqlBotStore(module_database).save(
        Bot(bot, "https://bots.example/hook", "secret", datetime.now(UTC))
    )
    [outcome] = await stored_with_route_work(
        module_database, [alice, bob, bot], 1, routes=PROVIDERS
    )
    assert outcome.routes == {WEBHOOK_ROUTE, *PROVIDERS}
    return outcome.message


async def finish(outbox: SqlRouteOutbox, message: Message, route: str, *, outcome: str) -> None:
    """Work off the message's job on `route`: "delivered", "skipped" or "dead"."""
    jobs = [
        job for job in await outbox.claim(route, 100, LEASE) if job.message_id == message.message_id
    ]
    assert len(jobs) == 1, jobs
    if outcome == "dead":
        await outbox.bury(jobs[0], "410 gone")
    else:
        ids = [jobs[0].job_id]
        await outbox.complete(
            ids if outcome == "delivered" else [], ids if outcome == "skipped" else []
        )


Described = Counter[tuple[DeliveryState, str, str, str]]


def described(steps: list[DeliveryStep]) -> Described:
    """The steps without their times (which the tests check for order only)."""
    return Counter((s.state, s.user_id, s.device_id, s.detail) for s in steps)


async def test_only_the_sender_reads_the_timeline_of_a_stored_message(
    timeline: DeliveryTimeline, message: Message, people: tuple[str, str, str]
) -> None:
    alice, bob, _ = people
    with pytest.raises(PermissionDenied, match="only the sender"):
        await timeline.of(bob, message.message_id)
    with pytest.raises(MessageNotFound):
        await timeline.of(alice, str(uuid.uuid4()))
    assert await timeline.of(alice, message.message_id) == [
        DeliveryStep(DeliveryState.PERSISTED, message.server_time)
    ], "pending route work adds no step"


async def test_deliveries_reads_and_pushes_of_other_members_are_steps_the_senders_are_not(
    timeline: DeliveryTimeline,
    receipts: SqlReceiptStore,
    message: Message,
    people: tuple[str, str, str],
) -> None:
    alice, bob, _ = people
    conversation = message.conversation_id
    await receipts.advance_delivered(
        {(conversation, bob, "phone"): 1, (conversation, alice, "laptop"): 1}
    )
    for reader in (bob, alice):
        for kind in (ReceiptKind.READ, ReceiptKind.PUSHED):
            await receipts.record(
                ReceiptAdvance(conversation, reader, "", kind, 0, 1, datetime.now(UTC))
            )

    steps = await timeline.of(alice, message.message_id)
    assert described(steps) == Counter(
        [
            (DeliveryState.PERSISTED, "", "", ""),
            (DeliveryState.DELIVERED, bob, "phone", ""),
            (DeliveryState.READ, bob, "", ""),
            (DeliveryState.PUSH_ACCEPTED, bob, "", ""),
        ]
    )
    assert steps[0].state is DeliveryState.PERSISTED
    assert [step.at for step in steps] == sorted(step.at for step in steps)


async def test_each_finished_route_job_is_a_step_of_its_kind(
    timeline: DeliveryTimeline,
    outbox: SqlRouteOutbox,
    message: Message,
    people: tuple[str, str, str],
) -> None:
    alice, _, bot = people
    await finish(outbox, message, WEBHOOK_ROUTE, outcome="delivered")
    await finish(outbox, message, "im", outcome="delivered")
    await finish(outbox, message, "sms", outcome="dead")

    steps = await timeline.of(alice, message.message_id)
    assert described(steps) == Counter(
        [
            (DeliveryState.PERSISTED, "", "", ""),
            (DeliveryState.WEBHOOK_ANSWERED, bot, "", ""),
            (DeliveryState.PROVIDER_ACCEPTED, "", "", "im"),
            (DeliveryState.FAILED, "", "", "sms: 410 gone"),
        ]
    )
    assert [step.at for step in steps] == sorted(step.at for step in steps)


async def test_skipped_route_jobs_add_no_step(
    timeline: DeliveryTimeline,
    outbox: SqlRouteOutbox,
    message: Message,
    people: tuple[str, str, str],
) -> None:
    """A provider relay skipped, say: nothing was delivered on the route."""
    for route in (WEBHOOK_ROUTE, *PROVIDERS):
        await finish(outbox, message, route, outcome="skipped")
    steps = await timeline.of(people[0], message.message_id)
    assert [step.state for step in steps] == [DeliveryState.PERSISTED]
