"""Server interceptors, chained in server.py from the outside in:

1. RequestObservingInterceptor: binds a request id, writes one canonical log line per RPC and
   records the gRPC server metrics.
2. ErrorMappingInterceptor: turns domain errors into statuses with ErrorInfo, and anything
   unexpected into a generic INTERNAL (grpc.aio would otherwise send the exception text, which
   can include a database URL, to the client).
3. DrainingInterceptor: counts the calls in flight and, while the server shuts down, answers
   new ones UNAVAILABLE itself (grpc would cancel calls still waiting when it stops: CANCELLED,
   which clients do not retry).
4. AuthInterceptor: verifies the bearer token and makes the principal current.
5. RequestDecodingInterceptor: decodes request bytes itself, so that undecodable bytes are
   answered INVALID_ARGUMENT (grpc answers INTERNAL) and only after authentication.

Each wraps the method handler's behavior; a grpc.aio interceptor cannot otherwise see how a
call ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

import grpc
import structlog
from google.protobuf.message import DecodeError
from prometheus_client import Counter

from openchat.server.auth.tokens import TokenVerifier
from openchat.server.domain.errors import (
    OpenChatError,
    RequestUndecodable,
    Unauthenticated,
    Unavailable,
)
from openchat.server.failures import is_transient
from openchat.server.observability.metrics import Metrics
from openchat.server.transport.context import principal_var
from openchat.server.transport.errors import (
    ErrorStatus,
    dependency_unavailable,
    internal_error,
    status_of,
    to_grpc_status,
)

_log = structlog.get_logger("openchat.rpc")

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


class _WrappingInterceptor(_ServerInterceptor):
    """Replaces each method handler with one whose behavior runs inside `around()`, an async
    context manager that sees each call begin and end (a grpc.aio interceptor cannot otherwise
    see how a call ends). The context managers are small classes: a generator-based one costs
    several microseconds more per call.

    grpc.aio runs the interceptors on every call, so the wrapping handler is built once per
    method and reused: the wrappers take what varies per call (metadata) from the context.
    """

    def __init__(self) -> None:
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
        wrapped = self._wrap(handler, method)
        self._wrapped[method] = (handler, wrapped)
        return wrapped

    def _wrap(self, handler: Handler, method: str) -> Handler:
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


def _metadata_value(context: grpc.aio.ServicerContext[Any, Any], key: str) -> str | None:
    for name, value in context.invocation_metadata() or ():
        if name == key:
            return value if isinstance(value, str) else value.decode()
    return None


def _request_id(context: grpc.aio.ServicerContext[Any, Any]) -> str:
    """The caller's x-request-id when it is sane, else a new one."""
    given = _metadata_value(context, "x-request-id")
    if given and len(given) <= 64 and given.isprintable():
        return given
    return uuid.uuid4().hex[:16]


_RPC_TYPES = {
    (False, False): "unary",
    (False, True): "server_stream",
    (True, False): "client_stream",
    (True, True): "bidi_stream",
}


class _MethodSeries:
    """The metric series of one method, looked up once when its handler is wrapped (a
    prometheus_client labels() lookup on every call costs more than the increment)."""

    __slots__ = (
        "_handled",
        "_labels",
        "_metrics",
        "duration",
        "received",
        "sent",
        "started",
        "streaming",
    )

    def __init__(self, metrics: Metrics, method: str, handler: Handler) -> None:
        _, service, name = method.split("/", 2)
        kind = _RPC_TYPES[(handler.request_streaming, handler.response_streaming)]
        self._metrics = metrics
        self._labels = (kind, service, name)
        self._handled: dict[str, Counter] = {}
        self.streaming = kind != "unary"
        self.started = metrics.rpc_started.labels(*self._labels)
        self.duration = metrics.rpc_duration.labels(*self._labels)
        self.received = metrics.rpc_received.labels(*self._labels)
        self.sent = metrics.rpc_sent.labels(*self._labels)

    def handled(self, code: str) -> Counter:
        """The handled-RPCs counter of this method and status code."""
        series = self._handled.get(code)
        if series is None:
            series = self._handled[code] = self._metrics.rpc_handled.labels(*self._labels, code)
        return series


class RequestObservingInterceptor(_WrappingInterceptor):
    """Per RPC: binds a request id for every log line of the call, writes one canonical `rpc`
    log event (method, status code, duration, peer, request id), and records the gRPC server
    metrics (started, handled by code, duration, messages each way, streams in progress)."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__()
        self._metrics = metrics
        self._series: dict[str, _MethodSeries] = {}

    def around(self, method: str, handler: Handler) -> Around:
        series = self._series_of(method, handler)
        return lambda context: _Observed(self, method, series, context)

    def around_unary(self, behavior: UnaryBehavior, handler: Handler, method: str) -> UnaryBehavior:
        series = self._series_of(method, handler)
        counted_requests = _request_counter(series, handler)

        # A streaming behavior that writes its responses itself returns none to count.
        sent = None if handler.response_streaming else series.sent

        async def counted(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            response = await behavior(counted_requests(request), context)
            if sent is not None:
                sent.inc()
            return response

        return super().around_unary(counted, handler, method)

    def around_stream(
        self, behavior: StreamBehavior, handler: Handler, method: str
    ) -> StreamBehavior:
        series = self._series_of(method, handler)
        counted_requests = _request_counter(series, handler)

        async def counted(
            request: Any, context: grpc.aio.ServicerContext[Any, Any]
        ) -> AsyncIterator[Any]:
            async for response in behavior(counted_requests(request), context):
                series.sent.inc()
                yield response

        return super().around_stream(counted, handler, method)

    def _series_of(self, method: str, handler: Handler) -> _MethodSeries:
        series = self._series.get(method)
        if series is None:
            series = self._series[method] = _MethodSeries(self._metrics, method, handler)
        return series

    def _begin(
        self, method: str, context: grpc.aio.ServicerContext[Any, Any], series: _MethodSeries
    ) -> float:
        structlog.contextvars.clear_contextvars()
        # The peer is read now: asking a finished call for it (in _end, after the client went
        # away) crashed the process with a segmentation fault in grpc 1.85's Cython layer.
        structlog.contextvars.bind_contextvars(
            request_id=_request_id(context), method=method, peer=context.peer()
        )
        series.started.inc()
        if series.streaming:
            self._metrics.streams_active.inc()
        return time.perf_counter()

    def _end(
        self,
        context: grpc.aio.ServicerContext[Any, Any],
        series: _MethodSeries,
        started: float,
    ) -> None:
        elapsed = time.perf_counter() - started
        code = context.code() or grpc.StatusCode.OK
        if context.cancelled() and code == grpc.StatusCode.OK:
            code = grpc.StatusCode.CANCELLED
        series.handled(code.name).inc()
        series.duration.observe(elapsed)
        if series.streaming:
            self._metrics.streams_active.dec()
        _log.info("rpc", code=code.name, duration_ms=round(elapsed * 1000, 3))
        structlog.contextvars.clear_contextvars()


def _request_counter(series: _MethodSeries, handler: Handler) -> Callable[[Any], Any]:
    """A function from what grpc passes the behavior (a request, or an iterator of them) to
    the same, counting each request as it is taken."""
    received = series.received

    def count(request: Any) -> Any:
        received.inc()
        return request

    async def count_each(requests: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for request in requests:
            received.inc()
            yield request

    return count_each if handler.request_streaming else count


class _Observed:
    """One call, between its start and its end."""

    __slots__ = ("_context", "_interceptor", "_method", "_series", "_started")

    def __init__(
        self,
        interceptor: RequestObservingInterceptor,
        method: str,
        series: _MethodSeries,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> None:
        self._interceptor = interceptor
        self._method = method
        self._series = series
        self._context = context
        self._started = 0.0

    async def __aenter__(self) -> None:
        self._started = self._interceptor._begin(self._method, self._context, self._series)

    async def __aexit__(self, *_: object) -> None:
        self._interceptor._end(self._context, self._series, self._started)


async def _abort(context: grpc.aio.ServicerContext[Any, Any], status: ErrorStatus) -> None:
    grpc_status = to_grpc_status(status)
    await context.abort(grpc_status.code, grpc_status.details, grpc_status.trailing_metadata)


def _unexpected(error: Exception) -> ErrorStatus:
    """UNAVAILABLE for infrastructure failures, INTERNAL for bugs; details only in the log."""
    if is_transient(error):
        # str() as well: redis-py's repr() drops the message.
        _log.warning("dependency_error", error=f"{type(error).__name__}: {error}")
        return dependency_unavailable()
    request_id = structlog.contextvars.get_contextvars().get("request_id", "unknown")
    _log.error("unhandled_error", exc_info=error)
    return internal_error(str(request_id))


class ErrorMappingInterceptor(_WrappingInterceptor):
    """Domain errors become their mapped status; anything else a generic INTERNAL (or
    UNAVAILABLE for infrastructure failures)."""

    def around(self, method: str, handler: Handler) -> Around:
        return _MappingErrors


class _MappingErrors:
    """Turns what escapes a call into its status."""

    __slots__ = ("_context",)

    def __init__(self, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        self._context = context

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, _type: object, error: BaseException | None, _tb: object) -> None:
        if isinstance(error, OpenChatError):
            await _abort(self._context, status_of(error))
        elif isinstance(error, Exception) and not isinstance(error, grpc.aio.AbortError):
            await _abort(self._context, _unexpected(error))
        # Anything else (none, an abort, a cancellation) goes on as it is.


class CallGate:
    """The calls in flight, and whether new ones are let in."""

    def __init__(self) -> None:
        self.open = True
        self.in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def close(self) -> None:
        """From now on, new calls are answered UNAVAILABLE."""
        self.open = False

    async def wait_idle(self, grace: float) -> None:
        """Wait until no call is in flight, or `grace` seconds."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                await self._idle.wait()

    def enter(self) -> None:
        if not self.open:
            raise Unavailable("the server is shutting down; retry against another node")
        self.in_flight += 1
        self._idle.clear()

    def leave(self) -> None:
        self.in_flight -= 1
        if not self.in_flight:
            self._idle.set()


class _ApiInterceptor(_WrappingInterceptor):
    """Wraps the API's methods only: health and reflection pass untouched."""

    async def intercept_service(
        self,
        continuation: Continuation,
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Handler:
        if handler_call_details.method.startswith(PUBLIC_METHOD_PREFIXES):
            return await continuation(handler_call_details)
        return await super().intercept_service(continuation, handler_call_details)


class DrainingInterceptor(_ApiInterceptor):
    """Lets calls through the CallGate (not health: probes must see a draining server as
    NOT_SERVING)."""

    def __init__(self, gate: CallGate) -> None:
        super().__init__()
        self._gate = gate

    def around(self, method: str, handler: Handler) -> Around:
        return lambda context: _Gated(self._gate)


class _Gated:
    """One call through the gate."""

    __slots__ = ("_gate",)

    def __init__(self, gate: CallGate) -> None:
        self._gate = gate

    async def __aenter__(self) -> None:
        self._gate.enter()

    async def __aexit__(self, *_: object) -> None:
        self._gate.leave()


class AuthInterceptor(_ApiInterceptor):
    """Requires `authorization: Bearer <JWT>` on every RPC but health and reflection."""

    def __init__(self, verifier: TokenVerifier) -> None:
        super().__init__()
        self._verifier = verifier

    def around(self, method: str, handler: Handler) -> Around:
        return lambda context: _Authenticated(self._verifier, context)


class _Authenticated:
    """Verifies the call's bearer token and makes its principal current."""

    __slots__ = ("_context", "_verifier")

    def __init__(
        self, verifier: TokenVerifier, context: grpc.aio.ServicerContext[Any, Any]
    ) -> None:
        self._verifier = verifier
        self._context = context

    async def __aenter__(self) -> None:
        header = _metadata_value(self._context, "authorization")
        if header is None:
            raise Unauthenticated("missing authorization header: send 'Bearer <token>'")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("the authorization header must be 'Bearer <token>'")
        principal = await self._verifier.verify(token.strip())
        principal_var.set(principal)
        structlog.contextvars.bind_contextvars(user_id=principal.user_id)

    async def __aexit__(self, *_: object) -> None:
        return None


class RequestDecodingInterceptor(_WrappingInterceptor):
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
