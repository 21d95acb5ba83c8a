"""The composition root: `build_app(settings)` builds every component through its constructor
and wires them; nothing is built at import time or looked up from a global. Policy lives with
the parts: validation in settings.py, cache invalidation in the caches, tuning constants with
their owners, service registration in transport/server.py, the choice of each part's
implementation in implementations.py, and starting and draining in runtime.py's App."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import Histogram

from openchat.server.background.outbox_gauges import OutboxGauges
from openchat.server.background.receipt_flush import receipt_flush
from openchat.server.background.retention import Retention
from openchat.server.directory.bots import BotCache
from openchat.server.directory.user_conversations import UserConversationsCache
from openchat.server.domain.delivery import WEBHOOK_ROUTE
from openchat.server.domain.ids import new_id
from openchat.server.domain.lifecycle import ChangeRules
from openchat.server.events.in_process import InProcessEventBus
from openchat.server.implementations import (
    cluster_bus,
    member_lists,
    presence_registry,
    published_gauges,
    push_sweep_task,
    quotas_for,
    redis_client,
    sequence_allocator,
    token_verifier,
    web_listener,
)
from openchat.server.observability.event_loop import LoopLagMonitor
from openchat.server.observability.garbage_collector import (
    FreezePolicy,
    FreezingTask,
    PauseObserver,
    SweepTask,
)
from openchat.server.observability.http import MetricsServer
from openchat.server.observability.metrics import Metrics, series_by_label
from openchat.server.observability.tracing import SendTracing
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
from openchat.server.routing.router import MessageRouter, Route
from openchat.server.routing.stream_route import StreamDeliveryRoute
from openchat.server.routing.webhook import WebhookDeliverer
from openchat.server.routing.worker import Deliverer, RouteWorker
from openchat.server.runtime import App
from openchat.server.sessions.hub import SessionHub
from openchat.server.settings import Settings
from openchat.server.storage import migrate
from openchat.server.storage.bot_store import SqlBotStore
from openchat.server.storage.conversation_store import SqlConversationStore
from openchat.server.storage.database import connect, observe_statements
from openchat.server.storage.group_commit import GroupCommitWriter
from openchat.server.storage.message_store import SqlMessageStore
from openchat.server.storage.push_ledger import SqlPushLedger
from openchat.server.storage.receipt_store import SqlReceiptStore
from openchat.server.storage.route_outbox import SqlRouteOutbox
from openchat.server.transport.converters import webhook_event_json
from openchat.server.transport.health import HealthMonitor
from openchat.server.transport.interceptors import CallGate
from openchat.server.transport.server import (
    UseCases,
    build_server,
    registrations,
)
from openchat.server.transport.services.sending import MessageSender
from openchat.server.transport.tls import server_credentials
from openchat.server.usecases.bots import Bots
from openchat.server.usecases.changes import MessageChanges
from openchat.server.usecases.conversations import Conversations
from openchat.server.usecases.dead_letters import DeadLetters
from openchat.server.usecases.messaging import Messaging
from openchat.server.usecases.receipts import Receipts
from openchat.server.usecases.sync import Synchronization
from openchat.server.usecases.timeline import DeliveryTimeline


async def build_app(
    settings: Settings,
    *,
    im_providers: Sequence[IMProvider] = (BuiltinProvider(),),
    tracer_provider: TracerProvider | None = None,
) -> App:
    """Build the server for `settings`, migrating the database first when configured to.
    `im_providers` are the IM providers messages are relayed to (OpenChat's own by default);
    `tracer_provider`, when given, records the traces of RPCs and sends (tracing.py)."""
    verifier = token_verifier(settings.auth)
    credentials = server_credentials(settings.tls)
    metrics = Metrics()
    redis = redis_client(settings)
    database = connect(settings.database.url, pool_size=settings.database.pool_size)
    observe_statements(database, _observer_by_label(metrics.database_query_duration))
    try:
        await migrate.prepare(database, auto_migrate=settings.database.auto_migrate)
    except BaseException:
        await database.dispose()
        raise
    node_id = settings.sessions.node_id or new_id()
    events = InProcessEventBus()
    cluster = cluster_bus(settings, redis, metrics)
    http = HttpClient(timeout_seconds=settings.routing.attempt_timeout)
    presence = presence_registry(settings, redis, node_id, metrics)
    metrics.track(metrics.event_bus_backlog.labels("local"), events.backlog)
    metrics.track(metrics.event_bus_backlog.labels("cluster"), cluster.backlog)

    conversation_store = SqlConversationStore(
        database,
        max_members=settings.limits.max_group_members,
        max_conversations_per_user=settings.limits.max_conversations_per_user,
    )
    quotas = quotas_for(settings, redis, metrics)
    members = member_lists(conversation_store, redis)
    members.invalidate_on(cluster)
    bot_store = SqlBotStore(database)
    bots = BotCache(bot_store)
    bots.invalidate_on(cluster)
    pusher = push_provider(settings.routing, http)
    relaying = [provider for provider in im_providers if provider.relays]
    planner = DurableRoutePlanner(provider_routes=[provider_route(p) for p in relaying])
    message_store = SqlMessageStore(
        database,
        sequence_allocator(settings, redis, metrics),
        planner,
        rules=ChangeRules(
            edit_window_seconds=settings.limits.edit_window,
            recall_window_seconds=settings.limits.recall_window,
        ),
    )
    receipt_store = SqlReceiptStore(database)
    outbox = SqlRouteOutbox(database)
    push_sweep = push_sweep_task(
        settings, SqlPushLedger(database), message_store, pusher, presence, bots, metrics
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
        conversation_store, message_store, writer, receipts, quotas, response_budget_bytes=budget
    )
    hub = SessionHub(
        settings=settings.sessions,
        presence=presence,
        cluster=cluster,
        members=members,
        conversations=conversation_store,
        messages=message_store,
        max_sessions_per_user=settings.limits.max_sessions_per_user,
        metrics=metrics,
        # The admission reads the lag the App's monitor measures.
        loop_lag=(loop_lag := LoopLagMonitor(metrics.event_loop_lag)).lag,
    )
    services = registrations(
        UseCases(
            messaging=messaging,
            changes=MessageChanges(conversation_store, message_store, writer, cluster),
            sender=MessageSender(messaging, settings.limits, metrics),
            timeline=DeliveryTimeline(message_store, receipt_store, outbox),
            synchronization=Synchronization(
                conversation_store, message_store, response_budget_bytes=budget
            ),
            conversations=Conversations(conversation_store, cluster, quotas),
            hub=hub,
            receipts=receipts,
            user_conversations=UserConversationsCache(conversation_store),
            bots=Bots(bot_store, cluster),
            dead_letters=DeadLetters(outbox, wake_workers),
        ),
        settings.sessions,
        settings.limits,
        metrics,
    )
    gate = CallGate()
    server, health_servicer = build_server(
        services,
        verifier,
        settings.sessions,
        metrics,
        gate,
        share_port=settings.server.share_port,
        tracer_provider=tracer_provider,
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
            MetricsServer(metrics.registry, settings.server.metrics_listen)
            if settings.server.metrics_listen
            else None
        ),
        gc_pauses=PauseObserver(metrics.gc_pauses),
        loop_lag=loop_lag,
        web=web_listener(settings, services, verifier, metrics, gate),
        timers=[
            receipt_flush(receipts),
            OutboxGauges(outbox, list(deliverers), metrics).periodically(),
            retention.periodically(),
            *published_gauges(metrics),
            *([push_sweep] if push_sweep is not None else []),
            FreezingTask(FreezePolicy(), hub.session_counts),
            SweepTask(lambda: hub.session_counts()[0]),
        ],
    )


def _observer_by_label(histogram: Histogram) -> Callable[[str, float], None]:
    """observe(label, value) into the histogram's series of that label (on every SQL
    statement)."""
    series = series_by_label(histogram)
    return lambda label, value: series(label).observe(value)
