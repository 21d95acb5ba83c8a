"""OpenTelemetry tracing: one trace follows a send from the caller's span through the RPC and
the commit to the fan-out, recorded by the SDK's in-memory exporter."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from opentelemetry.instrumentation.grpc import aio_client_interceptors
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.support.api import Api
from tests.support.servers import start_app
from tests.support.settings import settings_for
from tests.support.streams import connect
from tests.support.waiting import until


def _attribute(span: ReadableSpan, name: str) -> object:
    return (span.attributes or {}).get(name)


def _recording() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


async def test_a_send_is_one_trace_from_the_caller_to_the_fan_out(
    database_url: str, user_ids: Iterator[str]
) -> None:
    server_provider, server_spans = _recording()
    client_provider, client_spans = _recording()
    alice, bob = next(user_ids), next(user_ids)
    async with start_app(settings_for(database_url), tracer_provider=server_provider) as server:
        api = Api(server.channel)
        group = await api.create_group(alice, [bob])
        # The caller is instrumented too: its interceptor sends the traceparent header.
        target = server.target
        interceptors = aio_client_interceptors(tracer_provider=client_provider)  # type: ignore[no-untyped-call]
        traced_channel = grpc.aio.insecure_channel(target, interceptors=interceptors)
        async with connect(server.channel, bob) as bob_stream, traced_channel:
            ack = await Api(traced_channel).send(alice, group.conversation_id, "traced")
            (delivered,) = await bob_stream.messages(1)
        assert delivered.message_id == ack.message_id

        def named(name: str) -> list[ReadableSpan]:
            return [span for span in server_spans.get_finished_spans() if span.name == name]

        def stream_routes() -> list[ReadableSpan]:
            return [
                s for s in named("openchat.route") if _attribute(s, "openchat.route") == "stream"
            ]

        (route,) = await until(stream_routes, what="the stream route's span")
    (call,) = [s for s in client_spans.get_finished_spans() if s.kind.name == "CLIENT"]
    (rpc,) = [
        s
        for s in server_spans.get_finished_spans()
        if s.kind.name == "SERVER" and _attribute(s, "rpc.method") == "SendMessage"
    ]
    (commit,) = named("openchat.commit")
    assert call.context is not None
    assert rpc.context is not None
    assert commit.context is not None
    trace_id = call.context.trace_id
    for span in (rpc, commit, route):
        assert span.context is not None
        assert span.context.trace_id == trace_id, span.name
    assert rpc.parent is not None
    assert rpc.parent.span_id == call.context.span_id, "the caller's context was continued"
    assert commit.parent is not None
    assert commit.parent.span_id == rpc.context.span_id
    assert route.parent is not None
    assert route.parent.span_id == commit.context.span_id
    assert _attribute(commit, "openchat.batch_size") == 1


async def test_health_checks_and_reflection_make_no_spans(
    database_url: str, user_ids: Iterator[str]
) -> None:
    provider, spans = _recording()
    async with start_app(settings_for(database_url), tracer_provider=provider) as server:
        await health_pb2_grpc.HealthStub(server.channel).Check(health_pb2.HealthCheckRequest())
        reflection = reflection_pb2_grpc.ServerReflectionStub(server.channel)
        listing = reflection.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")])
        )
        assert [answer async for answer in listing]
        # A traced RPC in the same server, so that the test sees spans being recorded at all.
        await Api(server.channel).create_group(next(user_ids), [])
    names = [span.name for span in spans.get_finished_spans()]
    assert "/openchat.v1.ConversationService/CreateGroup" in names
    assert not [name for name in names if name.startswith(("/grpc.health", "/grpc.reflection"))]
