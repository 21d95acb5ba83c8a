"""Calls while PostgreSQL restarts: every failure a restart causes is UNAVAILABLE with an
ErrorInfo reason (clients retry it), never INTERNAL, and none is logged as an unhandled error.

A throwaway PostgreSQL of the test's own is stopped (fast: sessions get an administrator
shutdown; immediate: a crash) and started again while clients keep calling.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import pytest
from structlog.testing import capture_logs

from tests.support.api import Api
from tests.support.postgres_server import ThrowawayPostgres, throwaway_postgres
from tests.support.servers import start_app
from tests.support.settings import settings_for
from tests.support.status import error_info

pytestmark = pytest.mark.slow

RETRYABLE_REASONS = {"SERVICE_UNAVAILABLE", "PERSISTENCE_UNAVAILABLE"}
CALLERS = 4


class Outcomes:
    """Status codes (and ErrorInfo reasons) of the calls made, and a count of successes."""

    def __init__(self) -> None:
        self.codes: collections.Counter[str] = collections.Counter()
        self.unexpected: list[str] = []
        self.succeeded = asyncio.Event()

    async def call(self, name: str, call: Callable[[], Awaitable[Any]]) -> None:
        try:
            await call()
        except grpc.aio.AioRpcError as error:
            code = error.code()
            reason = error_info(error).reason
            self.codes[f"{code.name}/{reason}"] += 1
            if code != grpc.StatusCode.UNAVAILABLE or reason not in RETRYABLE_REASONS:
                self.unexpected.append(f"{name}: {code.name} {reason} {error.details()}")
        else:
            self.codes["OK"] += 1
            self.succeeded.set()


@pytest.mark.parametrize("mode", ["fast", "immediate"])
async def test_calls_during_a_database_restart_are_unavailable_never_internal(
    mode: str, user_ids: Any
) -> None:
    async with throwaway_postgres() as postgres:
        settings = settings_for(postgres.url, database={"commit_timeout": 5.0})
        async with start_app(settings) as server:
            api = Api(server.channel)
            alice, bob = next(user_ids), next(user_ids)
            group = await api.create_group(alice, [bob])
            await api.send(alice, group.conversation_id, "before the restart")
            conversation = group.conversation_id
            calls: dict[str, Callable[[], Awaitable[Any]]] = {
                "ListMessages": lambda: api.list_messages(bob, conversation),
                "Sync": lambda: api.sync(bob, {}),
                "GetConversation": lambda: api.get_conversation(bob, conversation),
                "MarkRead": lambda: api.mark_read(bob, conversation, 1),
                "SendMessage": lambda: api.send(alice, conversation, "during the restart"),
            }
            outcomes = Outcomes()

            async def caller() -> None:
                while True:
                    for name, call in calls.items():
                        await outcomes.call(name, call)

            with capture_logs() as logs:
                callers = [asyncio.create_task(caller()) for _ in range(CALLERS)]
                try:
                    await outcomes.succeeded.wait()
                    await _restart(postgres, mode)
                    # Until calls succeed again on the restarted server.
                    outcomes.succeeded.clear()
                    await asyncio.wait_for(outcomes.succeeded.wait(), timeout=30)
                finally:
                    for task in callers:
                        task.cancel()
                    await asyncio.gather(*callers, return_exceptions=True)

    assert not outcomes.unexpected, (outcomes.codes, outcomes.unexpected[:5])
    assert outcomes.codes["OK"] > 0
    errors = [entry for entry in logs if entry["log_level"] in ("error", "critical")]
    assert not errors, errors[:3]
    overlapping = [entry for entry in logs if "another operation is in progress" in repr(entry)]
    assert not overlapping, overlapping[:3]


async def _restart(postgres: ThrowawayPostgres, mode: str) -> None:
    await postgres.stop(mode)
    await postgres.start()
