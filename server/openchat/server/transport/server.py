"""The grpc.aio server: the one place that chains interceptors, registers services, health and
reflection, and sets transport options."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from openchat.server.auth.tokens import TokenVerifier
from openchat.server.transport.health import HealthStatuses
from openchat.server.transport.interceptors import (
    AuthInterceptor,
    ErrorMappingInterceptor,
    RequestDecodingInterceptor,
    RequestLoggingInterceptor,
)

# The largest request we accept: content is capped far below this (64 KiB by default); the
# rest is headroom for the envelope. Responses are bounded by the response budget instead.
MAX_RECEIVE_MESSAGE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Registration:
    """A servicer, the generated function that registers it, and its full service name."""

    servicer: Any
    add_to_server: Callable[[Any, grpc.aio.Server], None]
    service_name: str


def build_server(
    registrations: Sequence[Registration], verifier: TokenVerifier
) -> tuple[grpc.aio.Server, HealthStatuses]:
    server = grpc.aio.server(
        interceptors=[
            RequestLoggingInterceptor(),
            ErrorMappingInterceptor(),
            AuthInterceptor(verifier),
            RequestDecodingInterceptor(),
        ],
        options=[
            ("grpc.max_receive_message_length", MAX_RECEIVE_MESSAGE_BYTES),
            # Never share a port silently with another process (grpc enables SO_REUSEPORT by
            # default, so a second server on the same port would steal half the connections).
            ("grpc.so_reuseport", 0),
        ],
    )
    for registration in registrations:
        registration.add_to_server(registration.servicer, server)
    health_servicer = health.aio.HealthServicer()  # type: ignore[attr-defined]  # grpc-stubs lag
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        [
            *(registration.service_name for registration in registrations),
            health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
            reflection.SERVICE_NAME,
        ],
        server,
    )
    return server, health_servicer
