"""RequestDecodingInterceptor: decodes request bytes itself, so that undecodable bytes are
answered INVALID_ARGUMENT (grpc answers INTERNAL), and only after authentication."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, cast

import grpc
from google.protobuf.message import DecodeError

from openchat.server.domain.errors import RequestUndecodable
from openchat.server.transport.interceptors.wrapping import (
    Deserializer,
    StreamBehavior,
    UnaryBehavior,
    WrappingInterceptor,
)

if TYPE_CHECKING:
    from openchat.server.transport.interceptors.wrapping import Handler


class RequestDecodingInterceptor(WrappingInterceptor):
    """Decodes requests in the handler, answering undecodable bytes with INVALID_ARGUMENT."""

    def deserializer(self, handler: Handler) -> Deserializer:
        return None  # grpc hands the behavior raw bytes, which _requests() decodes

    def around_unary(self, behavior: UnaryBehavior, handler: Handler, method: str) -> UnaryBehavior:
        requests = _requests(handler)

        async def decoded(raw: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            return await behavior(requests(raw), context)

        return decoded

    def around_stream(
        self, behavior: StreamBehavior, handler: Handler, method: str
    ) -> StreamBehavior:
        requests = _requests(handler)

        def decoded(raw: Any, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
            return behavior(requests(raw), context)

        return decoded


def _requests(handler: Handler) -> Callable[[Any], Any]:
    """A function from what grpc passes the behavior (bytes, or an iterator of bytes) to the
    decoded request (or an iterator of decoded requests)."""
    deserializer = cast(Callable[[bytes], Any], handler.request_deserializer)
    descriptor = getattr(getattr(deserializer, "__self__", None), "DESCRIPTOR", None)
    type_name = descriptor.full_name if descriptor is not None else "request message"

    def decode(raw: bytes) -> Any:
        try:
            return deserializer(raw)
        except DecodeError:
            raise RequestUndecodable(type_name) from None

    async def decode_each(raw_requests: AsyncIterator[bytes]) -> AsyncIterator[Any]:
        async for raw in raw_requests:
            yield decode(raw)

    return decode_each if handler.request_streaming else decode
