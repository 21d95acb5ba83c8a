"""Structured logs: one canonical event per RPC, and never a message body or a token."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import grpc
import pytest
import structlog

from openchat.v1 import conversation_service_pb2, message_pb2
from tests.support.api import Api
from tests.support.servers import RunningServer, bearer
from tests.support.streams import connect
from tests.support.waiting import until

SECRET_TEXT = "the-body-of-a-private-message-3f9a"


def send_events(events: list[MutableMapping[str, Any]]) -> list[MutableMapping[str, Any]]:
    return [
        event
        for event in events
        if event["event"] == "rpc" and event["method"].endswith("/SendMessage")
    ]


async def test_one_rpc_event_per_call_without_bodies_or_tokens(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    token = bearer(alice)[0][1].removeprefix("Bearer ")
    with structlog.testing.capture_logs(
        processors=[structlog.contextvars.merge_contextvars]
    ) as events:
        group = await api.create_group(alice, [bob])
        async with connect(server.channel, bob):
            await api.send(alice, group.conversation_id, SECRET_TEXT)
            await api.send(
                alice,
                group.conversation_id,
                content=message_pb2.Content(text=SECRET_TEXT, data=b"x", mime_type="text/x"),
            )
        with pytest.raises(grpc.aio.AioRpcError):
            await api.send(alice, group.conversation_id, content=message_pb2.Content())
        # The server logs a call once its status is sent, which may be after the client has it.
        await until(lambda: send_events(events)[2:], what="the third SendMessage's rpc event")
    rpcs = [event for event in events if event["event"] == "rpc"]
    methods = [event["method"] for event in rpcs]
    assert methods.count("/openchat.v1.MessagingService/SendMessage") == 3
    assert methods.count("/openchat.v1.ConversationService/CreateGroup") == 1
    for event in rpcs:
        assert {"code", "duration_ms", "peer", "request_id", "method"} <= event.keys()
    codes = [e["code"] for e in rpcs if e["method"].endswith("/SendMessage")]
    assert codes == ["OK", "OK", "INVALID_ARGUMENT"]
    everything = repr(events)
    assert SECRET_TEXT not in everything
    assert token not in everything


async def test_the_callers_request_id_is_kept(
    server: RunningServer, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    api = Api(server.channel)
    with structlog.testing.capture_logs(
        processors=[structlog.contextvars.merge_contextvars]
    ) as events:
        await api.conversations.ListConversations(
            conversation_service_pb2.ListConversationsRequest(),
            metadata=(*bearer(alice), ("x-request-id", "trace-1234")),
        )
    (rpc,) = [event for event in events if event["event"] == "rpc"]
    assert rpc["request_id"] == "trace-1234"
