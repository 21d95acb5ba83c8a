"""The base of every interceptor: it wraps each method handler so that a context manager sees
each call begin and end, which a grpc.aio interceptor cannot otherwise see."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

import grpc

UnaryBehavior = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]
StreamBehavior = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], AsyncIterator[Any]]
Deserializer = Callable[[bytes], Any] | None
Around = Callable[
    [grpc.aio.ServicerContext[Any, Any]], contextlib.AbstractAsyncContextManager[None]
]


_HANDLER_FACTORIES = {
    (False, False): ("unary_unary", grpc.unary_unary_rpc_method_handler),
    (False, True): ("unary_stream", grpc.unary_stream_rpc_method_handler),
    (True, False): ("stream_unary", grpc.stream_unary_rpc_method_handler),
    (True, True): ("stream_stream", grpc.stream_stream_rpc_method_handler),
}

# Requests that need no token: probes and tooling.
PUBLIC_METHOD_PREFIXES = (
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
)


if TYPE_CHECKING:
    Handler = grpc.RpcMethodHandler[Any, Any]
    Continuation = Callable[[grpc.HandlerCallDetails], Awaitable[Handler]]
    _ServerInterceptor = grpc.aio.ServerInterceptor[Any, Any]
else:  # grpc's runtime class is not generic; only its stubs are
    _ServerInterceptor = grpc.aio.ServerInterceptor


class InterceptorChain(_ServerInterceptor):
    """The server's interceptors as one grpc interceptor, outermost first. grpc.aio runs every
    interceptor on every call (a coroutine and a continuation each); the chain wraps each
    method's handler with all of them once, on the method's first call, and afterwards finds
    it with one lookup."""

    def __init__(self, interceptors: Sequence[WrappingInterceptor]) -> None:
        self._interceptors = tuple(interceptors)
        # method -> (the handler it wrapped, the wrapping handler)
        self._wrapped: dict[str, tuple[Handler, Handler]] = {}

    async def intercept_service(
        self,
        continuation: Continuation,
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Handler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        method = handler_call_details.method
        cached = self._wrapped.get(method)
        if cached is not None and cached[0] is handler:
            return cached[1]
        wrapped = handler
        for interceptor in reversed(self._interceptors):
            if interceptor.wraps(method):
                wrapped = interceptor.wrap(wrapped, method)
        self._wrapped[method] = (handler, wrapped)
        return wrapped


class WrappingInterceptor:
    """Replaces a method handler with one whose behavior runs inside `around()`, an async
    context manager that sees each call begin and end (a grpc.aio interceptor cannot otherwise
    see how a call ends). The context managers are small classes: a generator-based one costs
    several microseconds more per call.

    The wrapping handler is built once per method (by InterceptorChain) and reused: the
    wrappers take what varies per call (metadata) from the context.
    """

    def wraps(self, method: str) -> bool:
        """Whether this interceptor wraps the method's handler."""
        return True

    def wrap(self, handler: Handler, method: str) -> Handler:
        attribute, factory = _HANDLER_FACTORIES[
            (handler.request_streaming, handler.response_streaming)
        ]
        behavior = getattr(handler, attribute)
        # A streaming behavior either yields its responses (an async generator) or is a
        # coroutine that writes them with context.write(), as grpc's health Watch does: the
        # latter is awaited like a unary one.
        if handler.response_streaming and not inspect.iscoroutinefunction(behavior):
            wrapped: Any = self.around_stream(behavior, handler, method)
        else:
            wrapped = self.around_unary(behavior, handler, method)
        return factory(
            wrapped,
            request_deserializer=self.deserializer(handler),
            response_serializer=handler.response_serializer,
        )

    def deserializer(self, handler: Handler) -> Deserializer:
        return cast(Deserializer, handler.request_deserializer)

    def around(self, method: str, handler: Handler) -> Around:
        """What runs around each call of the method: called once per method, it returns a
        factory of async context managers, one per call."""
        raise NotImplementedError

    def around_unary(self, behavior: UnaryBehavior, handler: Handler, method: str) -> UnaryBehavior:
        around = self.around(method, handler)

        async def wrapped(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            async with around(context):
                return await behavior(request, context)
            return None  # unreachable: around() aborts the call rather than suppress an error

        return wrapped

    def around_stream(
        self, behavior: StreamBehavior, handler: Handler, method: str
    ) -> StreamBehavior:
        around = self.around(method, handler)

        async def wrapped(
            request: Any, context: grpc.aio.ServicerContext[Any, Any]
        ) -> AsyncIterator[Any]:
            async with around(context):
                async for response in behavior(request, context):
                    yield response

        return wrapped


def metadata_value(context: grpc.aio.ServicerContext[Any, Any], key: str) -> str | None:
    """The call's first value of metadata `key`, as text."""
    for name, value in context.invocation_metadata() or ():
        if name == key:
            return value if isinstance(value, str) else value.decode()
    return None


class ApiInterceptor(WrappingInterceptor):
    """Wraps the API's methods only: health and reflection pass untouched."""

    def wraps(self, method: str) -> bool:
        return not method.startswith(PUBLIC_METHOD_PREFIXES)
