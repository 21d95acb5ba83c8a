"""The composition root: `build_app(settings)` builds every component through its constructor
and wires them; nothing is built at import time or looked up from a global."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
import structlog
from redis.asyncio import BlockingConnectionPool, Redis
from sqlalchemy import text

from openchat.server.auth.tokens import TokenVerifier
from openchat.server.domain.errors import Unavailable
from openchat.server.events.in_process import InProcessEventBus
from openchat.server.ports import SequenceAllocator
from openchat.server.settings import Settings
from openchat.server.storage import migrate
from openchat.server.storage.conversation_store import SqlConversationStore
from openchat.server.storage.database import Database, connect
from openchat.server.storage.message_store import SqlMessageStore
from openchat.server.storage.sequences import (
    RedisSequenceAllocator,
    TransactionalSequenceAllocator,
)
from openchat.server.transport.health import HealthMonitor, Probe
from openchat.server.transport.server import Registration, build_server
from openchat.server.transport.services.conversations import ConversationServicer
from openchat.server.transport.services.messaging import MessagingServicer
from openchat.server.transport.services.presence import PresenceServicer
from openchat.server.transport.services.sync import SyncServicer
from openchat.server.usecases.conversations import Conversations
from openchat.server.usecases.group_commit import GroupCommitWriter
from openchat.server.usecases.messaging import Messaging
from openchat.server.usecases.sync import Synchronization
from openchat.v1 import (
    conversation_service_pb2,
    conversation_service_pb2_grpc,
    messaging_service_pb2,
    messaging_service_pb2_grpc,
    presence_service_pb2,
    presence_service_pb2_grpc,
    sync_service_pb2,
    sync_service_pb2_grpc,
)

_log = structlog.get_logger(__name__)

MAX_SYNC_CONVERSATIONS = 500


class SettingsConflict(ValueError):
    """Settings that are valid alone but not together."""


@dataclass
class App:
    """A built server: start() serves, stop() drains and releases everything."""

    settings: Settings
    database: Database
    redis: Redis | None
    events: InProcessEventBus
    writer: GroupCommitWriter
    server: grpc.aio.Server
    health: HealthMonitor
    port: int = 0

    async def start(self) -> int:
        """Serve on the configured address; returns the bound port (useful with port 0)."""
        self.writer.start()
        self.port = self.server.add_insecure_port(self.settings.server.listen)
        await self.server.start()
        await self.health.start()
        _log.info("serving", listen=self.settings.server.listen, port=self.port)
        return self.port

    async def stop(self, grace: float | None = None) -> None:
        """Stop taking calls, let in-flight ones (and their queued sends) finish within `grace`
        seconds, then release the database and Redis."""
        grace = self.settings.server.shutdown_grace if grace is None else grace
        _log.info("draining", grace_seconds=grace)
        await self.health.drain()
        await self.server.stop(grace)
        await self.writer.stop(grace)
        await self.health.stop()
        await self.events.close()
        await self.database.dispose()
        if self.redis is not None:
            await self.redis.aclose()
        _log.info("stopped")


async def build_app(settings: Settings) -> App:
    """Build the server for `settings`, migrating the database first when configured to."""
    if settings.auth.jwt_secret is None:
        raise SettingsConflict(
            "OPENCHAT_JWT_SECRET is required (at least 32 bytes); for local development, "
            "`openchat-server serve --dev` generates one"
        )
    redis = _redis(settings)
    database = connect(settings.database.url, pool_size=settings.database.pool_size)
    try:
        await _prepare_schema(settings, database)
    except BaseException:
        await database.dispose()
        raise
    allocator = _sequence_allocator(settings, redis)
    conversation_store = SqlConversationStore(
        database, max_members=settings.limits.max_group_members
    )
    message_store = SqlMessageStore(database, allocator)
    events = InProcessEventBus()
    writer = GroupCommitWriter(
        message_store,
        events,
        max_batch=settings.database.max_batch,
        max_in_flight=settings.database.max_in_flight or (1 if settings.database.is_sqlite else 4),
        commit_timeout=settings.database.commit_timeout,
    )
    budget = settings.limits.response_budget_bytes
    messaging = Messaging(conversation_store, message_store, writer, response_budget_bytes=budget)
    synchronization = Synchronization(
        conversation_store,
        message_store,
        max_conversations=MAX_SYNC_CONVERSATIONS,
        response_budget_bytes=budget,
    )
    registrations = [
        Registration(
            MessagingServicer(messaging, settings.limits),
            messaging_service_pb2_grpc.add_MessagingServiceServicer_to_server,
            messaging_service_pb2.DESCRIPTOR.services_by_name["MessagingService"].full_name,
        ),
        Registration(
            SyncServicer(synchronization),
            sync_service_pb2_grpc.add_SyncServiceServicer_to_server,
            sync_service_pb2.DESCRIPTOR.services_by_name["SyncService"].full_name,
        ),
        Registration(
            ConversationServicer(Conversations(conversation_store)),
            conversation_service_pb2_grpc.add_ConversationServiceServicer_to_server,
            conversation_service_pb2.DESCRIPTOR.services_by_name["ConversationService"].full_name,
        ),
        Registration(
            PresenceServicer(),
            presence_service_pb2_grpc.add_PresenceServiceServicer_to_server,
            presence_service_pb2.DESCRIPTOR.services_by_name["PresenceService"].full_name,
        ),
    ]
    verifier = TokenVerifier(settings.auth.jwt_secret.get_secret_value())
    server, health_servicer = build_server(registrations, verifier)
    probes: dict[str, Probe] = {"database": _database_probe(database)}
    if redis is not None:
        probes["redis"] = _redis_probe(redis)
    health = HealthMonitor(
        health_servicer,
        [registration.service_name for registration in registrations],
        probes,
        interval=settings.server.health_interval,
    )
    return App(settings, database, redis, events, writer, server, health)


async def _prepare_schema(settings: Settings, database: Database) -> None:
    if settings.database.auto_migrate:
        await migrate.upgrade(database)
        return
    missing = await migrate.pending(database)
    if missing:
        raise Unavailable(
            f"the database schema lacks migrations {missing}: run `openchat-server migrate`"
        )


def _redis(settings: Settings) -> Redis | None:
    if settings.redis.url is None:
        if settings.redis.sequence_allocator == "redis":
            raise SettingsConflict("OPENCHAT_SEQUENCE_ALLOCATOR=redis needs OPENCHAT_REDIS_URL")
        return None
    # A blocking pool waits for a free connection under load instead of failing the call.
    pool = BlockingConnectionPool.from_url(
        settings.redis.url.get_secret_value(), max_connections=64, timeout=5
    )
    return Redis(connection_pool=pool)


def _sequence_allocator(settings: Settings, redis: Redis | None) -> SequenceAllocator:
    if settings.redis.sequence_allocator == "redis" and redis is not None:
        return RedisSequenceAllocator(redis)
    return TransactionalSequenceAllocator()


def _database_probe(database: Database) -> Probe:
    async def probe() -> None:
        async with database.reader.connect() as connection:
            await connection.execute(text("SELECT 1"))

    return probe


def _redis_probe(redis: Redis) -> Probe:
    async def probe() -> None:
        await redis.ping()

    return probe
