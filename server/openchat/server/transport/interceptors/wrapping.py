"""The base of every interceptor: it wraps each method handler so that a context manager sees
each call begin and end, which a grpc.aio interceptor cannot otherwise see."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

import grpc

UnaryBehavior = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]
# What a call does with a request it takes, returning the request the handler gets.
RequestStep = Callable[[Any], Any]
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
        wrapping = [interceptor for interceptor in self._interceptors if interceptor.wraps(method)]
        if _yields_responses(handler):
            wrapped = _stream_wrapped(handler, method, wrapping)
        else:
            wrapped = handler
            for interceptor in reversed(wrapping):
                wrapped = interceptor.wrap(wrapped, method)
        self._wrapped[method] = (handler, wrapped)
        return wrapped


def _behavior(handler: Handler) -> tuple[Any, Any]:
    """The handler's behavior, and grpc's factory of a handler of its kind."""
    attribute, factory = _HANDLER_FACTORIES[(handler.request_streaming, handler.response_streaming)]
    return getattr(handler, attribute), factory


def _yields_responses(handler: Handler) -> bool:
    """Whether the behavior yields its responses (an async generator). A streaming behavior can
    also be a coroutine that writes them with context.write(), as grpc's health Watch does,
    which is wrapped like a unary one."""
    behavior, _ = _behavior(handler)
    return handler.response_streaming and not inspect.iscoroutinefunction(behavior)


def _stream_wrapped(
    handler: Handler, method: str, interceptors: Sequence[WrappingInterceptor]
) -> Handler:
    """A streaming handler wrapped by all the interceptors at once, in one async generator.

    A session's stream lives for hours and spends them waiting for its next frame: nested, each
    interceptor's generator kept its own suspended `asend` per session, renewed at every frame,
    and passed every frame on (ten of the ~29 objects a waiting session renews per frame were
    such `asend`s; five now, docs/benchmarks.md). Here the interceptors' context managers are
    entered in their order, their request steps run as one per request taken, and their
    response hooks per response.
    """
    behavior, factory = _behavior(handler)
    arounds = [
        around for interceptor in interceptors if (around := interceptor.around(method, handler))
    ]
    take = _composed([interceptor.stream_request(handler, method) for interceptor in interceptors])
    requests = None if take is None else applied_to_requests(take, handler)
    hooks = tuple(
        hook
        for interceptor in interceptors
        if (hook := interceptor.stream_response(handler, method))
    )

    async def wrapped(
        request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[Any]:
        async with contextlib.AsyncExitStack() as entered:
            for around in arounds:
                await entered.enter_async_context(around(context))
            async for response in behavior(
                request if requests is None else requests(request), context
            ):
                for hook in hooks:
                    hook()
                yield response

    deserializer = cast(Deserializer, handler.request_deserializer)
    for interceptor in reversed(interceptors):
        deserializer = interceptor.deserializer(deserializer)
    return cast(
        "Handler",
        factory(
            wrapped,
            request_deserializer=deserializer,
            response_serializer=handler.response_serializer,
        ),
    )


def _composed(steps: Sequence[RequestStep | None]) -> RequestStep | None:
    """One step doing the given ones in order (None: none to do)."""
    present = [step for step in steps if step is not None]
    if len(present) <= 1:
        return present[0] if present else None

    def each_step(request: Any) -> Any:
        for step in present:
            request = step(request)
        return request

    return each_step


def applied_to_requests(step: RequestStep, handler: Handler) -> Callable[[Any], Any]:
    """A function from what grpc passes the handler's behavior (a request, or a stream of them)
    to the same, `step` applied to each request as it is taken."""
    if not handler.request_streaming:
        return step

    async def taken(requests: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for request in requests:
            yield step(request)

    return taken


class WrappingInterceptor:
    """Replaces a method handler with one whose behavior runs inside `around()`, an async
    context manager that sees each call begin and end (a grpc.aio interceptor cannot otherwise
    see how a call ends). The context managers are small classes: a generator-based one costs
    several microseconds more per call.

    A unary handler is wrapped by each interceptor in turn (`wrap`); a handler that yields its
    responses by all of them at once (`_stream_wrapped`), from their `around()`, their
    `stream_request` and their `stream_response`. The wrapping handler is built once per method
    (by InterceptorChain) and reused: the wrappers take what varies per call (metadata) from the
    context.
    """

    def wraps(self, method: str) -> bool:
        """Whether this interceptor wraps the method's handler."""
        return True

    def wrap(self, handler: Handler, method: str) -> Handler:
        behavior, factory = _behavior(handler)
        return cast(
            "Handler",
            factory(
                self.around_unary(behavior, handler, method),
                request_deserializer=self.deserializer(
                    cast(Deserializer, handler.request_deserializer)
                ),
                response_serializer=handler.response_serializer,
            ),
        )

    def deserializer(self, inner: Deserializer) -> Deserializer:
        """What grpc decodes requests with, given what the handlers inside decode them with."""
        return inner

    def around(self, method: str, handler: Handler) -> Around | None:
        """What runs around each call of the method: called once per method, it returns a
        factory of async context managers, one per call (None: nothing runs around them)."""
        return None

    def around_unary(self, behavior: UnaryBehavior, handler: Handler, method: str) -> UnaryBehavior:
        around = self.around(method, handler)
        if around is None:
            return behavior

        async def wrapped(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            async with around(context):
                return await behavior(request, context)
            return None  # unreachable: around() aborts the call rather than suppress an error

        return wrapped

    def stream_request(self, handler: Handler, method: str) -> RequestStep | None:
        """What a streaming call does with each request it takes (returning the request the
        handler gets), or None."""
        return None

    def stream_response(self, handler: Handler, method: str) -> Callable[[], None] | None:
        """What a streaming call does at each response, or None."""
        return None


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
