"""RequestObservingInterceptor: the request id, one canonical log line and the gRPC server
metrics of every RPC (shared with the web listener through begin_rpc/end_rpc)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import grpc
import structlog

from openchat.server.observability.metrics import Metrics, series_by_label
from openchat.server.transport.interceptors.wrapping import (
    Around,
    RequestStep,
    UnaryBehavior,
    WrappingInterceptor,
    applied_to_requests,
    metadata_value,
)

if TYPE_CHECKING:
    from openchat.server.transport.interceptors.wrapping import Handler

_log = structlog.get_logger("openchat.rpc")


_RPC_TYPES = {
    (False, False): "unary",
    (False, True): "server_stream",
    (True, False): "client_stream",
    (True, True): "bidi_stream",
}


def rpc_type(request_streaming: bool, response_streaming: bool) -> str:
    """The grpc_type label of a method: unary, server_stream, client_stream or bidi_stream."""
    return _RPC_TYPES[(request_streaming, response_streaming)]


class MethodSeries:
    """The metric series of one method, looked up once when its handler is wrapped (a
    prometheus_client labels() lookup on every call costs more than the increment). The web
    listener records into the same series."""

    __slots__ = ("duration", "handled", "received", "sent", "started", "streaming")

    def __init__(self, metrics: Metrics, method: str, kind: str) -> None:
        _, service, name = method.split("/", 2)
        labels = (kind, service, name)
        self.streaming = kind != "unary"
        self.started = metrics.rpc_started.labels(*labels)
        self.duration = metrics.rpc_duration.labels(*labels)
        self.received = metrics.rpc_received.labels(*labels)
        self.sent = metrics.rpc_sent.labels(*labels)
        # The handled-RPCs counter of this method, by status code.
        self.handled = series_by_label(metrics.rpc_handled, *labels)


class RequestObservingInterceptor(WrappingInterceptor):
    """Per RPC: binds a request id for every log line of the call, writes one canonical `rpc`
    log event (method, status code, duration, peer, request id), and records the gRPC server
    metrics (started, handled by code, duration, messages each way, streams in progress)."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__()
        self._metrics = metrics
        self._series: dict[str, MethodSeries] = {}

    def around(self, method: str, handler: Handler) -> Around:
        series = self._series_of(method, handler)
        return lambda context: _Observed(self, method, series, context)

    def around_unary(self, behavior: UnaryBehavior, handler: Handler, method: str) -> UnaryBehavior:
        series = self._series_of(method, handler)
        counted_requests = applied_to_requests(_counter(series), handler)

        # A streaming behavior that writes its responses itself returns none to count.
        sent = None if handler.response_streaming else series.sent

        async def counted(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            response = await behavior(counted_requests(request), context)
            if sent is not None:
                sent.inc()
            return response

        return super().around_unary(counted, handler, method)

    def stream_request(self, handler: Handler, method: str) -> RequestStep:
        return _counter(self._series_of(method, handler))

    def stream_response(self, handler: Handler, method: str) -> Callable[[], None]:
        return self._series_of(method, handler).sent.inc

    def _series_of(self, method: str, handler: Handler) -> MethodSeries:
        series = self._series.get(method)
        if series is None:
            series = self._series[method] = MethodSeries(
                self._metrics,
                method,
                rpc_type(handler.request_streaming, handler.response_streaming),
            )
        return series

    def _begin(
        self, method: str, context: grpc.aio.ServicerContext[Any, Any], series: MethodSeries
    ) -> float:
        # The peer is read now: asking a finished call for it (in _end, after the client went
        # away) crashed the process with a segmentation fault in grpc 1.85's Cython layer.
        given = metadata_value(context, "x-request-id")
        return begin_rpc(self._metrics, series, method, given, context.peer())

    def _end(
        self,
        context: grpc.aio.ServicerContext[Any, Any],
        series: MethodSeries,
        started: float,
    ) -> None:
        code = context.code() or grpc.StatusCode.OK
        if context.cancelled() and code == grpc.StatusCode.OK:
            code = grpc.StatusCode.CANCELLED
        end_rpc(self._metrics, series, code.name, started)


def begin_rpc(
    metrics: Metrics, series: MethodSeries, method: str, request_id: str | None, peer: str
) -> float:
    """The start of an RPC, whichever listener took it: binds the log context (the caller's
    x-request-id when it is sane, else a new one) and counts it; returns its start time."""
    structlog.contextvars.clear_contextvars()
    if not (request_id and len(request_id) <= 64 and request_id.isprintable()):
        # 16 random hex digits, as uuid4().hex[:16] gave, without building a UUID on each call.
        request_id = os.urandom(8).hex()
    structlog.contextvars.bind_contextvars(request_id=request_id, method=method, peer=peer)
    series.started.inc()
    if series.streaming:
        metrics.streams_active.inc()
    return time.perf_counter()


def end_rpc(metrics: Metrics, series: MethodSeries, code: str, started: float) -> None:
    """The end of an RPC with its status code name: the canonical log line and the metrics."""
    elapsed = time.perf_counter() - started
    series.handled(code).inc()
    series.duration.observe(elapsed)
    if series.streaming:
        metrics.streams_active.dec()
    _log.info("rpc", code=code, duration_ms=round(elapsed * 1000, 3))
    structlog.contextvars.clear_contextvars()


def _counter(series: MethodSeries) -> RequestStep:
    """Counts each request as it is taken."""
    received = series.received

    def count(request: Any) -> Any:
        received.inc()
        return request

    return count


class _Observed:
    """One call, between its start and its end."""

    __slots__ = ("_context", "_interceptor", "_method", "_series", "_started")

    def __init__(
        self,
        interceptor: RequestObservingInterceptor,
        method: str,
        series: MethodSeries,
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
