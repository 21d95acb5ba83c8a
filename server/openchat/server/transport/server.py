"""The grpc.aio server: the one place that chains interceptors, registers services, health and
reflection, and sets transport options."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, cast

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from opentelemetry.instrumentation.grpc import aio_server_interceptor
from opentelemetry.instrumentation.grpc.filters import any_of, health_check, negate, service_prefix
from opentelemetry.sdk.trace import TracerProvider

from openchat.server.auth.tokens import TokenVerifier
from openchat.server.observability.metrics import Metrics
from openchat.server.ports import UserConversations
from openchat.server.sessions.hub import SessionHub
from openchat.server.settings import LimitsSettings, SessionSettings
from openchat.server.transport.health import HealthStatuses
from openchat.server.transport.interceptors import (
    AuthInterceptor,
    CallGate,
    DrainingInterceptor,
    ErrorMappingInterceptor,
    InterceptorChain,
    RequestDecodingInterceptor,
    RequestObservingInterceptor,
)
from openchat.server.transport.reflection import enable_reflection
from openchat.server.transport.services.admin import AdminServicer
from openchat.server.transport.services.bots import BotServicer
from openchat.server.transport.services.conversations import ConversationServicer
from openchat.server.transport.services.messaging import MessagingServicer
from openchat.server.transport.services.presence import PresenceServicer
from openchat.server.transport.services.sending import MessageSender
from openchat.server.transport.services.sync import SyncServicer
from openchat.server.transport.web import ConnectApplication
from openchat.server.usecases.bots import Bots
from openchat.server.usecases.changes import MessageChanges
from openchat.server.usecases.conversations import Conversations
from openchat.server.usecases.dead_letters import DeadLetters
from openchat.server.usecases.messaging import Messaging
from openchat.server.usecases.receipts import Receipts
from openchat.server.usecases.sync import Synchronization
from openchat.server.usecases.timeline import DeliveryTimeline
from openchat.v1 import (
    admin_service_connect,
    admin_service_pb2,
    admin_service_pb2_grpc,
    bot_service_connect,
    bot_service_pb2,
    bot_service_pb2_grpc,
    conversation_service_connect,
    conversation_service_pb2,
    conversation_service_pb2_grpc,
    messaging_service_connect,
    messaging_service_pb2,
    messaging_service_pb2_grpc,
    presence_service_connect,
    presence_service_pb2,
    presence_service_pb2_grpc,
    sync_service_connect,
    sync_service_pb2,
    sync_service_pb2_grpc,
)

# The largest request we accept: content is capped far below this (64 KiB by default); the
# rest is headroom for the envelope. Responses are bounded by the response budget instead.
MAX_RECEIVE_MESSAGE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Registration:
    """A servicer, the generated function that registers it, its full service name, and its
    generated Connect application."""

    servicer: Any
    add_to_server: Callable[[Any, grpc.aio.Server], None]
    service_name: str
    # The generated Connect application (Connect and gRPC-Web) that serves it on the web
    # listener (transport/web.py).
    connect_application: ConnectApplication


@dataclass(frozen=True)
class UseCases:
    """What the services call: the use cases, and the session hub behind PresenceService."""

    messaging: Messaging
    changes: MessageChanges
    sender: MessageSender
    timeline: DeliveryTimeline
    synchronization: Synchronization
    conversations: Conversations
    hub: SessionHub
    receipts: Receipts
    # Which conversations a user is in, for the session frames that name one.
    user_conversations: UserConversations
    bots: Bots
    dead_letters: DeadLetters


def registrations(
    use_cases: UseCases, sessions: SessionSettings, limits: LimitsSettings, metrics: Metrics
) -> list[Registration]:
    """Every OpenChat service, around the use cases."""
    presence = PresenceServicer(
        use_cases.hub,
        use_cases.messaging,
        use_cases.sender,
        use_cases.receipts,
        user_conversations=use_cases.user_conversations,
        metrics=metrics,
        sessions=sessions,
        limits=limits,
    )
    return [
        _registration(
            MessagingServicer(
                use_cases.messaging,
                use_cases.changes,
                use_cases.sender,
                use_cases.timeline,
                max_content_bytes=limits.max_content_bytes,
            ),
            messaging_service_pb2_grpc.add_MessagingServiceServicer_to_server,
            messaging_service_pb2,
            "MessagingService",
            messaging_service_connect.MessagingServiceASGIApplication,
        ),
        _registration(
            SyncServicer(use_cases.synchronization),
            sync_service_pb2_grpc.add_SyncServiceServicer_to_server,
            sync_service_pb2,
            "SyncService",
            sync_service_connect.SyncServiceASGIApplication,
        ),
        _registration(
            ConversationServicer(use_cases.conversations),
            conversation_service_pb2_grpc.add_ConversationServiceServicer_to_server,
            conversation_service_pb2,
            "ConversationService",
            conversation_service_connect.ConversationServiceASGIApplication,
        ),
        _registration(
            presence,
            presence_service_pb2_grpc.add_PresenceServiceServicer_to_server,
            presence_service_pb2,
            "PresenceService",
            presence_service_connect.PresenceServiceASGIApplication,
        ),
        _registration(
            BotServicer(use_cases.bots),
            bot_service_pb2_grpc.add_BotServiceServicer_to_server,
            bot_service_pb2,
            "BotService",
            bot_service_connect.BotServiceASGIApplication,
        ),
        _registration(
            AdminServicer(use_cases.dead_letters),
            admin_service_pb2_grpc.add_AdminServiceServicer_to_server,
            admin_service_pb2,
            "AdminService",
            admin_service_connect.AdminServiceASGIApplication,
        ),
    ]


def _registration(
    servicer: Any,
    add_to_server: Callable[[Any, grpc.aio.Server], None],
    pb2_module: ModuleType,
    service: str,
    connect_application: ConnectApplication,
) -> Registration:
    descriptor = getattr(pb2_module, "DESCRIPTOR")  # noqa: B009 - generated modules are untyped here
    return Registration(
        servicer,
        add_to_server,
        descriptor.services_by_name[service].full_name,
        connect_application,
    )


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def transport_options(
    sessions: SessionSettings, *, share_port: bool = False
) -> list[tuple[str, int]]:
    """HTTP/2 options: keepalive detects dead peers below the application heartbeat."""
    return [
        ("grpc.max_receive_message_length", MAX_RECEIVE_MESSAGE_BYTES),
        # Never share a port silently with another process (grpc enables SO_REUSEPORT by
        # default, so a second server on the same port would steal half the connections),
        # unless asked to: the supervisor's workers share theirs on purpose.
        ("grpc.so_reuseport", int(share_port)),
        # PING idle connections and close those whose PING goes unanswered. grpc's internal
        # grpc.http2.ping_timeout_ms (60 s by default) is what governs the wait for a PING
        # ack, not only keepalive_timeout_ms, so both are set.
        ("grpc.keepalive_time_ms", _ms(sessions.keepalive_time)),
        ("grpc.keepalive_timeout_ms", _ms(sessions.keepalive_timeout)),
        ("grpc.http2.ping_timeout_ms", _ms(sessions.keepalive_timeout)),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
        # Accept client PINGs this often (grpc's default of 5 minutes answers mobile clients'
        # keepalives with GOAWAY "too_many_pings").
        (
            "grpc.http2.min_recv_ping_interval_without_data_ms",
            _ms(sessions.min_client_ping_interval),
        ),
        ("grpc.http2.min_ping_interval_without_data_ms", _ms(sessions.min_client_ping_interval)),
        ("grpc.max_connection_age_ms", _ms(sessions.max_connection_age)),
        ("grpc.max_connection_age_grace_ms", _ms(sessions.max_connection_age_grace)),
        # grpc core refuses calls beyond this many waiting for a handler (1,000 by default),
        # which a reconnect storm of thousands of sessions exceeds.
        ("grpc.server.max_pending_requests", 65536),
    ]


def _tracing_interceptor(provider: TracerProvider) -> grpc.aio.ServerInterceptor:  # type: ignore[type-arg]
    """Starts each RPC's span, continuing the caller's trace (observability/tracing.py). Health
    checks and reflection are left out: they are noise in every trace view, and grpc's health
    Watch writes its stream in a way this interceptor cannot wrap."""
    return aio_server_interceptor(  # type: ignore[no-any-return,no-untyped-call]  # untyped
        tracer_provider=provider,
        filter_=negate(any_of(health_check(), service_prefix("grpc.reflection."))),
    )


class _GenericHandlersOnly:
    """What the generated add_*_to_server functions register with, in place of the server: it
    passes their generic handlers on and drops their table of registered methods.

    grpc.aio's server (1.85) keeps one pending request per registered method, plus one for all
    generic methods, and awaits them with asyncio.wait each time it accepts a call: a callback
    added to and removed from each of them, 31 with our services and health. That cost 7 % of
    an empty call's server CPU (`python -m bench.registration`, docs/benchmarks.md). Served as
    generic, all methods share one pending request; finding a method's handler takes a
    dictionary lookup per service until the right one, instead of one lookup in all.
    """

    def __init__(self, server: grpc.aio.Server) -> None:
        self._server = server

    def add_generic_rpc_handlers(
        self, handlers: Sequence[grpc.GenericRpcHandler[Any, Any]]
    ) -> None:
        self._server.add_generic_rpc_handlers(handlers)

    def add_registered_method_handlers(self, service: str, handlers: dict[str, Any]) -> None:
        """Left out on purpose: the generic handler of the same service serves these."""


def build_server(
    registrations: Sequence[Registration],
    verifier: TokenVerifier,
    sessions: SessionSettings,
    metrics: Metrics,
    gate: CallGate,
    *,
    share_port: bool = False,
    tracer_provider: TracerProvider | None = None,
) -> tuple[grpc.aio.Server, HealthStatuses]:
    # Outermost, so that every log line and span of a call belongs to the call's trace.
    tracing = [] if tracer_provider is None else [_tracing_interceptor(tracer_provider)]
    server = grpc.aio.server(
        interceptors=[
            *tracing,
            InterceptorChain(
                [
                    RequestObservingInterceptor(metrics),
                    ErrorMappingInterceptor(),
                    DrainingInterceptor(gate),
                    AuthInterceptor(verifier),
                    RequestDecodingInterceptor(),
                ]
            ),
        ],
        options=transport_options(sessions, share_port=share_port),
    )
    # The generated functions are typed to take a server; they call only the two methods.
    generic_only = cast("grpc.aio.Server", _GenericHandlersOnly(server))
    for registration in registrations:
        registration.add_to_server(registration.servicer, generic_only)
    health_servicer = health.aio.HealthServicer()  # type: ignore[attr-defined]  # grpc-stubs lag
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, generic_only)
    enable_reflection(
        [
            *(registration.service_name for registration in registrations),
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
        ],
        server,
    )
    return server, health_servicer
