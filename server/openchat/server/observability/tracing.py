"""OpenTelemetry tracing: off unless the standard OTEL_* environment variables turn it on.

- `OTEL_SDK_DISABLED=true` turns it off whatever else is set.
- `OTEL_TRACES_EXPORTER` names the exporters (`otlp`, `console`, comma-separated; `none`: off).
  Unset, tracing is on only when `OTEL_EXPORTER_OTLP_ENDPOINT` or
  `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set, and then exports OTLP. (The specification's default
  is `otlp`; a server that starts sending to localhost:4317 because nobody said otherwise would
  surprise its operator.) `otlp` speaks OTLP over gRPC, the only protocol installed.
- The SDK reads the rest itself: `OTEL_SERVICE_NAME` (here `openchat-server` by default),
  `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER(_ARG)`, `OTEL_BSP_*`, `OTEL_EXPORTER_OTLP_*`
  (endpoint, headers, certificates, timeout) and `OTEL_PROPAGATORS` (W3C trace context and
  baggage by default).

A send is one trace: the RPC's server span (opentelemetry-instrumentation-grpc, continuing the
caller's `traceparent`), then `openchat.commit`, the group-commit transaction that stored the
message, then one `openchat.route` span per route that takes it from there (`stream`: the
fan-out to the sessions of every node; webhooks, pushes, providers). The commit runs in the
writer's task and the routes in the router's, so the trace travels with the draft (the
caller's context) and with the persisted-message event (its W3C headers).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from importlib.metadata import entry_points

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

from openchat.server.domain.events import TraceHeaders

SERVICE = "openchat-server"
INSTRUMENTATION = "openchat.server"
# Entry points of the installed span exporters, as the OpenTelemetry SDK names them.
_EXPORTER_ENTRY_POINTS = "opentelemetry_traces_exporter"
_OTLP_BY_PROTOCOL = {"grpc": "otlp_proto_grpc", "http/protobuf": "otlp_proto_http"}


# What a draft keeps of its sender's trace: the context its RPC ran in.
Caller = otel_context.Context


class TracingError(ValueError):
    """The OTEL_* variables ask for something this installation cannot do; the message names
    the variable."""


def tracer_provider(environ: Mapping[str, str]) -> TracerProvider | None:
    """A tracer provider exporting as the OTEL_* variables in `environ` say, or None when they
    leave tracing off."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    names = [n.strip() for n in environ.get("OTEL_TRACES_EXPORTER", "").split(",") if n.strip()]
    if not names:
        endpoints = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        if not any(environ.get(variable) for variable in endpoints):
            return None
        names = ["otlp"]
    names = [name for name in names if name != "none"]
    if not names:
        return None
    exporters = [_exporter(name, environ) for name in names]
    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: SERVICE}))
    provider = TracerProvider(resource=resource)
    for exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def _exporter(name: str, environ: Mapping[str, str]) -> SpanExporter:
    variable = "OTEL_TRACES_EXPORTER"
    if name == "otlp":
        variable = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
        protocol = environ.get(variable) or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "grpc"
        if "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL" not in environ:
            variable = "OTEL_EXPORTER_OTLP_PROTOCOL"
        name = _OTLP_BY_PROTOCOL.get(protocol, protocol)
    found = entry_points(group=_EXPORTER_ENTRY_POINTS, name=name)
    if not found:
        installed = sorted(point.name for point in entry_points(group=_EXPORTER_ENTRY_POINTS))
        raise TracingError(
            f"{variable}: no span exporter {name!r} is installed (installed: "
            f"{', '.join(installed)}; `otlp` is OTLP over gRPC)"
        )
    exporter: SpanExporter = next(iter(found)).load()()
    return exporter


class SendTracing:
    """The spans of a send after its RPC's: the commit, then its routes."""

    def __init__(self, provider: TracerProvider) -> None:
        self._tracer = provider.get_tracer(INSTRUMENTATION)

    def caller(self) -> Caller:
        """The current context (the RPC's span), to be kept with a draft."""
        return otel_context.get_current()

    def commit(self, callers: Sequence[Caller | None]) -> CommitSpans:
        """One `openchat.commit` span in each caller's trace, for the one transaction that
        stores their drafts."""
        return CommitSpans(
            [
                self._tracer.start_span(
                    "openchat.commit",
                    context=caller,
                    attributes={"openchat.batch_size": len(callers)},
                )
                for caller in callers
            ],
            len(callers),
        )

    @contextlib.contextmanager
    def route(self, route: str, headers: TraceHeaders) -> Iterator[None]:
        """An `openchat.route` span for `route`, in the trace the headers carry."""
        parent = propagate.extract(dict(headers))
        with self._tracer.start_as_current_span(
            "openchat.route", context=parent, attributes={"openchat.route": route}
        ):
            yield


class CommitSpans:
    """The commit spans of one transaction, ended together."""

    def __init__(self, spans: list[trace.Span], size: int) -> None:
        self._spans = spans
        self._size = size

    def headers(self) -> list[TraceHeaders]:
        """Each span's W3C headers, for the event of its message (in the callers' order;
        empty headers when untraced)."""
        if not self._spans:
            return [()] * self._size
        return [_headers(span) for span in self._spans]

    def end(self, error: BaseException | None = None) -> None:
        for span in self._spans:
            if error is not None:
                span.record_exception(error)
                span.set_status(trace.StatusCode.ERROR, repr(error))
            span.end()


def untraced(size: int) -> CommitSpans:
    """No spans, for a transaction of `size` drafts while tracing is off."""
    return CommitSpans([], size)


def _headers(span: trace.Span) -> TraceHeaders:
    carrier: dict[str, str] = {}
    propagate.inject(carrier, context=trace.set_span_in_context(span))
    return tuple(sorted(carrier.items()))
