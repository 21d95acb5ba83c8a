"""Fuzzing the request messages against a running server (hypothesis): whatever arrives, the
answer is never INTERNAL, UNKNOWN or UNAVAILABLE, a rejected request changes nothing stored,
and an accepted send stores exactly one message, verbatim.

Runs are derandomized and keep no example database, so CI sees the same examples every time.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openchat.v1 import (
    conversation_service_pb2,
    message_pb2,
    messaging_service_pb2,
    sync_service_pb2,
)
from tests.support.api import Api
from tests.support.methods import UNARY_METHODS, raw_unary
from tests.support.servers import RunningServer, bearer
from tests.support.status import DOMAIN, error_info
from tests.support.storage import Snapshot, snapshot

FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Stands for the fuzz scene's own conversation, which only exists once the server runs.
OURS = "<the fuzz conversation>"

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
INT32 = st.integers(min_value=-(2**31), max_value=2**31 - 1)
# Characters that storage layers, drivers and validators tend to trip over.
NASTY = st.sampled_from(["\x00", "\x07", "\n", "\r", "\u2028", "\u200b", "\ufeff", "\U0001f600"])
NASTY_ASCII = st.sampled_from(["'", '"', "\\", "%", "_", ";", "-"])
# Any Unicode text, control characters included; occasionally long.
TEXT = st.one_of(
    st.text(st.characters(codec="utf-8") | NASTY, max_size=40),
    st.text(st.characters(codec="ascii") | NASTY_ASCII, max_size=20),
    st.integers(min_value=120, max_value=300).map(lambda n: "é" * n),
)
IDS = st.one_of(st.just(OURS), st.just(""), TEXT, st.uuids().map(str))
CLIENT_MSG_IDS = st.one_of(st.uuids().map(lambda u: u.hex), TEXT)
BIG_BYTES = st.integers(min_value=60_000, max_value=70_000).map(lambda n: b"\x01" * n)

CONTENTS = st.builds(
    message_pb2.Content,
    text=TEXT,
    mime_type=st.one_of(st.just(""), st.just("image/png"), TEXT),
    data=st.one_of(st.just(b""), st.binary(max_size=64), BIG_BYTES),
    attachments=st.lists(
        st.builds(message_pb2.Attachment, uri=TEXT, mime_type=TEXT, size_bytes=INT64, name=TEXT),
        max_size=3,
    ),
    attributes=st.dictionaries(TEXT, TEXT, max_size=4),
    mention_user_ids=st.lists(TEXT, max_size=3),
    reply_to_message_id=TEXT,
)

# Content that passes the shape checks more often than not, so that fuzzed text reaches storage.
NON_EMPTY = st.text(st.characters(codec="utf-8") | NASTY, min_size=1, max_size=40)
PLAUSIBLE_CONTENTS = st.builds(
    message_pb2.Content,
    text=NON_EMPTY,
    attachments=st.lists(
        st.builds(
            message_pb2.Attachment,
            uri=NON_EMPTY,
            mime_type=TEXT,
            size_bytes=st.integers(min_value=0, max_value=2**63 - 1),
            name=TEXT,
        ),
        max_size=2,
    ),
    attributes=st.dictionaries(NON_EMPTY, TEXT, max_size=3),
) | st.builds(
    message_pb2.Content, text=TEXT, mime_type=NON_EMPTY, data=st.binary(min_size=1, max_size=64)
)

SEND_REQUESTS = st.builds(
    messaging_service_pb2.SendMessageRequest,
    conversation_id=IDS,
    client_msg_id=CLIENT_MSG_IDS,
    content=st.one_of(st.none(), CONTENTS),
)
PLAUSIBLE_SEND_REQUESTS = st.builds(
    messaging_service_pb2.SendMessageRequest,
    conversation_id=st.just(OURS),
    client_msg_id=st.uuids().map(str),
    content=PLAUSIBLE_CONTENTS,
)
LIST_REQUESTS = st.builds(
    messaging_service_pb2.ListMessagesRequest,
    conversation_id=IDS,
    before_seq=st.one_of(st.integers(-3, 30), INT64),
    after_seq=st.one_of(st.integers(-3, 30), INT64),
    order=st.sampled_from([0, 1, 2, 3, -1]),
    page_size=st.one_of(st.integers(-2, 600), INT32),
    page_token=st.one_of(st.just(""), TEXT),
)
SYNC_REQUESTS = st.builds(
    sync_service_pb2.SyncRequest,
    cursors=st.lists(
        st.builds(sync_service_pb2.SyncCursor, conversation_id=IDS, after_seq=INT64), max_size=5
    ),
    limit=st.one_of(st.integers(-2, 1100), INT32),
)
CREATE_REQUESTS = st.builds(
    conversation_service_pb2.CreateGroupRequest,
    title=TEXT,
    member_ids=st.lists(TEXT, max_size=5),
    request_id=st.one_of(st.just(""), TEXT),
)
MARK_REQUESTS = st.builds(
    messaging_service_pb2.MarkReadRequest,
    conversation_id=IDS,
    seq=st.one_of(st.integers(-2, 10), INT64),
)

# INTERNAL and UNKNOWN mean a server bug. UNAVAILABLE from a healthy server is one too: it tells
# the client to retry a request that can never succeed.
NEVER = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.UNAVAILABLE}


@dataclass(frozen=True)
class FuzzScene:
    server: RunningServer
    api: Api
    owner: str
    conversation_id: str

    def resolve(self, conversation_id: str) -> str:
        return self.conversation_id if conversation_id == OURS else conversation_id

    async def snapshot(self) -> Snapshot:
        return await snapshot(self.server.app.database)


@pytest.fixture(scope="module")
async def fuzz(server: RunningServer) -> FuzzScene:
    """A conversation with a few messages that fuzzed requests may or may not aim at."""
    api = Api(server.channel)
    owner = f"fuzzer-{uuid.uuid4().hex[:8]}"
    group = await api.create_group(owner, [f"peer-{uuid.uuid4().hex[:8]}"])
    for n in range(3):
        await api.send(owner, group.conversation_id, f"seed {n}")
    return FuzzScene(server, api, owner, group.conversation_id)


async def outcome(scene: FuzzScene, call: Callable[[], Awaitable[Any]]) -> tuple[Any, Snapshot]:
    """Run `call`; on failure check that it is a proper error that changed nothing. Returns the
    response (None after an error) and the snapshot taken before the call."""
    before = await scene.snapshot()
    try:
        return await call(), before
    except grpc.aio.AioRpcError as caught:
        error = caught
    assert error.code() not in NEVER, error.details()
    # Every error the server itself raises is an AIP-193 error of our domain.
    assert error_info(error).domain == DOMAIN
    assert await scene.snapshot() == before, f"{error.code().name} changed stored data"
    return None, before


@FUZZ
@given(request=SEND_REQUESTS)
async def test_fuzzed_sends(
    fuzz: FuzzScene, request: messaging_service_pb2.SendMessageRequest
) -> None:
    await check_send(fuzz, request)


@FUZZ
@given(request=PLAUSIBLE_SEND_REQUESTS)
async def test_fuzzed_plausible_sends(
    fuzz: FuzzScene, request: messaging_service_pb2.SendMessageRequest
) -> None:
    await check_send(fuzz, request)


async def check_send(fuzz: FuzzScene, request: messaging_service_pb2.SendMessageRequest) -> None:
    """A send either stores exactly one message, verbatim, or nothing at all."""
    request.conversation_id = fuzz.resolve(request.conversation_id)
    response, before = await outcome(
        fuzz, lambda: fuzz.api.messaging.SendMessage(request, metadata=bearer(fuzz.owner))
    )
    if response is None:
        return
    after = await fuzz.snapshot()
    ack = response.ack
    if ack.duplicate:
        assert after == before
        return
    assert (after.messages, after.total_last_seq) == (
        before.messages + 1,
        before.total_last_seq + 1,
    )
    stored = await fuzz.api.list_messages(
        fuzz.owner, request.conversation_id, after_seq=ack.seq - 1, order=2, page_size=1
    )
    assert [m.message_id for m in stored.messages] == [ack.message_id]
    assert stored.messages[0].content == request.content
    assert stored.messages[0].sender_id == fuzz.owner


@FUZZ
@given(request=LIST_REQUESTS)
async def test_fuzzed_history_reads(
    fuzz: FuzzScene, request: messaging_service_pb2.ListMessagesRequest
) -> None:
    request.conversation_id = fuzz.resolve(request.conversation_id)
    response, before = await outcome(
        fuzz, lambda: fuzz.api.messaging.ListMessages(request, metadata=bearer(fuzz.owner))
    )
    if response is not None:
        assert await fuzz.snapshot() == before
        seqs = [message.seq for message in response.messages]
        assert seqs in (sorted(seqs), sorted(seqs, reverse=True))


@FUZZ
@given(request=SYNC_REQUESTS)
async def test_fuzzed_syncs(fuzz: FuzzScene, request: sync_service_pb2.SyncRequest) -> None:
    for cursor in request.cursors:
        cursor.conversation_id = fuzz.resolve(cursor.conversation_id)
    response, before = await outcome(
        fuzz, lambda: fuzz.api.sync_service.Sync(request, metadata=bearer(fuzz.owner))
    )
    if response is not None:
        assert await fuzz.snapshot() == before
        assert {c.conversation_id for c in response.conversations} <= {fuzz.conversation_id}


@FUZZ
@given(request=CREATE_REQUESTS)
async def test_fuzzed_group_creations(
    fuzz: FuzzScene, request: conversation_service_pb2.CreateGroupRequest
) -> None:
    response, before = await outcome(
        fuzz, lambda: fuzz.api.conversations.CreateGroup(request, metadata=bearer(fuzz.owner))
    )
    if response is not None:
        group = response.conversation
        assert fuzz.owner in group.member_ids
        assert group.title == request.title
        assert (await fuzz.snapshot()).messages == before.messages


@FUZZ
@given(request=MARK_REQUESTS)
async def test_fuzzed_mark_reads(
    fuzz: FuzzScene, request: messaging_service_pb2.MarkReadRequest
) -> None:
    request.conversation_id = fuzz.resolve(request.conversation_id)
    response, _ = await outcome(
        fuzz, lambda: fuzz.api.messaging.MarkRead(request, metadata=bearer(fuzz.owner))
    )
    if response is not None:
        conversation = await fuzz.api.get_conversation(fuzz.owner, request.conversation_id)
        assert request.seq <= response.read_seq == conversation.read_seq <= conversation.last_seq


@FUZZ
@given(method=st.sampled_from(UNARY_METHODS), raw=st.binary(max_size=300))
async def test_fuzzed_request_bytes(fuzz: FuzzScene, method: Any, raw: bytes) -> None:
    call = raw_unary(fuzz.server.channel, method)
    await outcome(fuzz, lambda: call(raw, metadata=bearer(fuzz.owner)))
