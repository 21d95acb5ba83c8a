"""Authentication and authorization: every RPC but health and reflection needs a valid bearer
token, only members touch a conversation, and a message's sender is always the token's `sub`."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc
import jwt
import pytest
from google.protobuf import descriptor
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from openchat.server.auth.tokens import issue_token
from openchat.v1 import conversation_service_pb2, message_pb2, messaging_service_pb2
from tests.support.api import Api
from tests.support.methods import (
    METHODS,
    SERVICES,
    method_id,
    raw_stream,
    raw_unary,
    request_class,
)
from tests.support.servers import RunningServer, bearer
from tests.support.settings import TEST_SECRET
from tests.support.status import expect_error
from tests.support.storage import snapshot


def _signed(claims: dict[str, Any], secret: str = TEST_SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def _bad_credentials() -> dict[str, tuple[tuple[str, str], ...]]:
    """Every way a request can fail to authenticate, by name."""
    now = int(time.time())
    header = "authorization"
    return {
        "no header": (),
        "other scheme": ((header, "Basic YWxpY2U6c2VjcmV0"),),
        "bearer without token": ((header, "Bearer"),),
        "bearer with blank token": ((header, "Bearer    "),),
        "not a jwt": ((header, "Bearer not-a-jwt"),),
        "forged": ((header, "Bearer " + issue_token("x" * 40, "alice", ttl_seconds=60)),),
        "expired": ((header, "Bearer " + issue_token(TEST_SECRET, "alice", ttl_seconds=-600)),),
        "unsigned (alg none)": (
            (header, "Bearer " + jwt.encode({"sub": "alice", "exp": now + 60}, "", "none")),
        ),
        "without exp": ((header, "Bearer " + _signed({"sub": "alice"})),),
        "without sub": ((header, "Bearer " + _signed({"exp": now + 60})),),
        "empty sub": ((header, "Bearer " + _signed({"sub": "", "exp": now + 60})),),
        "overlong sub": ((header, "Bearer " + _signed({"sub": "a" * 129, "exp": now + 60})),),
        "sub with a newline": ((header, "Bearer " + _signed({"sub": "al\nice", "exp": now + 60})),),
        "sub with an escape": ((header, "Bearer " + _signed({"sub": "\x1b[2J", "exp": now + 60})),),
        "token in another header": (("x-token", issue_token(TEST_SECRET, "a", ttl_seconds=60)),),
    }


async def call_raw(
    channel: grpc.aio.Channel,
    method: descriptor.MethodDescriptor,
    metadata: tuple[tuple[str, str], ...],
) -> None:
    """Call `method` with an empty request, whatever its streaming shape; raise its error."""
    request = request_class(method)().SerializeToString()
    if method.client_streaming:
        # grpc-stubs predate request-less stream calls (write() instead of an iterator).
        call = raw_stream(channel, method)(metadata=metadata)  # type: ignore[call-arg]
        # Write only once the server has answered the headers, as the SDK does: grpc.aio turns
        # a write that races the server's refusal into INTERNAL (grpc/grpc#36066).
        await call.initial_metadata()
        if not call.done():
            await call.write(request)
        async for _ in call:
            pass
        return
    await raw_unary(channel, method)(request, metadata=metadata)


@pytest.mark.parametrize("method", METHODS, ids=method_id)
async def test_every_rpc_rejects_missing_and_bad_tokens(
    server: RunningServer, method: descriptor.MethodDescriptor
) -> None:
    for name, metadata in _bad_credentials().items():
        error = await expect_error(
            call_raw(server.channel, method, metadata),
            grpc.StatusCode.UNAUTHENTICATED,
            "TOKEN_INVALID",
        )
        assert error.details(), name


async def test_health_and_reflection_need_no_token(server: RunningServer) -> None:
    health = health_pb2_grpc.HealthStub(server.channel)
    for service in ["", *(s.full_name for s in SERVICES)]:
        response = await health.Check(health_pb2.HealthCheckRequest(service=service))
        assert response.status == health_pb2.HealthCheckResponse.SERVING, service

    reflection = reflection_pb2_grpc.ServerReflectionStub(server.channel)

    async def ask() -> AsyncIterator[reflection_pb2.ServerReflectionRequest]:
        yield reflection_pb2.ServerReflectionRequest(list_services="")
        yield reflection_pb2.ServerReflectionRequest(
            file_containing_symbol="openchat.v1.MessagingService"
        )

    answers = [answer async for answer in reflection.ServerReflectionInfo(ask())]
    listed = {service.name for service in answers[0].list_services_response.service}
    assert {s.full_name for s in SERVICES} | {"grpc.health.v1.Health"} <= listed
    assert answers[1].file_descriptor_response.file_descriptor_proto


async def test_a_valid_token_is_accepted_on_every_spelling_of_the_scheme(
    api: Api, server: RunningServer, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    token = issue_token(TEST_SECRET, alice, ttl_seconds=60)
    for header in (f"Bearer {token}", f"bearer {token}"):
        response = await api.conversations.ListConversations(
            conversation_service_pb2.ListConversationsRequest(),
            metadata=(("authorization", header),),
        )
        assert list(response.conversations) == []


async def test_non_members_cannot_send_read_mark_or_sync(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, outsider = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [])
    await api.send(alice, group.conversation_id, "members only")
    conversation_id = group.conversation_id

    before = await snapshot(server.app.database)
    for name, call in api.member_only_calls(outsider, conversation_id).items():
        error = await expect_error(
            call(), grpc.StatusCode.PERMISSION_DENIED, "NOT_A_MEMBER", naming=conversation_id
        )
        assert outsider in (error.details() or ""), name
    assert await snapshot(server.app.database) == before
    assert not (await api.sync(outsider, {conversation_id: 0})).conversations
    assert [m.content.text for m in await api.history(alice, conversation_id)] == ["members only"]


async def test_the_sender_is_always_the_tokens_subject(api: Api, user_ids: Iterator[str]) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    # Headers that a naive server might trust do not change who sends.
    claims_to_be_alice = (*bearer(bob), ("x-user-id", alice), ("x-openchat-sender", alice))
    response = await api.messaging.SendMessage(
        messaging_service_pb2.SendMessageRequest(
            conversation_id=group.conversation_id,
            client_msg_id="shared-key",
            content=message_pb2.Content(text="from bob"),
        ),
        metadata=claims_to_be_alice,
    )
    # The idempotency key is per sender: alice's equal key is a different message.
    alices = await api.send(alice, group.conversation_id, "from alice", client_msg_id="shared-key")
    assert not alices.duplicate
    assert alices.message_id != response.ack.message_id

    history = await api.history(alice, group.conversation_id)
    assert [(m.sender_id, m.content.text) for m in history] == [
        (bob, "from bob"),
        (alice, "from alice"),
    ]
    synced = (await api.sync(bob)).conversations[0].messages
    assert [m.sender_id for m in synced] == [bob, alice]


async def test_a_token_for_a_user_unknown_to_the_server_just_works(
    api: Api,
) -> None:
    # Users are the identities in the tokens; there is no user table to register in first.
    stranger = f"stranger-{uuid.uuid4().hex}"
    group = await api.create_group(stranger, [])
    ack = await api.send(stranger, group.conversation_id, "hello")
    assert ack.seq == 1
