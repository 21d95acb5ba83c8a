"""RequestDecodingInterceptor: decodes request bytes itself, so that undecodable bytes are
answered INVALID_ARGUMENT (grpc answers INTERNAL), and only after authentication."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import grpc
from google.protobuf.message import DecodeError

from openchat.server.domain.errors import RequestUndecodable
from openchat.server.transport.interceptors.wrapping import (
    Deserializer,
    RequestStep,
    UnaryBehavior,
    WrappingInterceptor,
    applied_to_requests,
)

if TYPE_CHECKING:
    from openchat.server.transport.interceptors.wrapping import Handler


class RequestDecodingInterceptor(WrappingInterceptor):
    """Decodes requests in the handler, answering undecodable bytes with INVALID_ARGUMENT."""

    def deserializer(self, inner: Deserializer) -> Deserializer:
        return None  # grpc hands the behavior raw bytes, which the handler's decoder decodes

    def around_unary(self, behavior: UnaryBehavior, handler: Handler, method: str) -> UnaryBehavior:
        requests = applied_to_requests(_decoder(handler), handler)

        async def decoded(raw: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            return await behavior(requests(raw), context)

        return decoded

    def stream_request(self, handler: Handler, method: str) -> RequestStep:
        return _decoder(handler)


def _decoder(handler: Handler) -> Callable[[bytes], Any]:
    """A function from a request's bytes to the handler's decoded request."""
    deserializer = cast(Callable[[bytes], Any], handler.request_deserializer)
    descriptor = getattr(getattr(deserializer, "__self__", None), "DESCRIPTOR", None)
    type_name = descriptor.full_name if descriptor is not None else "request message"

    def decode(raw: bytes) -> Any:
        try:
            return deserializer(raw)
        except DecodeError:
            raise RequestUndecodable(type_name) from None

    return decode
