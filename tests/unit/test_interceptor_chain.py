"""InterceptorChain: each method's handler is wrapped by every interceptor that wraps it,
outermost first, once; health and reflection pass the API interceptors untouched."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import grpc

from openchat.server.transport.interceptors import InterceptorChain
from openchat.server.transport.interceptors.wrapping import (
    ApiInterceptor,
    Around,
    WrappingInterceptor,
)

if TYPE_CHECKING:
    from openchat.server.transport.interceptors.wrapping import Handler


class Recording(WrappingInterceptor):
    """Notes its name in `calls` when a call enters it."""

    def __init__(self, name: str, calls: list[str]) -> None:
        self._name = name
        self._calls = calls

    def around(self, method: str, handler: Handler) -> Around:
        @contextlib.asynccontextmanager
        async def entered(_context: Any) -> AsyncIterator[None]:
            self._calls.append(self._name)
            yield

        return entered


class RecordingApi(Recording, ApiInterceptor):
    pass


class Details:
    def __init__(self, method: str) -> None:
        self.method = method
        self.invocation_metadata = ()


async def answer(request: Any, context: Any) -> str:
    return f"answer to {request}"


HANDLER = grpc.unary_unary_rpc_method_handler(answer)


async def call(handler: Handler, request: str) -> Any:
    behavior = handler.unary_unary
    assert behavior is not None
    return await behavior(request, None)  # type: ignore[arg-type]  # no context needed


async def wrapped(chain: InterceptorChain, method: str) -> Handler:
    async def continuation(_details: Any) -> Handler:
        return HANDLER

    return await chain.intercept_service(continuation, Details(method))  # type: ignore[arg-type]


async def test_interceptors_run_outermost_first_around_the_handler() -> None:
    calls: list[str] = []
    chain = InterceptorChain([Recording("outer", calls), RecordingApi("inner", calls)])
    handler = await wrapped(chain, "/openchat.v1.MessagingService/ListMessages")
    assert await call(handler, "ping") == "answer to ping"
    assert calls == ["outer", "inner"]


async def test_public_methods_skip_the_api_interceptors() -> None:
    calls: list[str] = []
    chain = InterceptorChain([Recording("outer", calls), RecordingApi("inner", calls)])
    handler = await wrapped(chain, "/grpc.health.v1.Health/Check")
    await call(handler, "ping")
    assert calls == ["outer"]


async def test_a_method_is_wrapped_once() -> None:
    chain = InterceptorChain([Recording("only", [])])
    method = "/openchat.v1.MessagingService/ListMessages"
    assert await wrapped(chain, method) is await wrapped(chain, method)


class Counting(Recording):
    """Records its name around each call, each request step and each response."""

    def stream_request(self, handler: Handler, method: str) -> Any:
        def take(request: Any) -> Any:
            self._calls.append(f"{self._name} takes {request}")
            return request

        return take

    def stream_response(self, handler: Handler, method: str) -> Any:
        return lambda: self._calls.append(f"{self._name} sends")


class Decoding(WrappingInterceptor):
    """Decodes each request itself, as RequestDecodingInterceptor does."""

    def deserializer(self, inner: Any) -> Any:
        return None

    def stream_request(self, handler: Handler, method: str) -> Any:
        return lambda raw: raw.decode()


async def echo(requests: AsyncIterator[str], context: Any) -> AsyncIterator[str]:
    async for request in requests:
        yield f"echo {request}"


async def test_a_stream_runs_every_interceptor_in_order_in_one_wrapper() -> None:
    calls: list[str] = []
    chain = InterceptorChain([Counting("outer", calls), Counting("inner", calls), Decoding()])

    async def continuation(_details: Any) -> Handler:
        return grpc.stream_stream_rpc_method_handler(echo, request_deserializer=bytes.decode)

    handler = await chain.intercept_service(
        continuation,
        Details("/openchat.v1.PresenceService/Connect"),  # type: ignore[arg-type]
    )
    assert handler.request_deserializer is None  # the decoding interceptor decodes

    async def raw_requests() -> AsyncIterator[bytes]:
        yield b"a"
        yield b"b"

    behavior: Any = handler.stream_stream  # grpc-stubs type it as a synchronous iterator
    responses = [r async for r in behavior(raw_requests(), None)]
    assert responses == ["echo a", "echo b"]
    assert calls == [
        "outer",
        "inner",
        "outer takes b'a'",
        "inner takes b'a'",
        "outer sends",
        "inner sends",
        "outer takes b'b'",
        "inner takes b'b'",
        "outer sends",
        "inner sends",
    ]
