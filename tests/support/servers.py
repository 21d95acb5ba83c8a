"""Running real OpenChat servers in this test process (processes.py runs them as children)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import grpc
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import select

from openchat.server.app import build_app
from openchat.server.auth.tokens import issue_token
from openchat.server.domain.delivery import RouteJobRecord, RouteJobStatus
from openchat.server.routing.providers import IMProvider
from openchat.server.runtime import App
from openchat.server.settings import Settings
from openchat.server.storage.route_outbox import SqlRouteOutbox
from openchat.server.storage.tables import conversations
from tests.support.settings import TEST_SECRET
from tests.support.waiting import until


def bearer(
    user_id: str, secret: str = TEST_SECRET, ttl_seconds: float = 3600, roles: Sequence[str] = ()
) -> tuple[tuple[str, str]]:
    """Call metadata authenticating as `user_id` (with `roles`, for example "admin")."""
    token = issue_token(secret, user_id, ttl_seconds=ttl_seconds, roles=roles)
    return (("authorization", f"Bearer {token}"),)


@dataclass
class RunningServer:
    """A started server and a channel to it."""

    app: App
    target: str
    channel: grpc.aio.Channel
    stopped: bool = False

    async def routes_finished(self, message_id: str) -> list[RouteJobRecord]:
        """Wait until the message has route jobs and every one has finished (delivered,
        skipped or dead); returns them."""
        outbox = SqlRouteOutbox(self.app.database)

        async def finished() -> list[RouteJobRecord]:
            jobs = await outbox.for_message(message_id)
            return jobs if all(job.status is not RouteJobStatus.PENDING for job in jobs) else []

        return await until(finished)

    async def push_settled(self, conversation_id: str) -> None:
        """Wait until the push sweeper has decided about every message of the conversation."""

        async def settled() -> bool:
            async with self.app.database.reader.connect() as connection:
                head, pushed = (
                    await connection.execute(
                        select(conversations.c.last_seq, conversations.c.push_seq).where(
                            conversations.c.conversation_id == conversation_id
                        )
                    )
                ).one()
            return bool(pushed >= head)

        await until(settled, what="push settled")

    async def stop(self, grace: float = 1.0) -> None:
        """Stop the server (once; start_app's exit then does nothing more)."""
        if self.stopped:
            return
        self.stopped = True
        await self.channel.close(grace=None)
        await self.app.stop(grace=grace)


@contextlib.asynccontextmanager
async def start_app(
    settings: Settings,
    *,
    im_providers: Sequence[IMProvider] | None = None,
    tracer_provider: TracerProvider | None = None,
) -> AsyncIterator[RunningServer]:
    """Build and start a server in this event loop (relaying to `im_providers` when given,
    tracing into `tracer_provider` when given); stop it on exit."""
    options = {} if im_providers is None else {"im_providers": im_providers}
    app = await build_app(settings, tracer_provider=tracer_provider, **options)
    port = await app.start()
    target = f"127.0.0.1:{port}"
    channel = grpc.aio.insecure_channel(target)
    running = RunningServer(app, target, channel)
    try:
        yield running
    finally:
        await running.stop()
