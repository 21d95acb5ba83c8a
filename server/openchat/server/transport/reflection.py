"""Server reflection under both protocol versions: grpc.reflection.v1, which current grpcurl and
Postman ask first, and grpc.reflection.v1alpha, which older tools ask.

grpcio-reflection (1.85) serves only v1alpha. The v1 protocol is the same messages under another
package (grpc/reflection/v1/reflection.proto differs from v1alpha's only in its package and
options), so v1 is served by the same servicer, its bytes read and written by the v1alpha message
classes; v1's descriptor, built from v1alpha's, joins the default pool so that reflection can
describe v1 itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_reflection.v1alpha import reflection, reflection_pb2
from grpc_reflection.v1alpha._async import ReflectionServicer

V1ALPHA_SERVICE_NAME: str = reflection.SERVICE_NAME
V1_PACKAGE = "grpc.reflection.v1"
V1_SERVICE_NAME = f"{V1_PACKAGE}.ServerReflection"
_V1_FILE = "grpc/reflection/v1/reflection.proto"


def enable_reflection(service_names: Sequence[str], server: grpc.aio.Server) -> None:
    """Serve reflection (v1 and v1alpha) that lists `service_names` and both reflection
    services."""
    _add_v1_descriptor()
    names = [*service_names, V1_SERVICE_NAME, V1ALPHA_SERVICE_NAME]
    reflection.enable_server_reflection(names, server)
    servicer = ReflectionServicer(names)
    handler = grpc.stream_stream_rpc_method_handler(
        servicer.ServerReflectionInfo,
        request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
        response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
    )
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(V1_SERVICE_NAME, {"ServerReflectionInfo": handler}),)
    )


def _add_v1_descriptor() -> None:
    """grpc/reflection/v1/reflection.proto into the default pool, once per process."""
    pool = descriptor_pool.Default()
    try:
        pool.FindFileByName(_V1_FILE)
    except KeyError:
        pool.AddSerializedFile(_v1_file().SerializeToString())


def _v1_file() -> descriptor_pb2.FileDescriptorProto:
    v1alpha_package = reflection_pb2.DESCRIPTOR.package
    file = descriptor_pb2.FileDescriptorProto()
    reflection_pb2.DESCRIPTOR.CopyToProto(file)
    file.name = _V1_FILE
    file.package = V1_PACKAGE
    file.ClearField("options")

    def renamed(type_name: str) -> str:
        return type_name.replace(f".{v1alpha_package}.", f".{V1_PACKAGE}.", 1)

    for message in file.message_type:
        for field in message.field:
            if field.type_name:
                field.type_name = renamed(field.type_name)
    for service in file.service:
        for method in service.method:
            method.input_type = renamed(method.input_type)
            method.output_type = renamed(method.output_type)
    return file
