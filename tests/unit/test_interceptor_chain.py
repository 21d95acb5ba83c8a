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
