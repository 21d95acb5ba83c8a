"""Prometheus metrics, scraped over HTTP after real traffic."""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterator

import aiohttp
import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families

from openchat.v1 import message_pb2
from tests.support.api import Api
from tests.support.servers import RunningServer
from tests.support.streams import connect
from tests.support.waiting import until

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(server: RunningServer) -> Samples:
    assert server.app.metrics_server is not None
    url = f"http://127.0.0.1:{server.app.metrics_server.port}/metrics"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_message_counters_move_by_the_traffic(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    before = await scrape(server)
    async with connect(server.channel, bob) as bob_stream:
        for n in range(3):
            await api.send(alice, group.conversation_id, f"m{n}", client_msg_id=f"k{n}")
        await api.send(alice, group.conversation_id, "m0", client_msg_id="k0")  # a retry
        with pytest.raises(grpc.aio.AioRpcError):
            await api.send(alice, group.conversation_id, content=message_pb2.Content())
        with pytest.raises(grpc.aio.AioRpcError):
            await api.send(alice, str(uuid.uuid4()))
        await bob_stream.messages(3)
        during = await scrape(server)
    name = "openchat_messages_sent_total"
    assert value(during, name, transport="unary") - value(before, name, transport="unary") == 6
    for metric, delta in (
        ("openchat_messages_persisted_total", 3),
        ("openchat_messages_duplicate_total", 1),
        ("openchat_messages_delivered_total", 3),
        ("openchat_send_latency_seconds_count", 4),
    ):
        assert value(during, metric) - value(before, metric) == delta, metric
    failed = "openchat_messages_failed_total"
    for reason in ("FIELD_INVALID", "CONVERSATION_NOT_FOUND"):
        assert value(during, failed, reason=reason) - value(before, failed, reason=reason) == 1

    # The gRPC server metrics, with the names and labels of go-grpc-prometheus and its ports.
    def moved(name: str, **labels: str) -> float:
        return value(during, name, **labels) - value(before, name, **labels)

    send = {
        "grpc_type": "unary",
        "grpc_service": "openchat.v1.MessagingService",
        "grpc_method": "SendMessage",
    }
    for code, count in (("OK", 4), ("INVALID_ARGUMENT", 1), ("NOT_FOUND", 1)):
        assert moved("grpc_server_handled_total", **send, grpc_code=code) == count, code
    assert moved("grpc_server_started_total", **send) == 6
    assert moved("grpc_server_handling_seconds_count", **send) == 6
    assert moved("grpc_server_msg_received_total", **send) == 6
    assert moved("grpc_server_msg_sent_total", **send) == 4, "a failed call sends no response"
    session = {
        "grpc_type": "bidi_stream",
        "grpc_service": "openchat.v1.PresenceService",
        "grpc_method": "Connect",
    }
    assert moved("grpc_server_started_total", **session) == 1
    assert moved("grpc_server_msg_received_total", **session) >= 1  # the hello
    assert moved("grpc_server_msg_sent_total", **session) >= 4  # the welcome, three messages
    assert value(during, "openchat_sessions_active") >= 1
    assert value(during, "openchat_grpc_streams_active") >= 1


async def test_session_gauges_and_disconnect_reasons(
    server: RunningServer, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    before = await scrape(server)
    async with connect(server.channel, alice, "phone"):
        open_now = await scrape(server)
        assert value(open_now, "openchat_sessions_active") >= 1
        async with connect(server.channel, alice, "phone"):  # replaces the first
            pass
    disconnects = "openchat_session_disconnects_total"

    async def both_disconnects_counted() -> bool:
        after = await scrape(server)
        return all(
            value(after, disconnects, reason=reason) - value(before, disconnects, reason=reason)
            >= 1
            for reason in ("replaced", "client")
        )

    await until(both_disconnects_counted, what="a replaced and a client disconnect counted")


async def test_no_identifier_reaches_a_label(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    group = await api.create_group(alice, [])
    ack = await api.send(alice, group.conversation_id, "hello")
    samples = await scrape(server)
    identifiers = {alice, group.conversation_id, ack.message_id}
    label_values = {v for _, labels in samples for _, v in labels}
    assert not identifiers & label_values
    assert value(samples, "openchat_database_query_duration_seconds_count", operation="insert") > 0


async def test_garbage_collector_pauses_are_measured(server: RunningServer) -> None:
    name = "openchat_gc_pause_seconds_count"
    before = value(await scrape(server), name, generation="2")
    gc.collect()

    async def recorded() -> bool:
        # Noted in the collector's callback, recorded in the histogram by a timer.
        return value(await scrape(server), name, generation="2") - before >= 1

    await until(recorded, what="the full collection's pause in /metrics")


async def test_changes_are_counted_by_kind_apart_from_messages(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    conversation_id = (await api.create_group(alice, [])).conversation_id
    sent = await api.send(alice, conversation_id, "count me")
    before = await scrape(server)
    await api.edit(alice, conversation_id, sent.message_id, "count me twice")
    await api.react(alice, conversation_id, sent.message_id, "🔢")
    await api.recall(alice, conversation_id, sent.message_id)
    after = await scrape(server)
    changes = "openchat_message_changes_persisted_total"
    for kind in ("edit", "reaction_added", "recall"):
        assert value(after, changes, kind=kind) - value(before, changes, kind=kind) == 1, kind
    persisted = "openchat_messages_persisted_total"
    assert value(after, persisted) == value(before, persisted)
