"""Every RPC of the openchat.v1 contract, enumerated from the descriptors, and raw callers that
send exactly the bytes a test chooses."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import descriptor, message_factory

from openchat.v1 import (
    conversation_service_pb2,
    messaging_service_pb2,
    presence_service_pb2,
    sync_service_pb2,
)

SERVICES: list[descriptor.ServiceDescriptor] = [
    module.DESCRIPTOR.services_by_name[name]
    for module, name in (
        (messaging_service_pb2, "MessagingService"),
        (sync_service_pb2, "SyncService"),
        (conversation_service_pb2, "ConversationService"),
        (presence_service_pb2, "PresenceService"),
    )
]
METHODS: list[descriptor.MethodDescriptor] = [
    method for service in SERVICES for method in service.methods
]
UNARY_METHODS = [m for m in METHODS if not m.client_streaming and not m.server_streaming]


def method_id(method: descriptor.MethodDescriptor) -> str:
    """A readable pytest id: Service.Method."""
    return f"{method.containing_service.name}.{method.name}"


def path(method: descriptor.MethodDescriptor) -> str:
    return f"/{method.containing_service.full_name}/{method.name}"


def request_class(method: descriptor.MethodDescriptor) -> Any:
    return message_factory.GetMessageClass(method.input_type)


def raw_unary(
    channel: grpc.aio.Channel, method: descriptor.MethodDescriptor
) -> grpc.aio.UnaryUnaryMultiCallable[bytes, bytes]:
    """A caller of a unary `method` that sends the given bytes as they are."""
    return channel.unary_unary(path(method), request_serializer=bytes, response_deserializer=bytes)


def raw_stream(
    channel: grpc.aio.Channel, method: descriptor.MethodDescriptor
) -> grpc.aio.StreamStreamMultiCallable[bytes, bytes]:
    """A caller of a bidirectional-streaming `method` that sends the given bytes as they are."""
    return channel.stream_stream(
        path(method), request_serializer=bytes, response_deserializer=bytes
    )
