"""The composition root: `build_app(settings)` builds every component through its constructor
and wires them; nothing is built at import time or looked up from a global. Policy lives with
the parts: validation in settings.py, cache invalidation in the caches, tuning constants with
their owners, service registration in transport/server.py."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import grpc
import structlog
from opentelemetry.sdk.trace import TracerProvider
from redis.asyncio import BlockingConnectionPool, Redis

from openchat.server.auth.jwks import JwksKeys, jwks_fetcher
from openchat.server.auth.tokens import TokenVerifier
from openchat.server.background.outbox_gauges import OutboxGauges
from openchat.server.background.periodic import PeriodicTask
from openchat.server.background.receipt_flush import receipt_flush
from openchat.server.background.retention import Retention
from openchat.server.directory.bots import BotCache
from openchat.server.directory.members import MembershipCache
from openchat.server.domain.frames import ReconnectRequest
from openchat.server.domain.ids import new_id
from openchat.server.domain.lifecycle import ChangeRules
from openchat.server.domain.model import WEBHOOK_ROUTE
from openchat.server.events.cluster import ClusterCodec
from openchat.server.events.in_process import InProcessEventBus
from openchat.server.events.redis_bus import RedisEventBus
from openchat.server.observability.garbage_collector import PauseObserver
from openchat.server.observability.http import MetricsServer
from openchat.server.observability.metrics import Metrics
from openchat.server.observability.tracing import SendTracing
from openchat.server.ports import PresenceRegistry
from openchat.server.presence.in_process import InProcessPresenceRegistry
from openchat.server.presence.redis import RedisPresenceRegistry
from openchat.server.routing.http import HttpClient
from openchat.server.routing.outbox_route import OutboxRoute
from openchat.server.routing.planner import DurableRoutePlanner
from openchat.server.routing.providers import (
    BuiltinProvider,
    IMProvider,
    ProviderDeliverer,
    provider_route,
)
from openchat.server.routing.push import push_provider
from openchat.server.routing.push_sweep import PushSweeper
from openchat.server.routing.router import MessageRouter, Route
from openchat.server.routing.stream_route import StreamDeliveryRoute
from openchat.server.routing.webhook import WebhookDeliverer
from openchat.server.routing.worker import Deliverer, RouteWorker
from openchat.server.sessions.hub import SessionHub
from openchat.server.settings import AuthSettings, Settings
from openchat.server.startup import listening
from openchat.server.storage import migrate
from openchat.server.storage.bot_store import SqlBotStore
from openchat.server.storage.conversation_store import SqlConversationStore
from openchat.server.storage.database import Database, connect, observe_statements
from openchat.server.storage.group_commit import GroupCommitWriter
from openchat.server.storage.message_store import SqlMessageStore
from openchat.server.storage.push_ledger import SqlPushLedger
from openchat.server.storage.receipt_store import SqlReceiptStore
from openchat.server.storage.route_outbox import SqlRouteOutbox
from openchat.server.storage.sequences import (
    RedisSequenceAllocator,
    SequenceAllocator,
    TransactionalSequenceAllocator,
)
from openchat.server.transport.converters import webhook_event_json
from openchat.server.transport.health import HealthMonitor
from openchat.server.transport.interceptors import CallGate
from openchat.server.transport.server import (
    MAX_RECEIVE_MESSAGE_BYTES,
    UseCases,
    build_server,
    registrations,
)
from openchat.server.transport.services.sending import MessageSender
from openchat.server.transport.tls import server_credentials
from openchat.server.transport.web import WebListener, build_web_app
from openchat.server.usecases.bots import Bots
from openchat.server.usecases.changes import MessageChanges
from openchat.server.usecases.conversations import Conversations
from openchat.server.usecases.dead_letters import DeadLetters
from openchat.server.usecases.messaging import Messaging
from openchat.server.usecases.receipts import Receipts
from openchat.server.usecases.sync import Synchronization
from openchat.server.usecases.timeline import DeliveryTimeline

_log = structlog.get_logger(__name__)


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
    # Counts the calls in flight; closed on stop, so that new calls are answered UNAVAILABLE.
    gate: CallGate
    # TLS for the listener; None serves plaintext.
    credentials: grpc.ServerCredentials | None
    health: HealthMonitor
    metrics: Metrics
    metrics_server: MetricsServer | None
    gc_pauses: PauseObserver
    # Receipt flushes, outbox gauges and retention.
    timers: list[PeriodicTask]
    # Connect and gRPC-Web for browsers (OPENCHAT_WEB_LISTEN); None when off.
    web: WebListener | None = None
    port: int = 0
    web_port: int = 0

    async def start(self) -> int:
        """Serve on the configured address; returns the bound port (useful with port 0)."""
        # Both addresses first: one that is taken stops the start before anything runs.
        server = self.settings.server
        listen = server.listen
        with listening("OPENCHAT_LISTEN", listen):
            self.port = (
                self.server.add_secure_port(listen, self.credentials)
                if self.credentials is not None
                else self.server.add_insecure_port(listen)
            )
        if self.metrics_server is not None:
            with listening("OPENCHAT_METRICS_LISTEN", server.metrics_listen):
                metrics_port = await self.metrics_server.start()
            _log.info("metrics_serving", port=metrics_port)
        await self.cluster.start()
        await self.http.start()
        self.writer.start()
        for worker in self.workers:
            worker.start()
        self.router.start()
        self.hub.start()
        for timer in self.timers:
            timer.start()
        self.gc_pauses.start()
        await self.server.start()
        await self.health.start()
        _log.info("serving", listen=listen, port=self.port, tls=self.credentials is not None)
        if self.web is not None:
            self.web_port = await self.web.start()
            _log.info("web_serving", listen=self.settings.server.web_listen, port=self.web_port)
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
        if self.web is not None:
            await self.web.stop()
        await self.writer.stop(grace)
        self.router.stop()
        for timer in self.timers:
            await timer.stop()
        await self.receipts.flush()  # the acks of the last round
        for worker in self.workers:
            await worker.stop(grace)
        self.gc_pauses.stop()
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
    settings: Settings,
    *,
    im_providers: Sequence[IMProvider] = (BuiltinProvider(),),
    tracer_provider: TracerProvider | None = None,
) -> App:
    """Build the server for `settings`, migrating the database first when configured to.
    `im_providers` are the IM providers messages are relayed to (OpenChat's own by default);
    `tracer_provider`, when given, records the traces of RPCs and sends (tracing.py)."""
    verifier = _token_verifier(settings.auth)
    credentials = server_credentials(settings.tls)
    metrics = Metrics()
    redis = _redis(settings)
    database = connect(settings.database.url, pool_size=settings.database.pool_size)
    observe_statements(
        database, lambda kind, s: metrics.database_query_duration.labels(kind).observe(s)
    )
    try:
        await migrate.prepare(database, auto_migrate=settings.database.auto_migrate)
    except BaseException:
        await database.dispose()
        raise
    node_id = settings.sessions.node_id or new_id()
    events = InProcessEventBus()
    cluster = _cluster(settings, redis, metrics)
    http = HttpClient(timeout_seconds=settings.routing.attempt_timeout)
    presence = _presence_registry(settings, redis, node_id, metrics)
    metrics.track(metrics.event_bus_backlog.labels("local"), events.backlog)
    metrics.track(metrics.event_bus_backlog.labels("cluster"), cluster.backlog)

    conversation_store = SqlConversationStore(
        database, max_members=settings.limits.max_group_members
    )
    members = MembershipCache(conversation_store)
    members.invalidate_on(cluster)
    bot_store = SqlBotStore(database)
    bots = BotCache(bot_store)
    bots.invalidate_on(cluster)
    pusher = push_provider(settings.routing, http)
    relaying = [provider for provider in im_providers if provider.relays]
    planner = DurableRoutePlanner(provider_routes=[provider_route(p) for p in relaying])
    rules = ChangeRules(
        edit_window_seconds=settings.limits.edit_window,
        recall_window_seconds=settings.limits.recall_window,
    )
    message_store = SqlMessageStore(
        database, _sequences(settings, redis, metrics), planner, rules=rules
    )
    receipt_store = SqlReceiptStore(database)
    outbox = SqlRouteOutbox(database)
    push_sweep = (
        PeriodicTask(
            "push-sweep",
            settings.routing.push_sweep_interval,
            PushSweeper(
                SqlPushLedger(database),
                message_store,
                pusher,
                presence,
                bots,
                grace=settings.routing.push_grace,
                attempt_timeout=settings.routing.attempt_timeout,
                retry_after=settings.routing.backoff_base,
                retry_cap=settings.routing.backoff_cap,
                metrics=metrics,
            ).sweep,
        )
        if pusher is not None
        else None
    )

    deliverers: dict[str, Deliverer] = {
        WEBHOOK_ROUTE: WebhookDeliverer(bot_store, http.session, webhook_event_json),
        **{provider_route(p): ProviderDeliverer(p) for p in relaying},
    }
    workers = [
        RouteWorker(route, outbox, message_store, deliverer, settings.routing, metrics=metrics)
        for route, deliverer in deliverers.items()
    ]
    routes: list[Route] = [StreamDeliveryRoute(cluster), *map(OutboxRoute, workers)]
    tracing = SendTracing(tracer_provider) if tracer_provider is not None else None
    router = MessageRouter(events, routes, metrics=metrics, tracing=tracing)

    def wake_workers() -> None:  # after dead letters are replayed
        for worker in workers:
            worker.wake()

    writer = GroupCommitWriter(
        message_store,
        events,
        max_batch=settings.database.max_batch,
        max_in_flight=settings.database.max_in_flight,
        commit_timeout=settings.database.commit_timeout,
        metrics=metrics,
        tracing=tracing,
    )
    receipts = Receipts(receipt_store, cluster, members)
    budget = settings.limits.response_budget_bytes
    messaging = Messaging(
        conversation_store, message_store, writer, receipts, response_budget_bytes=budget
    )
    hub = SessionHub(
        settings=settings.sessions,
        presence=presence,
        cluster=cluster,
        members=members,
        conversations=conversation_store,
        messages=message_store,
        metrics=metrics,
    )
    services = registrations(
        UseCases(
            messaging=messaging,
            changes=MessageChanges(conversation_store, message_store, writer),
            sender=MessageSender(messaging, settings.limits, metrics),
            timeline=DeliveryTimeline(message_store, receipt_store, outbox),
            synchronization=Synchronization(
                conversation_store, message_store, response_budget_bytes=budget
            ),
            conversations=Conversations(conversation_store, cluster),
            hub=hub,
            receipts=receipts,
            bots=Bots(bot_store, cluster),
            dead_letters=DeadLetters(outbox, wake_workers),
        ),
        settings.sessions,
        settings.limits,
    )
    gate = CallGate()
    server, health_servicer = build_server(
        services, verifier, settings.sessions, metrics, gate, tracer_provider=tracer_provider
    )
    health = HealthMonitor(
        health_servicer,
        [service.service_name for service in services],
        {"database": database.ping, **({"redis": redis.ping} if redis is not None else {})},
        interval=settings.server.health_interval,
    )
    retention = Retention(
        outbox,
        receipt_store,
        history=timedelta(days=settings.routing.history_days),
        dead_letters=timedelta(days=settings.routing.dead_letter_days),
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
        credentials=credentials,
        health=health,
        metrics=metrics,
        metrics_server=(
            MetricsServer(metrics, settings.server.metrics_listen)
            if settings.server.metrics_listen
            else None
        ),
        gc_pauses=PauseObserver(metrics.gc_pauses),
        web=(
            WebListener(
                build_web_app(
                    [
                        (service.servicer, service.service_name, service.connect_application)
                        for service in services
                    ],
                    verifier,
                    metrics,
                    gate,
                    allowed_origins=settings.server.allowed_origins,
                    read_max_bytes=MAX_RECEIVE_MESSAGE_BYTES,
                ),
                settings.server.web_listen,
                settings.tls,
            )
            if settings.server.web_listen
            else None
        ),
        timers=[
            receipt_flush(receipts),
            OutboxGauges(outbox, list(deliverers), metrics).periodically(),
            retention.periodically(),
            *([push_sweep] if push_sweep is not None else []),
        ],
    )


def _token_verifier(auth: AuthSettings) -> TokenVerifier:
    jwks = (
        JwksKeys(jwks_fetcher(auth.jwks_url), ttl=auth.jwks_ttl, min_refetch=auth.jwks_min_refetch)
        if auth.jwks_url is not None
        else None
    )
    return TokenVerifier(
        auth.secret_to_serve(), jwks=jwks, issuer=auth.issuer, audience=auth.audience
    )


def _redis(settings: Settings) -> Redis | None:
    if settings.redis.url is None:
        return None
    # A blocking pool waits for a free connection under load instead of failing the call.
    pool = BlockingConnectionPool.from_url(
        settings.redis.url.get_secret_value(), max_connections=64, timeout=5
    )
    return Redis(connection_pool=pool)


def _cluster(
    settings: Settings, redis: Redis | None, metrics: Metrics
) -> InProcessEventBus | RedisEventBus:
    if redis is None:
        return InProcessEventBus()
    prefix = f"{settings.redis.key_prefix}bus:"
    return RedisEventBus(redis, ClusterCodec(), channel_prefix=prefix, metrics=metrics)


def _sequences(settings: Settings, redis: Redis | None, metrics: Metrics) -> SequenceAllocator:
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
