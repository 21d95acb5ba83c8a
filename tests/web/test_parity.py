"""The web listener answers exactly as the gRPC listener does: the same bad requests get the same
status, message, ErrorInfo (reason, domain, metadata) and BadRequest field violations over
gRPC, Connect (binary and JSON) and gRPC-Web (binary and JSON)."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import grpc
import pytest
from connectrpc.errors import ConnectError
from google.protobuf import descriptor
from grpc_status import rpc_status

from openchat.v1 import (
    conversation_service_pb2,
    message_pb2,
    messaging_service_pb2,
    presence_service_pb2,
)
from tests.support.api import Api
from tests.support.methods import raw_unary
from tests.support.servers import RunningServer, bearer, start_app
from tests.support.settings import settings_for
from tests.web.conftest import (
    PROTOCOLS,
    Refusal,
    WebProtocol,
    call_web,
    refusal_of,
    web_refusal,
)

MESSAGING = messaging_service_pb2.DESCRIPTOR.services_by_name["MessagingService"]
CONVERSATIONS = conversation_service_pb2.DESCRIPTOR.services_by_name["ConversationService"]
PRESENCE = presence_service_pb2.DESCRIPTOR.services_by_name["PresenceService"]
SEND = MESSAGING.methods_by_name["SendMessage"]
MARK_READ = MESSAGING.methods_by_name["MarkRead"]
GET_CONVERSATION = CONVERSATIONS.methods_by_name["GetConversation"]
SEND_FRAMES = PRESENCE.methods_by_name["SendSessionFrames"]


@dataclass(frozen=True)
class Scene:
    owner: str
    outsider: str
    conversation_id: str


@pytest.fixture(scope="module")
async def scene(web_server: RunningServer) -> Scene:
    owner, member, outsider = (f"user-{uuid.uuid4().hex[:10]}" for _ in range(3))
    api = Api(web_server.channel)
    group = await api.create_group(owner, [member])
    await api.send(owner, group.conversation_id, "already here", client_msg_id="taken")
    return Scene(owner, outsider, group.conversation_id)


def _text(text: str) -> message_pb2.Content:
    return message_pb2.Content(text=text)


# name -> (method, request for the scene, the caller's authorization header or None)
Case = tuple[descriptor.MethodDescriptor, Callable[[Scene], Any], Callable[[Scene], str | None]]


def _as(user: Callable[[Scene], str]) -> Callable[[Scene], str | None]:
    return lambda scene: dict(bearer(user(scene)))["authorization"]


OWNER = _as(lambda scene: scene.owner)
CASES: dict[str, Case] = {
    "no token": (
        SEND,
        lambda s: messaging_service_pb2.SendMessageRequest(
            conversation_id=s.conversation_id, client_msg_id="a", content=_text("hi")
        ),
        lambda _: None,
    ),
    "bad token": (
        SEND,
        lambda s: messaging_service_pb2.SendMessageRequest(
            conversation_id=s.conversation_id, client_msg_id="a", content=_text("hi")
        ),
        lambda _: "Bearer not-a-jwt",
    ),
    "missing client_msg_id": (
        SEND,
        lambda s: messaging_service_pb2.SendMessageRequest(
            conversation_id=s.conversation_id, content=_text("hi")
        ),
        OWNER,
    ),
    "unknown conversation": (
        SEND,
        lambda s: messaging_service_pb2.SendMessageRequest(
            conversation_id="no-such-conversation", client_msg_id="b", content=_text("hi")
        ),
        OWNER,
    ),
    "not a member": (
        SEND,
        lambda s: messaging_service_pb2.SendMessageRequest(
            conversation_id=s.conversation_id, client_msg_id="c", content=_text("hi")
        ),
        _as(lambda scene: scene.outsider),
    ),
    "client_msg_id reused with other content": (
        SEND,
        lambda s: messaging_service_pb2.SendMessageRequest(
            conversation_id=s.conversation_id, client_msg_id="taken", content=_text("other")
        ),
        OWNER,
    ),
    "content too large": (
        SEND,
        lambda s: messaging_service_pb2.SendMessageRequest(
            conversation_id=s.conversation_id, client_msg_id="d", content=_text("x" * 70_000)
        ),
        OWNER,
    ),
    "negative read seq": (
        MARK_READ,
        lambda s: messaging_service_pb2.MarkReadRequest(conversation_id=s.conversation_id, seq=-1),
        OWNER,
    ),
    "conversation not found": (
        GET_CONVERSATION,
        lambda s: conversation_service_pb2.GetConversationRequest(conversation_id="nope"),
        OWNER,
    ),
    "unknown session": (
        SEND_FRAMES,
        lambda s: presence_service_pb2.SendSessionFramesRequest(
            session_id="no-such-session",
            frames=[presence_service_pb2.ClientFrame(ping=presence_service_pb2.Ping(nonce=1))],
        ),
        OWNER,
    ),
    "no frames": (
        SEND_FRAMES,
        lambda s: presence_service_pb2.SendSessionFramesRequest(session_id="s"),
        OWNER,
    ),
}


async def grpc_refusal(
    channel: grpc.aio.Channel, method: descriptor.MethodDescriptor, raw: bytes, auth: str | None
) -> Refusal:
    metadata = () if auth is None else (("authorization", auth),)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await raw_unary(channel, method)(raw, metadata=metadata)
    error = raised.value
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    details = (
        []
        if status is None
        else [(detail.type_url.rpartition("/")[2], detail.value) for detail in status.details]
    )
    return refusal_of(error.code().name, error.details() or "", details)


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=lambda p: p.name)
@pytest.mark.parametrize("case", list(CASES), ids=str)
async def test_the_same_refusal_over_every_protocol(
    web_server: RunningServer, base_url: str, scene: Scene, case: str, protocol: WebProtocol
) -> None:
    method, request_for, auth_for = CASES[case]
    request, auth = request_for(scene), auth_for(scene)
    expected = await grpc_refusal(web_server.channel, method, request.SerializeToString(), auth)
    assert expected.reason, expected
    assert expected.domain == "openchat.v1", expected

    headers = {} if auth is None else {"authorization": auth}
    with pytest.raises(ConnectError) as raised:
        await call_web(protocol, base_url, method, request, headers)

    assert web_refusal(raised.value) == expected


async def test_undecodable_bytes_are_refused_alike(
    web_server: RunningServer, base_url: str, scene: Scene
) -> None:
    garbage = b"\x0a\xff\xff\xff"  # field 1, a length far past the end
    auth = dict(bearer(scene.owner))["authorization"]
    expected = await grpc_refusal(web_server.channel, SEND, garbage, auth)
    assert (expected.code, expected.reason) == ("INVALID_ARGUMENT", "REQUEST_UNDECODABLE")

    async with aiohttp.ClientSession() as http:
        response = await http.post(
            f"{base_url}/openchat.v1.MessagingService/SendMessage",
            data=garbage,
            headers={"content-type": "application/proto", "authorization": auth},
        )
        body = json.loads(await response.read())
    details = [
        (detail["type"], base64.b64decode(detail["value"] + "==")) for detail in body["details"]
    ]
    refusal = refusal_of(body["code"].upper(), body["message"], details)
    assert (response.status, refusal) == (400, expected)


async def test_web_calls_are_counted_in_the_same_series_as_grpc_calls(
    web_server: RunningServer, base_url: str, scene: Scene
) -> None:
    registry = web_server.app.metrics.registry
    labels = {
        "grpc_service": "openchat.v1.ConversationService",
        "grpc_method": "GetConversation",
        "grpc_type": "unary",
        "grpc_code": "NOT_FOUND",
    }

    def handled() -> float:
        return registry.get_sample_value("grpc_server_handled_total", labels) or 0.0

    before = handled()
    request = conversation_service_pb2.GetConversationRequest(conversation_id="missing")
    auth = dict(bearer(scene.owner))
    with pytest.raises(ConnectError):
        await call_web(PROTOCOLS[0], base_url, GET_CONVERSATION, request, auth)
    await grpc_refusal(
        web_server.channel, GET_CONVERSATION, request.SerializeToString(), auth["authorization"]
    )

    assert handled() == before + 2, "the web call and the gRPC call, in one series"


async def test_a_draining_server_refuses_new_web_calls_as_grpc_ones(own_database_url: str) -> None:
    settings = settings_for(own_database_url, server={"web_listen": "127.0.0.1:0"})
    async with start_app(settings) as running:
        running.app.gate.close()  # what stop() does first
        request = conversation_service_pb2.GetConversationRequest(conversation_id="any")
        auth = dict(bearer("drained"))
        expected = await grpc_refusal(
            running.channel, GET_CONVERSATION, request.SerializeToString(), auth["authorization"]
        )
        with pytest.raises(ConnectError) as raised:
            await call_web(
                PROTOCOLS[0],
                f"http://127.0.0.1:{running.app.web_port}",
                GET_CONVERSATION,
                request,
                auth,
            )
    assert (expected.code, expected.reason) == ("UNAVAILABLE", "SERVICE_UNAVAILABLE")
    assert web_refusal(raised.value) == expected
