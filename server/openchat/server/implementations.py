"""Which implementation of each part the settings select (in-process or Redis, HS256 or an
identity provider's JWKS, push on or off, the web listener on or off), for the composition root
(app.py) to wire."""

from __future__ import annotations

import math
from collections.abc import Sequence

from redis.asyncio import BlockingConnectionPool, Redis

from openchat.server.auth.jwks import JwksKeys, jwks_fetcher
from openchat.server.auth.tokens import TokenVerifier
from openchat.server.background.periodic import PeriodicTask
from openchat.server.directory.members import TTL_SECONDS as MEMBER_LIST_TTL_SECONDS
from openchat.server.directory.members import MembershipCache
from openchat.server.events.cluster import ClusterCodec
from openchat.server.events.in_process import InProcessEventBus
from openchat.server.events.redis_bus import RedisEventBus
from openchat.server.limits.redis import RedisRateLimiter
from openchat.server.limits.token_bucket import InProcessRateLimiter
from openchat.server.observability.metrics import MULTIPROCESS, Metrics
from openchat.server.ports import (
    BotDirectory,
    ConversationStore,
    MessageStore,
    PresenceRegistry,
    PushLedger,
    RateLimiter,
)
from openchat.server.presence.in_process import InProcessPresenceRegistry
from openchat.server.presence.redis import RedisPresenceRegistry
from openchat.server.routing.push import PushProvider
from openchat.server.routing.push_sweep import PushSweeper
from openchat.server.settings import AuthSettings, Settings
from openchat.server.storage.sequences import (
    RedisSequenceAllocator,
    SequenceAllocator,
    TransactionalSequenceAllocator,
)
from openchat.server.transport.interceptors import CallGate
from openchat.server.transport.server import MAX_RECEIVE_MESSAGE_BYTES, Registration
from openchat.server.transport.web import WebListener, build_web_app
from openchat.server.usecases.quotas import Quotas


def published_gauges(metrics: Metrics) -> list[PeriodicTask]:
    """In a supervised worker, the gauges read at scrape time are written once a second."""
    if not MULTIPROCESS:
        return []

    async def publish() -> None:
        metrics.publish_tracked()

    return [PeriodicTask("publish_gauges", 1.0, publish, immediately=True)]


def token_verifier(auth: AuthSettings) -> TokenVerifier:
    jwks = (
        JwksKeys(jwks_fetcher(auth.jwks_url), ttl=auth.jwks_ttl, min_refetch=auth.jwks_min_refetch)
        if auth.jwks_url is not None
        else None
    )
    return TokenVerifier(
        auth.secret_to_serve(), jwks=jwks, issuer=auth.issuer, audience=auth.audience
    )


def redis_client(settings: Settings) -> Redis | None:
    if settings.redis.url is None:
        return None
    # A blocking pool waits for a free connection under load instead of failing the call.
    pool = BlockingConnectionPool.from_url(
        settings.redis.url.get_secret_value(), max_connections=64, timeout=5
    )
    return Redis(connection_pool=pool)


def cluster_bus(
    settings: Settings, redis: Redis | None, metrics: Metrics
) -> InProcessEventBus | RedisEventBus:
    if redis is None:
        return InProcessEventBus()
    prefix = f"{settings.redis.key_prefix}bus:"
    return RedisEventBus(redis, ClusterCodec(), channel_prefix=prefix, metrics=metrics)


def member_lists(store: ConversationStore, redis: Redis | None) -> MembershipCache:
    """Cached member lists. One node's in-process bus cannot lose an invalidation, so there the
    lists need no expiry (with one, every message of a conversation quiet for longer reloaded
    its members); between nodes a publisher may lose one unnoticed, which the expiry bounds."""
    return MembershipCache(
        store, ttl_seconds=math.inf if redis is None else MEMBER_LIST_TTL_SECONDS
    )


def sequence_allocator(
    settings: Settings, redis: Redis | None, metrics: Metrics
) -> SequenceAllocator:
    if settings.redis.sequence_allocator == "redis" and redis is not None:
        return RedisSequenceAllocator(
            redis, key_prefix=f"{settings.redis.key_prefix}seq:", metrics=metrics
        )
    return TransactionalSequenceAllocator()


def quotas_for(settings: Settings, redis: Redis | None, metrics: Metrics) -> Quotas:
    limiter: RateLimiter = (
        InProcessRateLimiter()
        if redis is None
        else RedisRateLimiter(redis, key_prefix=settings.redis.key_prefix, metrics=metrics)
    )
    limits = settings.limits
    return Quotas(
        limiter,
        send_rate=limits.send_rate,
        send_burst=limits.send_burst,
        groups_per_hour=limits.groups_per_hour,
    )


def presence_registry(
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


def push_sweep_task(  # noqa: PLR0917 - each is a different port the sweeper needs
    settings: Settings,
    ledger: PushLedger,
    messages: MessageStore,
    pusher: PushProvider | None,
    presence: PresenceRegistry,
    bots: BotDirectory,
    metrics: Metrics,
) -> PeriodicTask | None:
    """The push sweeper's timer, when push notifications are on."""
    if pusher is None:
        return None
    routing = settings.routing
    sweeper = PushSweeper(
        ledger,
        messages,
        pusher,
        presence,
        bots,
        grace=routing.push_grace,
        attempt_timeout=routing.attempt_timeout,
        retry_after=routing.backoff_base,
        retry_cap=routing.backoff_cap,
        metrics=metrics,
    )
    return PeriodicTask("push-sweep", routing.push_sweep_interval, sweeper.sweep)


def web_listener(
    settings: Settings,
    services: Sequence[Registration],
    verifier: TokenVerifier,
    metrics: Metrics,
    gate: CallGate,
) -> WebListener | None:
    """Connect and gRPC-Web for browsers on OPENCHAT_WEB_LISTEN, when it is set."""
    if not settings.server.web_listen:
        return None
    application = build_web_app(
        [
            (service.servicer, service.service_name, service.connect_application)
            for service in services
        ],
        verifier,
        metrics,
        gate,
        allowed_origins=settings.server.allowed_origins,
        read_max_bytes=MAX_RECEIVE_MESSAGE_BYTES,
    )
    return WebListener(application, settings.server.web_listen, settings.tls)
