"""Exceptions the use cases raise. The transport maps each class to a gRPC status and an AIP-193
reason in one table (openchat.server.transport.errors); nothing here knows about gRPC.

OpenChatError
├── InvalidArgument            a request field is missing, malformed or out of range
│   ├── RequestUndecodable     the request bytes are not the RPC's request message
│   └── ContentTooLarge        the content exceeds the configured maximum
├── Unauthenticated            no valid bearer token
├── NotFound
│   ├── ConversationNotFound
│   └── MessageNotFound
├── PermissionDenied
│   ├── NotAMember             the caller is not in the conversation
│   └── ActionNotAllowed       the caller may not make this change
├── ClientMsgIdReused          the idempotency key was used for another message
├── ConversationKindMismatch   the operation does not apply to this kind of conversation
├── EditWindowClosed           too late to edit the message
├── RecallWindowClosed         too late for its sender to recall the message
├── MessageRecalled            the message was recalled and cannot change any more
├── ReactionLimitExceeded      too many distinct reactions on a message (or by one user)
├── StreamProtocolViolation    a session stream broke the frame protocol
├── MemberLimitExceeded        the group would exceed its maximum size
├── SendRateExceeded           the sender is over its send rate          } per-user limits,
├── SessionLimitExceeded       the user holds the most sessions allowed  } each with the
├── GroupCreationRateExceeded  the user created their groups of the hour } retry_after a
├── MembershipLimitExceeded    a user would be in too many conversations } client is told
├── SlowConsumer               a session did not read its frames fast enough
├── Unavailable                retry later
│   ├── PersistenceUnavailable the message could not be stored; nothing was acknowledged
│   └── HeartbeatTimeout       a session sent nothing within the heartbeat timeout
└── NotImplementedYet          declared in the contract, not served by this version
"""

from __future__ import annotations


class OpenChatError(Exception):
    """Base class of every error the server reports to a client. `str()` is the client's message;
    `retry_after`, when set, the seconds after which the same request may succeed (the transport
    sends it as google.rpc.RetryInfo)."""

    retry_after: float | None = None


class InvalidArgument(OpenChatError):
    """A request field is missing, malformed or out of range."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


class RequestUndecodable(InvalidArgument):
    """The request bytes could not be decoded."""

    def __init__(self, message_type: str) -> None:
        super().__init__("request", f"the bytes are not a valid {message_type}")


class ContentTooLarge(InvalidArgument):
    """The content exceeds the maximum size."""

    def __init__(self, size: int, maximum: int) -> None:
        super().__init__("content", f"is {size} bytes, over the maximum of {maximum} bytes")


class Unauthenticated(OpenChatError):
    """The request carries no valid bearer token."""


class NotFound(OpenChatError):
    """Something the request names does not exist."""


class ConversationNotFound(NotFound):
    """No conversation has this id."""

    def __init__(self, conversation_id: str) -> None:
        super().__init__(f"conversation {conversation_id!r} does not exist")
        self.conversation_id = conversation_id


class MessageNotFound(NotFound):
    """No message has this id."""

    def __init__(self, message_id: str) -> None:
        super().__init__(f"message {message_id!r} does not exist")


class PermissionDenied(OpenChatError):
    """The caller may not do this."""


class NotAMember(PermissionDenied):
    """The caller is not a member of the conversation."""

    def __init__(self, user_id: str, conversation_id: str) -> None:
        super().__init__(f"user {user_id!r} is not a member of conversation {conversation_id!r}")


class ActionNotAllowed(PermissionDenied):
    """The caller is a member but may not make this change."""


class ClientMsgIdReused(OpenChatError):
    """The sender used this client_msg_id before for a different message."""

    def __init__(self, client_msg_id: str, original_message_id: str) -> None:
        super().__init__(
            f"client_msg_id {client_msg_id!r} was already used for message "
            f"{original_message_id!r} with different content or conversation; "
            "use a new client_msg_id (or request_id) for a new request"
        )
        self.original_message_id = original_message_id


class ConversationKindMismatch(OpenChatError):
    """The operation does not apply to this kind of conversation."""


class EditWindowClosed(OpenChatError):
    def __init__(self, message_id: str, window_seconds: float) -> None:
        super().__init__(
            f"message {message_id!r} is older than the edit window "
            f"({window_seconds:g} s) and can no longer be edited"
        )


class RecallWindowClosed(OpenChatError):
    def __init__(self, message_id: str, window_seconds: float) -> None:
        super().__init__(
            f"message {message_id!r} is older than the recall window ({window_seconds:g} s); "
            "only a group owner may still recall it"
        )


class MessageRecalled(OpenChatError):
    def __init__(self, message_id: str) -> None:
        super().__init__(f"message {message_id!r} was recalled and can no longer be changed")


class ReactionLimitExceeded(OpenChatError):
    """A message would carry more distinct emojis than allowed, or a user more on one message."""


class StreamProtocolViolation(OpenChatError):
    """The session stream broke its protocol, for example a frame before hello."""


class SlowConsumer(OpenChatError):
    """The session's outgoing queue overflowed: the client does not read."""

    def __init__(self, capacity: int) -> None:
        super().__init__(
            f"the session fell {capacity} frames behind and was closed; "
            "reconnect and sync to get everything it missed"
        )


class MemberLimitExceeded(OpenChatError):
    """The group would exceed its maximum number of members."""

    def __init__(self, maximum: int) -> None:
        super().__init__(f"a group has at most {maximum} members")


class SendRateExceeded(OpenChatError):
    """The sender sent more messages than its rate allows."""

    def __init__(self, rate: float, burst: int, retry_after: float) -> None:
        super().__init__(
            f"more than {rate:g} messages per second (bursts of {burst}); "
            f"retry after {retry_after:.3g} s with the same client_msg_id",
        )
        self.retry_after = retry_after


class SessionLimitExceeded(OpenChatError):
    """The user already holds the most session streams allowed."""

    def __init__(self, maximum: int, retry_after: float) -> None:
        super().__init__(
            f"a user may hold at most {maximum} session streams at once; close one first",
        )
        self.retry_after = retry_after


class GroupCreationRateExceeded(OpenChatError):
    """The user created the most groups allowed per hour."""

    def __init__(self, per_hour: int, retry_after: float) -> None:
        super().__init__(
            f"a user may create at most {per_hour} groups per hour; "
            f"retry after {retry_after:.3g} s",
        )
        self.retry_after = retry_after


class MembershipLimitExceeded(OpenChatError):
    """A user would be a member of more conversations than allowed."""

    # Nothing clears this limit but the user leaving conversations; RetryInfo says not to
    # try again soon.
    RETRY_AFTER_SECONDS = 3600.0

    def __init__(self, user_id: str, maximum: int) -> None:
        super().__init__(
            f"user {user_id!r} is already in the most conversations allowed ({maximum}); "
            "they must leave one first",
        )
        self.retry_after = self.RETRY_AFTER_SECONDS
        self.user_id = user_id


class Unavailable(OpenChatError):
    """The server cannot serve the request now; retrying later is safe."""


class PersistenceUnavailable(Unavailable):
    """The message could not be stored. Nothing was acknowledged; retry with the same request."""

    def __init__(self) -> None:
        super().__init__("the message could not be stored; retry with the same client_msg_id")


class HeartbeatTimeout(Unavailable):
    """The session sent no frame within the heartbeat timeout."""

    def __init__(self, timeout: float) -> None:
        super().__init__(f"no frame from the client for {timeout:g} s; reconnect")


class NotImplementedYet(OpenChatError):
    """The RPC is declared in the contract but this server does not serve it yet."""
