"""Server reflection answers under grpc.reflection.v1 (what current grpcurl and Postman ask
first) and grpc.reflection.v1alpha (older tools), without a token."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from google.protobuf import descriptor_pb2
from grpc_reflection.v1alpha import reflection_pb2

from tests.support.methods import SERVICES
from tests.support.servers import RunningServer

# The two versions' messages are the same on the wire: v1 differs from v1alpha only in package.
VERSIONS = ["grpc.reflection.v1", "grpc.reflection.v1alpha"]


async def _ask(
    server: RunningServer, version: str, *requests: reflection_pb2.ServerReflectionRequest
) -> list[reflection_pb2.ServerReflectionResponse]:
    call = server.channel.stream_stream(
        f"/{version}.ServerReflection/ServerReflectionInfo",
        request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
        response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
    )

    async def send() -> AsyncIterator[reflection_pb2.ServerReflectionRequest]:
        for request in requests:
            yield request

    return [answer async for answer in call(send())]


@pytest.mark.parametrize("version", VERSIONS)
async def test_reflection_lists_and_describes_every_service(
    server: RunningServer, version: str
) -> None:
    listed, described = await _ask(
        server,
        version,
        reflection_pb2.ServerReflectionRequest(list_services=""),
        reflection_pb2.ServerReflectionRequest(
            file_containing_symbol="openchat.v1.MessagingService"
        ),
    )
    names = {service.name for service in listed.list_services_response.service}
    assert {s.full_name for s in SERVICES} <= names
    assert {"grpc.health.v1.Health", *(f"{v}.ServerReflection" for v in VERSIONS)} <= names
    files = [
        descriptor_pb2.FileDescriptorProto.FromString(raw)
        for raw in described.file_descriptor_response.file_descriptor_proto
    ]
    assert "openchat/v1/messaging_service.proto" in {file.name for file in files}


async def test_reflection_describes_its_v1_service(server: RunningServer) -> None:
    (answer,) = await _ask(
        server,
        "grpc.reflection.v1",
        reflection_pb2.ServerReflectionRequest(
            file_containing_symbol="grpc.reflection.v1.ServerReflection"
        ),
    )
    (raw,) = answer.file_descriptor_response.file_descriptor_proto
    file = descriptor_pb2.FileDescriptorProto.FromString(raw)
    assert (file.name, file.package) == (
        "grpc/reflection/v1/reflection.proto",
        "grpc.reflection.v1",
    )
    (method,) = file.service[0].method
    assert method.input_type == ".grpc.reflection.v1.ServerReflectionRequest"
    assert method.client_streaming
    assert method.server_streaming


async def test_an_unknown_symbol_is_an_error_response_not_a_failed_call(
    server: RunningServer,
) -> None:
    (answer,) = await _ask(
        server,
        "grpc.reflection.v1",
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="no.such.Service"),
    )
    assert answer.error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0]
