"""One table from domain exception to gRPC status code and AIP-193 reason, and the status
details that carry them (google.rpc.ErrorInfo, plus google.rpc.BadRequest for bad fields and
google.rpc.RetryInfo for limits that clear with time)."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from openchat.server.domain import errors
from openchat.v1.error_reason_pb2 import ErrorReason

DOMAIN = "openchat.v1"

_TABLE: dict[type[errors.OpenChatError], tuple[grpc.StatusCode, ErrorReason.ValueType]] = {
    errors.RequestUndecodable: (grpc.StatusCode.INVALID_ARGUMENT, ErrorReason.REQUEST_UNDECODABLE),
    errors.ContentTooLarge: (grpc.StatusCode.INVALID_ARGUMENT, ErrorReason.CONTENT_TOO_LARGE),
    errors.InvalidArgument: (grpc.StatusCode.INVALID_ARGUMENT, ErrorReason.FIELD_INVALID),
    errors.Unauthenticated: (grpc.StatusCode.UNAUTHENTICATED, ErrorReason.TOKEN_INVALID),
    errors.ConversationNotFound: (grpc.StatusCode.NOT_FOUND, ErrorReason.CONVERSATION_NOT_FOUND),
    errors.NotFound: (grpc.StatusCode.NOT_FOUND, ErrorReason.RESOURCE_NOT_FOUND),
    errors.NotAMember: (grpc.StatusCode.PERMISSION_DENIED, ErrorReason.NOT_A_MEMBER),
    errors.PermissionDenied: (grpc.StatusCode.PERMISSION_DENIED, ErrorReason.ACTION_NOT_ALLOWED),
    errors.ClientMsgIdReused: (grpc.StatusCode.ALREADY_EXISTS, ErrorReason.CLIENT_MSG_ID_REUSED),
    errors.ConversationKindMismatch: (
        grpc.StatusCode.FAILED_PRECONDITION,
        ErrorReason.CONVERSATION_KIND_MISMATCH,
    ),
    errors.EditWindowClosed: (grpc.StatusCode.FAILED_PRECONDITION, ErrorReason.EDIT_WINDOW_CLOSED),
    errors.RecallWindowClosed: (
        grpc.StatusCode.FAILED_PRECONDITION,
        ErrorReason.RECALL_WINDOW_CLOSED,
    ),
    errors.MessageRecalled: (grpc.StatusCode.FAILED_PRECONDITION, ErrorReason.MESSAGE_RECALLED),
    errors.ReactionLimitExceeded: (
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        ErrorReason.REACTION_LIMIT_EXCEEDED,
    ),
    errors.StreamProtocolViolation: (
        grpc.StatusCode.FAILED_PRECONDITION,
        ErrorReason.STREAM_PROTOCOL_VIOLATION,
    ),
    errors.SlowConsumer: (grpc.StatusCode.RESOURCE_EXHAUSTED, ErrorReason.SLOW_CONSUMER),
    errors.HeartbeatTimeout: (grpc.StatusCode.UNAVAILABLE, ErrorReason.HEARTBEAT_TIMEOUT),
    errors.MemberLimitExceeded: (
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        ErrorReason.MEMBER_LIMIT_EXCEEDED,
    ),
    errors.SendRateExceeded: (grpc.StatusCode.RESOURCE_EXHAUSTED, ErrorReason.SEND_RATE_EXCEEDED),
    errors.SessionLimitExceeded: (
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        ErrorReason.SESSION_LIMIT_EXCEEDED,
    ),
    errors.GroupCreationRateExceeded: (
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        ErrorReason.GROUP_CREATION_RATE_EXCEEDED,
    ),
    errors.MembershipLimitExceeded: (
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        ErrorReason.MEMBERSHIP_LIMIT_EXCEEDED,
    ),
    errors.PersistenceUnavailable: (
        grpc.StatusCode.UNAVAILABLE,
        ErrorReason.PERSISTENCE_UNAVAILABLE,
    ),
    errors.Unavailable: (grpc.StatusCode.UNAVAILABLE, ErrorReason.SERVICE_UNAVAILABLE),
    errors.NotImplementedYet: (grpc.StatusCode.UNIMPLEMENTED, ErrorReason.NOT_IMPLEMENTED),
}


@dataclass(frozen=True, slots=True)
class ErrorStatus:
    """What a client is told about an error."""

    code: grpc.StatusCode
    reason: str
    message: str
    metadata: dict[str, str]
    # Seconds after which the same request may succeed (limits); sent as google.rpc.RetryInfo.
    retry_after: float | None = None


def status_of(error: errors.OpenChatError) -> ErrorStatus:
    """The status, reason and message for a domain error (the most specific table entry)."""
    for kind in type(error).__mro__:
        if kind in _TABLE:
            code, reason = _TABLE[kind]
            return ErrorStatus(
                code, ErrorReason.Name(reason), str(error), _metadata_of(error), error.retry_after
            )
    return internal_error("unmapped error")


def dependency_unavailable() -> ErrorStatus:
    """UNAVAILABLE for a dependency's failure (`failures.is_transient`), without its detail:
    the detail (which may name hosts or credentials) only goes to the log."""
    return ErrorStatus(
        grpc.StatusCode.UNAVAILABLE,
        ErrorReason.Name(ErrorReason.SERVICE_UNAVAILABLE),
        "a storage dependency is unavailable; retry later",
        {},
    )


def internal_error(request_id: str) -> ErrorStatus:
    """A generic INTERNAL status: the detail goes to the log, never to the client."""
    return ErrorStatus(
        grpc.StatusCode.INTERNAL,
        ErrorReason.Name(ErrorReason.INTERNAL_ERROR),
        f"internal error; the server log has the details under request id {request_id}",
        {"request_id": request_id},
    )


def to_grpc_status(status: ErrorStatus) -> grpc.Status:
    """A grpc.Status whose trailing metadata carries google.rpc.Status with ErrorInfo."""
    return rpc_status.to_status(status_message(status))


def status_message(status: ErrorStatus) -> status_pb2.Status:
    """google.rpc.Status with ErrorInfo (and BadRequest for a bad field): what every listener
    sends as the error's details."""
    details = [
        _packed(
            error_details_pb2.ErrorInfo(
                reason=status.reason, domain=DOMAIN, metadata=status.metadata
            )
        )
    ]
    if status.retry_after is not None:
        retry = error_details_pb2.RetryInfo()
        retry.retry_delay.FromNanoseconds(round(status.retry_after * 1e9))
        details.append(_packed(retry))
    if "field" in status.metadata:
        violation = error_details_pb2.BadRequest.FieldViolation(
            field=status.metadata["field"], description=status.message
        )
        details.append(_packed(error_details_pb2.BadRequest(field_violations=[violation])))
    code_number: int = status.code.value[0]
    return status_pb2.Status(code=code_number, message=status.message, details=details)


def _packed(
    message: error_details_pb2.ErrorInfo
    | error_details_pb2.BadRequest
    | error_details_pb2.RetryInfo,
) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def _metadata_of(error: errors.OpenChatError) -> dict[str, str]:
    if isinstance(error, errors.InvalidArgument):
        return {"field": error.field}
    if isinstance(error, errors.ClientMsgIdReused):
        return {"message_id": error.original_message_id}
    if isinstance(error, errors.ConversationNotFound):
        return {"conversation_id": error.conversation_id}
    if isinstance(error, errors.MembershipLimitExceeded):
        return {"user_id": error.user_id}
    return {}
