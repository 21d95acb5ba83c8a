"""The error table: every domain error maps to the gRPC status and AIP-193 reason the contract
promises. Clients branch on these (a retry loop on UNAVAILABLE, "fix the request" on
INVALID_ARGUMENT), so a change to one is a change to the contract, made here on purpose."""

from __future__ import annotations

import grpc
import pytest

from openchat.server.domain import errors
from openchat.server.transport.errors import status_of

Code = grpc.StatusCode

# One instance of every domain error, and what a client is told about it.
EXPECTED: list[tuple[errors.OpenChatError, grpc.StatusCode, str]] = [
    (errors.InvalidArgument("text", "is empty"), Code.INVALID_ARGUMENT, "FIELD_INVALID"),
    (errors.RequestUndecodable("SendMessageRequest"), Code.INVALID_ARGUMENT, "REQUEST_UNDECODABLE"),
    (errors.ContentTooLarge(70_000, 65_536), Code.INVALID_ARGUMENT, "CONTENT_TOO_LARGE"),
    (errors.Unauthenticated("no token"), Code.UNAUTHENTICATED, "TOKEN_INVALID"),
    (errors.NotFound("no such thing"), Code.NOT_FOUND, "RESOURCE_NOT_FOUND"),
    (errors.ConversationNotFound("c-1"), Code.NOT_FOUND, "CONVERSATION_NOT_FOUND"),
    (errors.MessageNotFound("m-1"), Code.NOT_FOUND, "RESOURCE_NOT_FOUND"),
    (errors.PermissionDenied("no"), Code.PERMISSION_DENIED, "ACTION_NOT_ALLOWED"),
    (errors.NotAMember("bob", "c-1"), Code.PERMISSION_DENIED, "NOT_A_MEMBER"),
    (errors.ActionNotAllowed("owner only"), Code.PERMISSION_DENIED, "ACTION_NOT_ALLOWED"),
    (errors.ClientMsgIdReused("k-1", "m-1"), Code.ALREADY_EXISTS, "CLIENT_MSG_ID_REUSED"),
    (
        errors.ConversationKindMismatch("direct"),
        Code.FAILED_PRECONDITION,
        "CONVERSATION_KIND_MISMATCH",
    ),
    (
        errors.StreamProtocolViolation("hello first"),
        Code.FAILED_PRECONDITION,
        "STREAM_PROTOCOL_VIOLATION",
    ),
    (errors.EditWindowClosed("m-1", 172800), Code.FAILED_PRECONDITION, "EDIT_WINDOW_CLOSED"),
    (errors.RecallWindowClosed("m-1", 86400), Code.FAILED_PRECONDITION, "RECALL_WINDOW_CLOSED"),
    (errors.MessageRecalled("m-1"), Code.FAILED_PRECONDITION, "MESSAGE_RECALLED"),
    (
        errors.ReactionLimitExceeded("32 emojis"),
        Code.RESOURCE_EXHAUSTED,
        "REACTION_LIMIT_EXCEEDED",
    ),
    (errors.MemberLimitExceeded(5000), Code.RESOURCE_EXHAUSTED, "MEMBER_LIMIT_EXCEEDED"),
    (errors.SlowConsumer(1024), Code.RESOURCE_EXHAUSTED, "SLOW_CONSUMER"),
    (errors.Unavailable("shutting down"), Code.UNAVAILABLE, "SERVICE_UNAVAILABLE"),
    (errors.PersistenceUnavailable(), Code.UNAVAILABLE, "PERSISTENCE_UNAVAILABLE"),
    (errors.HeartbeatTimeout(60), Code.UNAVAILABLE, "HEARTBEAT_TIMEOUT"),
    (errors.NotImplementedYet("later"), Code.UNIMPLEMENTED, "NOT_IMPLEMENTED"),
    (errors.SendRateExceeded(20, 100, 0.05), Code.RESOURCE_EXHAUSTED, "SEND_RATE_EXCEEDED"),
    (errors.SessionLimitExceeded(32, 10), Code.RESOURCE_EXHAUSTED, "SESSION_LIMIT_EXCEEDED"),
    (
        errors.GroupCreationRateExceeded(100, 36),
        Code.RESOURCE_EXHAUSTED,
        "GROUP_CREATION_RATE_EXCEEDED",
    ),
    (
        errors.MembershipLimitExceeded("bob", 10_000),
        Code.RESOURCE_EXHAUSTED,
        "MEMBERSHIP_LIMIT_EXCEEDED",
    ),
]


def every_error_class() -> set[type[errors.OpenChatError]]:
    found: set[type[errors.OpenChatError]] = set()
    pending = [errors.OpenChatError]
    while pending:
        for subclass in pending.pop().__subclasses__():
            if subclass.__module__ == errors.__name__:
                found.add(subclass)
                pending.append(subclass)
    return found


def test_the_table_covers_every_domain_error() -> None:
    assert {type(error) for error, _, _ in EXPECTED} == every_error_class()


@pytest.mark.parametrize(
    ("error", "code", "reason"), EXPECTED, ids=[type(error).__name__ for error, _, _ in EXPECTED]
)
def test_each_domain_error_has_its_status_and_reason(
    error: errors.OpenChatError, code: grpc.StatusCode, reason: str
) -> None:
    status = status_of(error)
    assert (status.code, status.reason) == (code, reason)
    assert status.message == str(error)


def test_limits_carry_their_retry_delay_and_other_errors_none() -> None:
    retried = {type(error): status_of(error).retry_after for error, _, _ in EXPECTED}
    assert retried.pop(errors.SendRateExceeded) == 0.05
    assert retried.pop(errors.SessionLimitExceeded) == 10
    assert retried.pop(errors.GroupCreationRateExceeded) == 36
    assert retried.pop(errors.MembershipLimitExceeded) == 3600
    assert set(retried.values()) == {None}
