"""Fixtures of the web listener's tests: a server with its web listener on, and clients of it
for each protocol a browser speaks."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from connectrpc.compat import google_protobuf_json_codec
from connectrpc.errors import ConnectError
from connectrpc.protocol import ProtocolType
from google.protobuf import descriptor
from google.rpc import error_details_pb2

from openchat.v1 import (
    conversation_service_connect,
    messaging_service_connect,
    presence_service_connect,
    sync_service_connect,
)
from tests.support.servers import RunningServer, start_app
from tests.support.settings import settings_for

ALLOWED_ORIGIN = "http://chat.example.test"

CLIENTS: dict[str, Callable[..., Any]] = {
    "MessagingService": messaging_service_connect.MessagingServiceClient,
    "SyncService": sync_service_connect.SyncServiceClient,
    "ConversationService": conversation_service_connect.ConversationServiceClient,
    "PresenceService": presence_service_connect.PresenceServiceClient,
}


@dataclass(frozen=True)
class WebProtocol:
    """One way a browser calls: a protocol and an encoding."""

    name: str
    protocol: ProtocolType
    json: bool

    def client(self, service: str, base_url: str) -> Any:
        codec = {"codec": google_protobuf_json_codec()} if self.json else {}
        return CLIENTS[service](base_url, protocol=self.protocol, **codec)


PROTOCOLS = [
    WebProtocol("connect+proto", ProtocolType.CONNECT, json=False),
    WebProtocol("connect+json", ProtocolType.CONNECT, json=True),
    WebProtocol("grpc-web+proto", ProtocolType.GRPC_WEB, json=False),
    WebProtocol("grpc-web+json", ProtocolType.GRPC_WEB, json=True),
]


@pytest.fixture(scope="module")
async def web_server(module_database_url: str) -> AsyncIterator[RunningServer]:
    """A server with its web listener on a loopback port, allowing ALLOWED_ORIGIN."""
    server = {"web_listen": "127.0.0.1:0", "web_allowed_origins": ALLOWED_ORIGIN}
    async with start_app(settings_for(module_database_url, server=server)) as running:
        yield running


@pytest.fixture(scope="module")
def base_url(web_server: RunningServer) -> str:
    return f"http://127.0.0.1:{web_server.app.web_port}"


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


async def call_web(
    protocol: WebProtocol,
    base_url: str,
    method: descriptor.MethodDescriptor,
    request: Any,
    headers: dict[str, str],
) -> Any:
    client = protocol.client(method.containing_service.name, base_url)
    return await getattr(client, snake_case(method.name))(request, headers=headers)


@dataclass(frozen=True)
class Refusal:
    """What a client learns from a refused call, whichever protocol carried it."""

    code: str
    message: str
    reason: str
    domain: str
    metadata: dict[str, str]
    field_violations: list[tuple[str, str]]


def refusal_of(code: str, message: str, details: list[tuple[str, bytes]]) -> Refusal:
    """A Refusal from a status code name, message and (type name, bytes) details."""
    info = error_details_pb2.ErrorInfo()
    violations: list[tuple[str, str]] = []
    for type_name, value in details:
        if type_name == "google.rpc.ErrorInfo":
            info.ParseFromString(value)
        elif type_name == "google.rpc.BadRequest":
            bad = error_details_pb2.BadRequest.FromString(value)
            violations += [(v.field, v.description) for v in bad.field_violations]
    return Refusal(code, message, info.reason, info.domain, dict(info.metadata), violations)


def web_refusal(error: ConnectError) -> Refusal:
    return refusal_of(
        error.code.name.replace("CANCELED", "CANCELLED"),
        error.message,
        [(detail.type_name, detail.message_bytes) for detail in error.details],
    )
