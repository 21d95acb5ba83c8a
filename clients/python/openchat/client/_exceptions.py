"""The errors the SDK raises, and the one mapping from gRPC errors to them.

Our exception hierarchy:

* OpenChatError
  * ServiceError                 the server (or the connection to it) answered with an error
    * InvalidArgument            INVALID_ARGUMENT: the request is wrong; never retried
    * Unauthenticated            UNAUTHENTICATED: the token is missing, invalid or expired
    * PermissionDenied           PERMISSION_DENIED: for example not a member
    * NotFound                   NOT_FOUND
    * AlreadyExists              ALREADY_EXISTS: a client_msg_id reused for other content
    * FailedPrecondition         FAILED_PRECONDITION: for example members of a direct chat
    * ResourceExhausted          RESOURCE_EXHAUSTED: for example a full group
    * Unavailable                UNAVAILABLE, DEADLINE_EXCEEDED or a broken connection
                                 (UNKNOWN, INTERNAL, ABORTED, CANCELLED without an OpenChat
                                 ErrorInfo): retried; raised once the call's overall deadline
                                 has passed
  * SendTimeout                  send() waited its deadline; the message is still pending in
                                 the outbox and goes out later (do not send it again)
  * ClientClosed                 the client was closed, or was never opened

Branch on `ServiceError.reason` (an `ErrorReason` name such as "NOT_A_MEMBER"), never on the
message text.
"""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from openchat.client._models import OutboxError

DOMAIN = "openchat.v1"


class OpenChatError(Exception):
    """Base class of every error raised by openchat.client."""


class ServiceError(OpenChatError):
    """The server, or the connection to it, answered with an error status.

    `code` is the gRPC status code, `reason` the AIP-193 reason of the server's ErrorInfo
    ("" when the error came from the connection rather than from OpenChat), and `metadata`
    the ErrorInfo's metadata (for CLIENT_MSG_ID_REUSED, `message_id` names the original)."""

    def __init__(
        self,
        message: str,
        *,
        code: grpc.StatusCode,
        reason: str = "",
        metadata: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.reason = reason
        self.metadata = dict(metadata or {})

    @property
    def retryable(self) -> bool:
        """True when the same request may succeed if sent again later."""
        return isinstance(self, Unavailable)

    def __str__(self) -> str:
        reason = f" {self.reason}" if self.reason else ""
        return f"{self.code.name}{reason}: {self.message}"


class InvalidArgument(ServiceError):
    """INVALID_ARGUMENT: a field is missing, malformed or too large."""


class Unauthenticated(ServiceError):
    """UNAUTHENTICATED: the token is missing, invalid or expired."""


class PermissionDenied(ServiceError):
    """PERMISSION_DENIED: the caller may not do this (for example, is not a member)."""


class NotFound(ServiceError):
    """NOT_FOUND: the conversation or message does not exist."""


class AlreadyExists(ServiceError):
    """ALREADY_EXISTS: the client_msg_id was already used for another message."""


class FailedPrecondition(ServiceError):
    """FAILED_PRECONDITION: the operation does not apply in the current state."""


class ResourceExhausted(ServiceError):
    """RESOURCE_EXHAUSTED: a limit was reached."""


class Unavailable(ServiceError):
    """The server could not be reached or did not answer in time; safe to retry."""


class SendTimeout(OpenChatError, TimeoutError):
    """`send()` waited its deadline without an acknowledgement. The message is not lost: it
    stays pending in the outbox (`client_msg_id`), keeps being retried with the same id, and
    arrives at most once. Wait for it with `client.outbox.wait()` instead of sending it again."""

    def __init__(self, client_msg_id: str, waited: float) -> None:
        super().__init__(
            f"no acknowledgement within {waited:g} s; message {client_msg_id} is still pending "
            "in the outbox and will be sent when the server is reachable"
        )
        self.client_msg_id = client_msg_id


class ClientClosed(OpenChatError):
    """The client is closed (or was never opened with `async with` / `open()`)."""


_BY_CODE: dict[grpc.StatusCode, type[ServiceError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.OUT_OF_RANGE: InvalidArgument,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExists,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhausted,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: Unavailable,
}

# Without an OpenChat ErrorInfo these codes come from the connection, not from the server's
# handlers: a reset stream, a peer that vanished mid-call, or a server that stopped while the
# call waited for it (grpc cancels those: CANCELLED). The request may or may not have been
# processed, which is why every retried request carries an idempotency key.
_BROKEN_CONNECTION_CODES = frozenset(
    {
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.CANCELLED,
    }
)


def error_info(error: grpc.aio.AioRpcError) -> error_details_pb2.ErrorInfo | None:
    """The google.rpc.ErrorInfo of the OpenChat domain in the error's status details."""
    try:
        status = rpc_status.from_call(error)  # type: ignore[arg-type]  # AioRpcError quacks
    except ValueError:  # details that contradict the status code: not from OpenChat
        return None
    if status is None:
        return None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            if info.domain == DOMAIN:
                return info
    return None


def from_rpc_error(error: grpc.aio.AioRpcError) -> ServiceError:
    """The SDK's exception for a failed call."""
    code = error.code()
    message = error.details() or code.name
    info = error_info(error)
    if info is None and code in _BROKEN_CONNECTION_CODES:
        return Unavailable(message, code=code)
    kind = _BY_CODE.get(code, ServiceError)
    if info is None:
        return kind(message, code=code)
    return kind(message, code=code, reason=info.reason, metadata=dict(info.metadata))


def from_outbox_error(error: OutboxError) -> ServiceError:
    """The exception for an error recorded in the outbox (maybe by an earlier run)."""
    code = grpc.StatusCode.__members__.get(error.code, grpc.StatusCode.UNKNOWN)
    kind = _BY_CODE.get(code, ServiceError)
    return kind(error.message, code=code, reason=error.reason, metadata=dict(error.metadata))
