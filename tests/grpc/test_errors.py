"""Bad input gets a precise status, a message naming the field and an AIP-193 ErrorInfo, and
changes nothing stored; undecodable bytes are INVALID_ARGUMENT; unexpected server failures are
INTERNAL (or UNAVAILABLE when transient) without leaking their text."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

import grpc
import pytest
import redis.exceptions
import sqlalchemy.exc
from structlog.testing import capture_logs

from openchat.server.auth.tokens import TokenVerifier
from openchat.server.observability.metrics import Metrics
from openchat.server.settings import SessionSettings
from openchat.server.transport.interceptors import CallGate
from openchat.server.transport.server import Registration, build_server
from openchat.v1 import (
    conversation_service_pb2,
    message_pb2,
    messaging_service_connect,
    messaging_service_pb2,
    messaging_service_pb2_grpc,
    presence_service_connect,
    presence_service_pb2,
    presence_service_pb2_grpc,
    sync_service_pb2,
)
from tests.grpc.conftest import SMALL_MAX_CONTENT_BYTES
from tests.support.api import Api
from tests.support.methods import UNARY_METHODS, method_id, raw_unary
from tests.support.servers import RunningServer, bearer
from tests.support.settings import TEST_SECRET
from tests.support.status import error_info, expect_error
from tests.support.storage import snapshot

INVALID_ARGUMENT = grpc.StatusCode.INVALID_ARGUMENT
Content = message_pb2.Content


@dataclass(frozen=True)
class Scene:
    """A conversation with one message, its owner, and the API to poke at it."""

    api: Api
    owner: str
    conversation_id: str


@pytest.fixture
async def scene(api: Api, user_ids: Iterator[str]) -> Scene:
    owner = next(user_ids)
    group = await api.create_group(owner, [next(user_ids)])
    await api.send(owner, group.conversation_id, "already here")
    return Scene(api, owner, group.conversation_id)


def send(content: Content | None = None, **fields: Any) -> Callable[[Scene], Awaitable[Any]]:
    """A SendMessage to the scene's conversation, with some fields replaced."""

    def call(scene: Scene) -> Awaitable[Any]:
        request = {
            "conversation_id": scene.conversation_id,
            "client_msg_id": uuid.uuid4().hex,
            "content": content if content is not None else Content(text="hi"),
            **fields,
        }
        return scene.api.messaging.SendMessage(
            messaging_service_pb2.SendMessageRequest(**request), metadata=bearer(scene.owner)
        )

    return call


def list_messages(**fields: Any) -> Callable[[Scene], Awaitable[Any]]:
    return lambda scene: scene.api.list_messages(scene.owner, scene.conversation_id, **fields)


def sync(**fields: Any) -> Callable[[Scene], Awaitable[Any]]:
    return lambda scene: scene.api.sync_service.Sync(
        sync_service_pb2.SyncRequest(**fields), metadata=bearer(scene.owner)
    )


def conversations(method: str, **fields: Any) -> Callable[[Scene], Awaitable[Any]]:
    request_type = getattr(conversation_service_pb2, f"{method}Request")

    def call(scene: Scene) -> Awaitable[Any]:
        given = {"conversation_id": scene.conversation_id, **fields}
        known = {k: v for k, v in given.items() if k in request_type.DESCRIPTOR.fields_by_name}
        rpc = getattr(scene.api.conversations, method)
        return rpc(request_type(**known), metadata=bearer(scene.owner))  # type: ignore[no-any-return]

    return call


# (request, the field the error must name)
BAD_FIELDS: dict[str, tuple[Callable[[Scene], Awaitable[Any]], str]] = {
    "empty client_msg_id": (send(client_msg_id=""), "client_msg_id"),
    "client_msg_id over 128": (send(client_msg_id="k" * 129), "client_msg_id"),
    "client_msg_id with a newline": (send(client_msg_id="a\nb"), "client_msg_id"),
    "empty conversation_id": (send(conversation_id=""), "conversation_id"),
    "empty content": (send(Content()), "content"),
    "attributes without text, data or attachments": (
        send(Content(attributes={"k": "v"})),
        "content",
    ),
    "data without mime_type": (send(Content(data=b"\x00\x01")), "content.mime_type"),
    "mime_type without data": (send(Content(text="x", mime_type="image/png")), "content.mime_type"),
    "NUL in text": (send(Content(text="a\x00b")), "content.text"),
    "control character in mime_type": (
        send(Content(mime_type="image/\x00png", data=b"\x89PNG")),
        "content.mime_type",
    ),
    "attachment without uri": (
        send(Content(attachments=[message_pb2.Attachment(name="a.txt")])),
        "content.attachments[0].uri",
    ),
    "negative attachment size": (
        send(Content(attachments=[message_pb2.Attachment(uri="s3://b/k", size_bytes=-1)])),
        "content.attachments[0].size_bytes",
    ),
    "empty attribute key": (send(Content(text="x", attributes={"": "v"})), "content.attributes"),
    "empty mention": (
        send(Content(text="x", mention_user_ids=[""])),
        "content.mention_user_ids[0]",
    ),
    "negative after_seq": (list_messages(after_seq=-1), "after_seq"),
    "negative before_seq": (list_messages(before_seq=-5), "before_seq"),
    "history page_size over 500": (list_messages(page_size=501), "page_size"),
    "negative history page_size": (list_messages(page_size=-1), "page_size"),
    "sync limit over 1000": (sync(limit=1001), "limit"),
    "negative sync limit": (sync(limit=-1), "limit"),
    "negative cursor": (
        sync(cursors=[sync_service_pb2.SyncCursor(conversation_id="c", after_seq=-1)]),
        "cursors[0].after_seq",
    ),
    "cursor without conversation": (
        sync(cursors=[sync_service_pb2.SyncCursor(after_seq=1)]),
        "cursors[0].conversation_id",
    ),
    "conversations page_size over 200": (
        conversations("ListConversations", page_size=201),
        "page_size",
    ),
    "empty title": (conversations("CreateGroup", title=""), "title"),
    "title over 200": (conversations("CreateGroup", title="t" * 201), "title"),
    "title with a control character": (conversations("CreateGroup", title="a\x07b"), "title"),
    "empty member id": (conversations("CreateGroup", title="t", member_ids=[""]), "member_ids[0]"),
    "request_id over 128": (
        conversations("CreateGroup", title="t", request_id="r" * 129),
        "request_id",
    ),
    "empty peer": (conversations("GetOrCreateDirect", peer_id=""), "peer_id"),
    "adding nobody": (conversations("AddMembers"), "member_ids"),
    "removing nobody": (conversations("RemoveMembers"), "member_ids"),
    "conversation id over 128": (
        conversations("GetConversation", conversation_id="c" * 129),
        "conversation_id",
    ),
}


@pytest.mark.parametrize("case", BAD_FIELDS)
async def test_a_bad_field_is_named_and_nothing_changes(
    server: RunningServer, scene: Scene, case: str
) -> None:
    call, field = BAD_FIELDS[case]
    before = await snapshot(server.app.database)
    error = await expect_error(call(scene), INVALID_ARGUMENT, "FIELD_INVALID", naming=field)
    assert error_info(error).metadata["field"] == field
    assert await snapshot(server.app.database) == before
    assert [m.seq for m in await scene.api.history(scene.owner, scene.conversation_id)] == [1]


async def test_the_longest_client_msg_id_is_accepted(scene: Scene) -> None:
    ack = (await send(client_msg_id="k" * 128)(scene)).ack
    assert (ack.seq, ack.client_msg_id) == (2, "k" * 128)


async def test_content_over_the_configured_maximum_is_rejected(
    limited_server: RunningServer, limited_api: Api, user_ids: Iterator[str]
) -> None:
    owner = next(user_ids)
    group = await limited_api.create_group(owner, [])
    # The largest text whose serialized Content is exactly at the maximum.
    fits = next(
        n
        for n in range(SMALL_MAX_CONTENT_BYTES, 0, -1)
        if Content(text="x" * n).ByteSize() <= SMALL_MAX_CONTENT_BYTES
    )
    assert Content(text="x" * fits).ByteSize() == SMALL_MAX_CONTENT_BYTES
    at_limit = await limited_api.send(owner, group.conversation_id, "x" * fits)
    assert at_limit.seq == 1

    before = await snapshot(limited_server.app.database)
    for content in (
        Content(text="x" * (fits + 1)),
        Content(text="x", mime_type="application/octet-stream", data=b"\x00" * 2000),
        Content(text="x", attributes={"k": "v" * 2000}),
    ):
        error = await expect_error(
            limited_api.send(owner, group.conversation_id, content=content),
            INVALID_ARGUMENT,
            "CONTENT_TOO_LARGE",
            naming=str(SMALL_MAX_CONTENT_BYTES),
        )
        assert "content" in (error.details() or "")
    assert await snapshot(limited_server.app.database) == before
    assert (await limited_api.get_conversation(owner, group.conversation_id)).last_seq == 1


async def test_an_unknown_conversation_is_not_found_by_every_rpc(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    missing = str(uuid.uuid4())
    before = await snapshot(server.app.database)
    for name, call in api.member_only_calls(alice, missing).items():
        error = await expect_error(
            call(), grpc.StatusCode.NOT_FOUND, "CONVERSATION_NOT_FOUND", naming=missing
        )
        assert error_info(error).metadata["conversation_id"] == missing, name
    await expect_error(
        api.send(alice, missing, "into the void", client_msg_id="void-1"),
        grpc.StatusCode.NOT_FOUND,
        "CONVERSATION_NOT_FOUND",
    )
    assert await snapshot(server.app.database) == before
    # The failed key was not consumed: it can be used for a real message afterwards.
    group = await api.create_group(alice, [])
    ack = await api.send(alice, group.conversation_id, "here", client_msg_id="void-1")
    assert (ack.seq, ack.duplicate) == (1, False)


GARBAGE = {
    "unterminated varint": b"\xff\xff\xff\xff\xff",
    "truncated field": b"\x0a\x10short",
    "invalid wire type": b"\x07",
    "stray end-group": b"\x0c",
}


@pytest.mark.parametrize("method", UNARY_METHODS, ids=method_id)
async def test_undecodable_request_bytes_are_invalid_argument(
    server: RunningServer, method: Any, user_ids: Iterator[str]
) -> None:
    call = raw_unary(server.channel, method)
    user = next(user_ids)
    before = await snapshot(server.app.database)
    for name, garbage in GARBAGE.items():
        error = await expect_error(
            call(garbage, metadata=bearer(user)),
            INVALID_ARGUMENT,
            "REQUEST_UNDECODABLE",
            naming=method.input_type.full_name,
        )
        assert error.details(), name
        # Authentication comes first: without a token the same bytes are UNAUTHENTICATED.
        await expect_error(call(garbage), grpc.StatusCode.UNAUTHENTICATED, "TOKEN_INVALID")
    assert await snapshot(server.app.database) == before


async def test_invalid_utf8_inside_a_message_is_undecodable(
    server: RunningServer, scene: Scene
) -> None:
    valid = messaging_service_pb2.SendMessageRequest(
        conversation_id=scene.conversation_id, client_msg_id="utf8", content=Content(text="ab")
    ).SerializeToString()
    broken = valid.replace(b"ab", b"\xc3\x28")
    before = await snapshot(server.app.database)
    send_method = messaging_service_pb2.DESCRIPTOR.services_by_name["MessagingService"]
    await expect_error(
        raw_unary(server.channel, send_method.methods_by_name["SendMessage"])(
            broken, metadata=bearer(scene.owner)
        ),
        INVALID_ARGUMENT,
        "REQUEST_UNDECODABLE",
    )
    assert await snapshot(server.app.database) == before


FAKE_URL = "postgresql://openchat:hunter2@db.internal:5432/openchat"


def failure(kind: str) -> Exception:
    """An exception of the given kind whose text names a database URL with its password."""
    if kind == "bug":
        return RuntimeError(f"cannot use {FAKE_URL}: invariant broken")
    if kind == "refused":
        return ConnectionRefusedError(111, f"connect to {FAKE_URL} refused")
    if kind == "database down":
        return sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception(f"{FAKE_URL} gone"))
    if kind in SQLSTATES:
        # What asyncpg's errors look like through SQLAlchemy: a generic DBAPIError whose
        # driver error carries the SQLSTATE (test_database_restart.py meets the real ones).
        return sqlalchemy.exc.DBAPIError("SELECT 1", {}, DriverError(SQLSTATES[kind]))
    if kind.startswith("direct ") and kind.removeprefix("direct ") in SQLSTATES:
        # The same errors from a direct read (storage/direct_reads.py): asyncpg's own.
        return DriverError(SQLSTATES[kind.removeprefix("direct ")])
    if kind == "redis restarting":
        return redis.exceptions.BusyLoadingError(f"{FAKE_URL} is loading the dataset")
    raise AssertionError(kind)


SQLSTATES = {
    "starting up": "57P03",
    "admin shutdown": "57P01",
    "connection failure": "08006",
    "syntax": "42601",
}


class DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"{FAKE_URL}: sqlstate {sqlstate}")
        self.sqlstate = sqlstate


class FailingMessaging(messaging_service_pb2_grpc.MessagingServiceServicer):
    """Every RPC fails with the exception named by the request's conversation_id."""

    async def SendMessage(self, request: Any, context: Any) -> NoReturn:
        raise failure(request.conversation_id)

    async def ListMessages(self, request: Any, context: Any) -> NoReturn:
        raise failure(request.conversation_id)

    async def MarkRead(self, request: Any, context: Any) -> NoReturn:
        raise failure(request.conversation_id)

    async def GetDeliveryTimeline(self, request: Any, context: Any) -> NoReturn:
        raise failure(request.message_id)

    async def EditMessage(self, request: Any, context: Any) -> NoReturn:
        raise failure(request.conversation_id)

    async def RecallMessage(self, request: Any, context: Any) -> NoReturn:
        raise failure(request.conversation_id)

    async def DeleteMessages(self, request: Any, context: Any) -> NoReturn:
        raise failure(request.conversation_id)

    async def AddReaction(self, request: Any, context: Any) -> NoReturn:
        raise failure(request.conversation_id)

    async def RemoveReaction(self, request: Any, context: Any) -> NoReturn:
        raise failure(request.conversation_id)

    async def ForwardMessages(self, request: Any, context: Any) -> NoReturn:
        raise failure(request.conversation_id)

    async def GetReadBy(self, request: Any, context: Any) -> NoReturn:
        raise failure(request.conversation_id)


class FailingPresence(presence_service_pb2_grpc.PresenceServiceServicer):
    async def Connect(self, request_iterator: Any, context: Any) -> AsyncIterator[Any]:
        async for _ in request_iterator:
            raise failure("bug")
        yield presence_service_pb2.ServerFrame()

    async def GetPresence(self, request: Any, context: Any) -> NoReturn:
        raise failure("bug")

    async def OpenSession(self, request: Any, context: Any) -> AsyncIterator[Any]:
        raise failure("bug")
        yield presence_service_pb2.OpenSessionResponse()  # unreachable: makes a generator

    async def SendSessionFrames(self, request: Any, context: Any) -> NoReturn:
        raise failure("bug")


@pytest.fixture(scope="module")
async def failing_server() -> AsyncIterator[grpc.aio.Channel]:
    """The production interceptor chain around servicers that raise unexpected exceptions."""
    registrations = [
        Registration(
            FailingMessaging(),
            messaging_service_pb2_grpc.add_MessagingServiceServicer_to_server,
            "openchat.v1.MessagingService",
            messaging_service_connect.MessagingServiceASGIApplication,
        ),
        Registration(
            FailingPresence(),
            presence_service_pb2_grpc.add_PresenceServiceServicer_to_server,
            "openchat.v1.PresenceService",
            presence_service_connect.PresenceServiceASGIApplication,
        ),
    ]
    server, _ = build_server(
        registrations, TokenVerifier(TEST_SECRET), SessionSettings(), Metrics(), CallGate()
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield channel
    finally:
        await channel.close(grace=None)
        await server.stop(None)


def assert_no_leak(error: grpc.aio.AioRpcError) -> None:
    told = [error.details() or "", error.debug_error_string() or ""]
    told.append(str(error.trailing_metadata()))
    for text in told:
        assert "hunter2" not in text
        assert "db.internal" not in text


@pytest.mark.parametrize(
    ("kind", "code", "reason"),
    [
        ("bug", grpc.StatusCode.INTERNAL, "INTERNAL_ERROR"),
        ("refused", grpc.StatusCode.UNAVAILABLE, "SERVICE_UNAVAILABLE"),
        ("database down", grpc.StatusCode.UNAVAILABLE, "SERVICE_UNAVAILABLE"),
        ("starting up", grpc.StatusCode.UNAVAILABLE, "SERVICE_UNAVAILABLE"),
        ("admin shutdown", grpc.StatusCode.UNAVAILABLE, "SERVICE_UNAVAILABLE"),
        ("connection failure", grpc.StatusCode.UNAVAILABLE, "SERVICE_UNAVAILABLE"),
        ("redis restarting", grpc.StatusCode.UNAVAILABLE, "SERVICE_UNAVAILABLE"),
        ("syntax", grpc.StatusCode.INTERNAL, "INTERNAL_ERROR"),
        ("direct admin shutdown", grpc.StatusCode.UNAVAILABLE, "SERVICE_UNAVAILABLE"),
        ("direct connection failure", grpc.StatusCode.UNAVAILABLE, "SERVICE_UNAVAILABLE"),
        ("direct syntax", grpc.StatusCode.INTERNAL, "INTERNAL_ERROR"),
    ],
)
async def test_unexpected_failures_are_generic_and_logged(
    failing_server: grpc.aio.Channel, kind: str, code: grpc.StatusCode, reason: str
) -> None:
    stub = messaging_service_pb2_grpc.MessagingServiceStub(failing_server)
    request = messaging_service_pb2.SendMessageRequest(conversation_id=kind)
    with capture_logs() as logs:
        error = await expect_error(
            stub.SendMessage(request, metadata=bearer("alice")), code, reason
        )
    assert_no_leak(error)
    if code == grpc.StatusCode.INTERNAL:
        request_id = error_info(error).metadata["request_id"]
        assert request_id in (error.details() or "")
    # The detail goes to the server log instead; only bugs are logged as errors (with their
    # traceback), dependencies that restart are warnings.
    assert any("hunter2" in repr(entry) for entry in logs), logs
    levels = {entry["log_level"] for entry in logs if "hunter2" in repr(entry)}
    assert levels == ({"error"} if code == grpc.StatusCode.INTERNAL else {"warning"}), logs


async def test_a_failing_stream_is_internal_without_detail(
    failing_server: grpc.aio.Channel,
) -> None:
    stub = presence_service_pb2_grpc.PresenceServiceStub(failing_server)

    async def frames() -> AsyncIterator[presence_service_pb2.ClientFrame]:
        yield presence_service_pb2.ClientFrame(hello=presence_service_pb2.Hello(device_id="d"))

    async def read_all() -> None:
        async for _ in stub.Connect(frames(), metadata=bearer("alice")):
            pass

    assert_no_leak(await expect_error(read_all(), grpc.StatusCode.INTERNAL, "INTERNAL_ERROR"))
