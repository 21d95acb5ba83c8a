"""The composition root: `build_app(settings)` builds every component through its constructor
and wires them; nothing is built at import time or looked up from a global."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from types import ModuleType
from typing import Any

import grpc
import structlog
from redis.asyncio import BlockingConnectionPool, Redis
from sqlalchemy import text

from openchat.server.auth.tokens import TokenVerifier
from openchat.server.domain.errors import Unavailable
from openchat.server.domain.events import (
    BOTS_CHANGED,
    MEMBERSHIP_CHANGED,
    BotsChanged,
    MembershipChanged,
)
from openchat.server.domain.ids import new_id
from openchat.server.events.cluster import ClusterCodec
from openchat.server.events.in_process import InProcessEventBus
from openchat.server.events.redis_bus import RedisEventBus
from openchat.server.observability.garbage_collector import PauseObserver
from openchat.server.observability.http import MetricsServer
from openchat.server.observability.metrics import Metrics
from openchat.server.observability.outbox_gauges import OutboxGauges
from openchat.server.ports import EventBus, PresenceRegistry, SequenceAllocator
from openchat.server.presence.in_process import InProcessPresenceRegistry
from openchat.server.presence.redis import RedisPresenceRegistry
from openchat.server.routing.backoff import Backoff
from openchat.server.routing.bots import BotDirectory
from openchat.server.routing.http import HttpClient
from openchat.server.routing.outbox_route import OutboxRoute
from openchat.server.routing.planner import PUSH_ROUTE, WEBHOOK_ROUTE, DurableRoutePlanner
from openchat.server.routing.providers import (
    BuiltinProvider,
    IMProvider,
    ProviderDeliverer,
    provider_route,
)
from openchat.server.routing.push import (
    HttpPushGateway,
    LoggingPushProvider,
    PushDeliverer,
    PushProvider,
)
from openchat.server.routing.router import MessageRouter, Route
from openchat.server.routing.stream_route import StreamDeliveryRoute
from openchat.server.routing.webhook import WebhookDeliverer
from openchat.server.routing.worker import Deliverer, RouteWorker
from openchat.server.sessions.frames import ReconnectRequest
from openchat.server.sessions.hub import SessionHub
from openchat.server.settings import Settings
from openchat.server.storage import migrate
from openchat.server.storage.bot_store import SqlBotStore
from openchat.server.storage.conversation_store import SqlConversationStore
from openchat.server.storage.database import Database, connect, observe_statements
from openchat.server.storage.message_store import SqlMessageStore
from openchat.server.storage.receipt_store import SqlReceiptStore
from openchat.server.storage.route_outbox import SqlRouteOutbox
from openchat.server.storage.sequences import (
    RedisSequenceAllocator,
    TransactionalSequenceAllocator,
)
from openchat.server.transport.health import HealthMonitor, Probe
from openchat.server.transport.interceptors import CallGate
from openchat.server.transport.server import Registration, build_server
from openchat.server.transport.services.admin import AdminServicer
from openchat.server.transport.services.bots import BotServicer
from openchat.server.transport.services.conversations import ConversationServicer
from openchat.server.transport.services.messaging import MessagingServicer
from openchat.server.transport.services.presence import PresenceServicer
from openchat.server.transport.services.sending import MessageSender
from openchat.server.transport.services.sync import SyncServicer
from openchat.server.usecases.bots import Bots
from openchat.server.usecases.conversations import Conversations
from openchat.server.usecases.dead_letters import DeadLetters
from openchat.server.usecases.group_commit import GroupCommitWriter
from openchat.server.usecases.membership import MembershipCache
from openchat.server.usecases.messaging import Messaging
from openchat.server.usecases.receipts import Receipts
from openchat.server.usecases.retention import Retention
from openchat.server.usecases.sync import Synchronization
from openchat.server.usecases.timeline import DeliveryTimeline
from openchat.v1 import (
    admin_service_pb2,
    admin_service_pb2_grpc,
    bot_service_pb2,
    bot_service_pb2_grpc,
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
# Seconds a route may spend on one message before it counts as failed.
ROUTE_TIMEOUT_SECONDS = 10.0
# Cached member lists and bot ids expire after this long, in case an invalidation was lost.
# Membership is an authorization decision: this is the longest a removed member can keep
# receiving live on a node that missed the invalidation (docs/architecture.md).
MEMBERSHIP_TTL_SECONDS = 5.0
BOTS_TTL_SECONDS = 30.0
# Delivery acknowledgements are coalesced for this long before they are written.
RECEIPT_FLUSH_SECONDS = 0.2
# Seconds between counts of the route outbox for its gauges.
OUTBOX_GAUGE_SECONDS = 15.0
# Seconds between deletions of delivery history past its retention.
RETENTION_INTERVAL_SECONDS = 3600.0


class SettingsConflict(ValueError):
    """Settings that are valid alone but not together."""


@dataclass
class App:
    """A built server: start() serves, stop() drains and releases everything."""

    settings: Settings
    database: Database
    redis: Redis | None
    events: InProcessEventBus
    cluster: InProcessEventBus | RedisEventBus
    http: HttpClient
    writer: GroupCommitWriter
    router: MessageRouter
    workers: list[RouteWorker]
    hub: SessionHub
    receipts: Receipts
    server: grpc.aio.Server
    gate: CallGate
    health: HealthMonitor
    metrics: Metrics
    metrics_server: MetricsServer | None
    outbox_gauges: OutboxGauges
    gc_pauses: PauseObserver
    retention: Retention
    port: int = 0

    async def start(self) -> int:
        """Serve on the configured address; returns the bound port (useful with port 0)."""
        if self.metrics_server is not None:
            metrics_port = await self.metrics_server.start()
            _log.info("metrics_serving", port=metrics_port)
        await self.cluster.start()
        await self.http.start()
        self.writer.start()
        for worker in self.workers:
            worker.start()
        self.router.start()
        self.hub.start()
        self.receipts.start()
        self.outbox_gauges.start()
        self.gc_pauses.start()
        self.retention.start()
        self.port = self.server.add_insecure_port(self.settings.server.listen)
        await self.server.start()
        await self.health.start()
        _log.info("serving", listen=self.settings.server.listen, port=self.port)
        return self.port

    async def stop(self, grace: float | None = None) -> None:
        """Tell clients to reconnect elsewhere, let in-flight calls (and their queued sends)
        finish within `grace` seconds, then release the database and Redis."""
        grace = self.settings.server.shutdown_grace if grace is None else grace
        _log.info("draining", grace_seconds=grace)
        deadline = asyncio.get_running_loop().time() + grace

        def remaining() -> float:
            return max(0.0, deadline - asyncio.get_running_loop().time())

        await self.health.drain()
        # The server answers new calls UNAVAILABLE itself while the calls in flight finish:
        # grpc would cancel calls still waiting when it stops (CANCELLED is not retried).
        self.gate.close()
        farewell = ReconnectRequest("the server is shutting down", retry_after=1.0)
        await self.hub.stop(farewell, grace=remaining())
        await self.gate.wait_idle(remaining())
        await self.server.stop(remaining())
        await self.writer.stop(grace)
        self.router.stop()
        await self.receipts.stop()
        for worker in self.workers:
            await worker.stop(grace)
        await self.outbox_gauges.stop()
        self.gc_pauses.stop()
        await self.retention.stop()
        await self.health.stop()
        await self.events.close()
        await self.cluster.close()
        await self.http.close()
        await self.database.dispose()
        if self.redis is not None:
            await self.redis.aclose()
        if self.metrics_server is not None:
            await self.metrics_server.stop()
        _log.info("stopped")


async def build_app(
    settings: Settings, *, im_providers: Sequence[IMProvider] = (BuiltinProvider(),)
) -> App:
    """Build the server for `settings`, migrating the database first when configured to.
    `im_providers` are the IM providers messages are relayed to (OpenChat's own by default)."""
    if settings.auth.jwt_secret is None:
        raise SettingsConflict(
            "OPENCHAT_JWT_SECRET is required (at least 32 bytes); for local development, "
            "`openchat-server serve --dev` generates one"
        )
    metrics = Metrics()
    redis = _redis(settings)
    database = connect(settings.database.url, pool_size=settings.database.pool_size)
    observe_statements(
        database,
        lambda kind, seconds: metrics.database_query_duration.labels(kind).observe(seconds),
    )
    try:
        await _prepare_schema(settings, database)
    except BaseException:
        await database.dispose()
        raise
    node_id = settings.sessions.node_id or new_id()
    events = InProcessEventBus()
    prefix = settings.redis.key_prefix
    cluster = (
        RedisEventBus(redis, ClusterCodec(), channel_prefix=f"{prefix}bus:", metrics=metrics)
        if redis is not None
        else InProcessEventBus()
    )
    http = HttpClient(timeout_seconds=settings.routing.attempt_timeout)
    presence = _presence_registry(settings, redis, node_id, metrics)
    metrics.track(metrics.event_bus_backlog.labels("local"), events.backlog)
    metrics.track(metrics.event_bus_backlog.labels("cluster"), cluster.backlog)

    conversation_store = SqlConversationStore(
        database, max_members=settings.limits.max_group_members
    )
    members = MembershipCache(conversation_store, ttl_seconds=MEMBERSHIP_TTL_SECONDS)
    bot_store = SqlBotStore(database)
    bot_directory = BotDirectory(bot_store, ttl_seconds=BOTS_TTL_SECONDS)
    _invalidate_caches(cluster, members, bot_directory)
    push_provider = _push_provider(settings, http)
    relaying = [provider for provider in im_providers if provider.relays]
    planner = DurableRoutePlanner(
        push_enabled=push_provider is not None,
        provider_routes=[provider_route(provider) for provider in relaying],
    )
    message_store = SqlMessageStore(
        database, _sequence_allocator(settings, redis, metrics), planner
    )
    receipt_store = SqlReceiptStore(database)
    outbox = SqlRouteOutbox(database)

    deliverers: dict[str, Deliverer] = {
        WEBHOOK_ROUTE: WebhookDeliverer(bot_store, http.session),
        **(
            {PUSH_ROUTE: PushDeliverer(push_provider, members, presence, bot_directory)}
            if push_provider is not None
            else {}
        ),
        **{provider_route(p): ProviderDeliverer(p) for p in relaying},
    }
    workers = [
        _route_worker(
            settings,
            route=route,
            outbox=outbox,
            messages=message_store,
            deliverer=deliverer,
            metrics=metrics,
        )
        for route, deliverer in deliverers.items()
    ]
    routes: list[Route] = [StreamDeliveryRoute(cluster), *map(OutboxRoute, workers)]
    router = MessageRouter(events, routes, timeout=ROUTE_TIMEOUT_SECONDS, metrics=metrics)

    writer = GroupCommitWriter(
        message_store,
        events,
        max_batch=settings.database.max_batch,
        max_in_flight=settings.database.max_in_flight,
        commit_timeout=settings.database.commit_timeout,
        metrics=metrics,
    )
    receipts = Receipts(receipt_store, cluster, flush_interval=RECEIPT_FLUSH_SECONDS)
    budget = settings.limits.response_budget_bytes
    messaging = Messaging(
        conversation_store, message_store, writer, receipts, response_budget_bytes=budget
    )
    hub = SessionHub(
        node_id=node_id,
        settings=settings.sessions,
        presence=presence,
        cluster=cluster,
        members=members,
        conversations=conversation_store,
        messages=message_store,
        metrics=metrics,
    )
    sender = MessageSender(messaging, settings.limits, metrics)

    registrations = _services(
        settings,
        messaging=messaging,
        sender=sender,
        timeline=DeliveryTimeline(message_store, receipt_store, outbox),
        synchronization=Synchronization(
            conversation_store,
            message_store,
            max_conversations=MAX_SYNC_CONVERSATIONS,
            response_budget_bytes=budget,
        ),
        conversations=Conversations(conversation_store, cluster),
        hub=hub,
        receipts=receipts,
        bots=Bots(bot_store, cluster),
        dead_letters=DeadLetters(outbox, _waker(workers)),
    )
    verifier = TokenVerifier(settings.auth.jwt_secret.get_secret_value())
    gate = CallGate()
    server, health_servicer = build_server(
        registrations, verifier, settings.sessions, metrics, gate
    )
    probes: dict[str, Probe] = {"database": _database_probe(database)}
    if redis is not None:
        probes["redis"] = _redis_probe(redis)
    health = HealthMonitor(
        health_servicer,
        [registration.service_name for registration in registrations],
        probes,
        interval=settings.server.health_interval,
    )
    return App(
        settings=settings,
        database=database,
        redis=redis,
        events=events,
        cluster=cluster,
        http=http,
        writer=writer,
        router=router,
        workers=workers,
        hub=hub,
        receipts=receipts,
        server=server,
        gate=gate,
        health=health,
        metrics=metrics,
        metrics_server=(
            MetricsServer(metrics, settings.server.metrics_listen)
            if settings.server.metrics_listen
            else None
        ),
        outbox_gauges=OutboxGauges(
            outbox, list(deliverers), metrics, interval=OUTBOX_GAUGE_SECONDS
        ),
        gc_pauses=PauseObserver(metrics.gc_pauses),
        retention=Retention(
            outbox,
            receipt_store,
            history=timedelta(days=settings.routing.history_days),
            dead_letters=timedelta(days=settings.routing.dead_letter_days),
            interval=RETENTION_INTERVAL_SECONDS,
        ),
    )


def _services(
    settings: Settings,
    *,
    messaging: Messaging,
    sender: MessageSender,
    timeline: DeliveryTimeline,
    synchronization: Synchronization,
    conversations: Conversations,
    hub: SessionHub,
    receipts: Receipts,
    bots: Bots,
    dead_letters: DeadLetters,
) -> list[Registration]:
    """The gRPC services around the use cases."""
    return [
        _registration(
            MessagingServicer(messaging, sender, timeline),
            messaging_service_pb2_grpc.add_MessagingServiceServicer_to_server,
            messaging_service_pb2,
            "MessagingService",
        ),
        _registration(
            SyncServicer(synchronization),
            sync_service_pb2_grpc.add_SyncServiceServicer_to_server,
            sync_service_pb2,
            "SyncService",
        ),
        _registration(
            ConversationServicer(conversations),
            conversation_service_pb2_grpc.add_ConversationServiceServicer_to_server,
            conversation_service_pb2,
            "ConversationService",
        ),
        _registration(
            PresenceServicer(hub, messaging, sender, receipts, sessions=settings.sessions),
            presence_service_pb2_grpc.add_PresenceServiceServicer_to_server,
            presence_service_pb2,
            "PresenceService",
        ),
        _registration(
            BotServicer(bots),
            bot_service_pb2_grpc.add_BotServiceServicer_to_server,
            bot_service_pb2,
            "BotService",
        ),
        _registration(
            AdminServicer(dead_letters),
            admin_service_pb2_grpc.add_AdminServiceServicer_to_server,
            admin_service_pb2,
            "AdminService",
        ),
    ]


def _waker(workers: Sequence[RouteWorker]) -> Callable[[], None]:
    """Wakes every route worker (after dead letters are replayed)."""

    def wake() -> None:
        for worker in workers:
            worker.wake()

    return wake


def _registration(
    servicer: Any,
    add_to_server: Callable[[Any, grpc.aio.Server], None],
    pb2_module: ModuleType,
    service: str,
) -> Registration:
    descriptor = getattr(pb2_module, "DESCRIPTOR")  # noqa: B009 - generated modules are untyped here
    return Registration(servicer, add_to_server, descriptor.services_by_name[service].full_name)


def _invalidate_caches(cluster: EventBus, members: MembershipCache, bots: BotDirectory) -> None:
    """Drop cached member lists and bot ids when any node changes them."""

    async def on_membership(event: object) -> None:
        assert isinstance(event, MembershipChanged)
        members.invalidate(event.conversation_id)

    async def on_bots(event: object) -> None:
        assert isinstance(event, BotsChanged)
        bots.invalidate()

    cluster.subscribe(MEMBERSHIP_CHANGED, on_membership)
    cluster.subscribe(BOTS_CHANGED, on_bots)
    if isinstance(cluster, RedisEventBus):  # the only bus that can lose events
        cluster.on_resubscribe(members.invalidate_all)
        cluster.on_resubscribe(bots.invalidate)


def _route_worker(
    settings: Settings,
    *,
    route: str,
    outbox: SqlRouteOutbox,
    messages: SqlMessageStore,
    deliverer: Deliverer,
    metrics: Metrics,
) -> RouteWorker:
    routing = settings.routing
    return RouteWorker(
        route,
        outbox,
        messages,
        deliverer,
        concurrency=routing.concurrency,
        attempt_timeout=routing.attempt_timeout,
        max_attempts=routing.max_attempts,
        backoff=Backoff(routing.backoff_base, routing.backoff_cap),
        poll_interval=routing.poll_interval,
        metrics=metrics,
    )


def _push_provider(settings: Settings, http: HttpClient) -> PushProvider | None:
    routing = settings.routing
    if routing.push_provider == "http" and routing.push_gateway_url:
        return HttpPushGateway(routing.push_gateway_url, http.session)
    if routing.push_provider == "log":
        return LoggingPushProvider()
    return None


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


def _sequence_allocator(
    settings: Settings, redis: Redis | None, metrics: Metrics
) -> SequenceAllocator:
    if settings.redis.sequence_allocator == "redis" and redis is not None:
        return RedisSequenceAllocator(
            redis, key_prefix=f"{settings.redis.key_prefix}seq:", metrics=metrics
        )
    return TransactionalSequenceAllocator()


def _presence_registry(
    settings: Settings, redis: Redis | None, node_id: str, metrics: Metrics
) -> PresenceRegistry:
    if redis is None:
        return InProcessPresenceRegistry()
    return RedisPresenceRegistry(
        redis,
        node_id=node_id,
        ttl_seconds=settings.sessions.heartbeat_timeout,
        key_prefix=settings.redis.key_prefix,
        metrics=metrics,
    )


def _database_probe(database: Database) -> Probe:
    async def probe() -> None:
        async with database.reader.connect() as connection:
            await connection.execute(text("SELECT 1"))

    return probe


def _redis_probe(redis: Redis) -> Probe:
    async def probe() -> None:
        await redis.ping()

    return probe
