"""Messages and conversations as the server's use cases see them."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar, dataclass_transform

_Class = TypeVar("_Class", bound=type)


@dataclass_transform(frozen_default=True)
def value_type(cls: _Class) -> _Class:
    """A dataclass that the type checker holds frozen, for the values a history page builds by
    the hundred: at run time it is a plain slotted dataclass, whose __init__ costs a fifth of a
    frozen one's (which sets each field through object.__setattr__). The checker refuses any
    assignment to a field, as it does for frozen dataclasses; what it does not see is code that
    escapes it (setattr, Any)."""
    return dataclass(slots=True)(cls)  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the message refers to without carrying its bytes."""

    uri: str
    mime_type: str = ""
    size_bytes: int = 0
    name: str = ""


@value_type
class Content:
    """What the sender wrote. Stored verbatim; equality decides whether a retry is a duplicate."""

    text: str = ""
    mime_type: str = ""
    data: bytes = b""
    attachments: tuple[Attachment, ...] = ()
    attributes: Mapping[str, str] = field(default_factory=dict)
    mention_user_ids: tuple[str, ...] = ()
    reply_to_message_id: str = ""

    def approximate_size(self) -> int:
        """Bytes this content occupies on the wire, within a few percent (for response budgets)."""
        text = self.text
        # An ASCII text is as long in UTF-8 (isascii() reads a flag: no copy, as encode() makes).
        size = len(text) if text.isascii() else len(text.encode())
        size += len(self.mime_type) + len(self.data) + len(self.reply_to_message_id)
        # Most contents are text alone: the sums below are skipped, not run over nothing.
        if self.attachments:
            size += sum(len(a.uri) + len(a.mime_type) + len(a.name) + 16 for a in self.attachments)
        if self.attributes:
            size += sum(len(k.encode()) + len(v.encode()) + 4 for k, v in self.attributes.items())
        if self.mention_user_ids:
            size += sum(len(u) + 2 for u in self.mention_user_ids)
        return size


class MessageKind(enum.Enum):
    """What an entry of a conversation's sequence is: a message, or a change to an earlier one.

    Changes are stored as entries of their own (with a seq, in the messages table) so that the
    send path's transaction, idempotency, Sync, catch-up and live delivery carry them unchanged.
    """

    MESSAGE = "message"
    EDIT = "edit"
    RECALL = "recall"
    REACTION_ADDED = "reaction_added"
    REACTION_REMOVED = "reaction_removed"


@dataclass(frozen=True, slots=True)
class ForwardOrigin:
    """The message a forwarded copy was made from."""

    conversation_id: str
    message_id: str
    sender_id: str


@dataclass(frozen=True, slots=True)
class MessageDraft:
    """A message (or a change to one) a user asked to store, before it has a seq."""

    conversation_id: str
    sender_id: str
    client_msg_id: str
    content: Content
    # The sender's device, when known: the message is pushed to the sender's other devices but
    # not back to this one.
    origin_device_id: str = ""
    kind: MessageKind = MessageKind.MESSAGE
    # The message a change applies to (empty for a message).
    target_message_id: str = ""
    # The emoji of a reaction change.
    emoji: str = ""
    forwarded_from: ForwardOrigin | None = None
    # A group's owner may recall any message; the use case knows who the caller is.
    moderator: bool = False


@dataclass(frozen=True, slots=True)
class ReactionSummary:
    """The reactions to a message with one emoji, as one member sees them."""

    emoji: str
    count: int
    reacted_by_me: bool


@value_type
class Message:
    """A durably stored message."""

    message_id: str
    conversation_id: str
    seq: int
    sender_id: str
    client_msg_id: str
    content: Content
    server_time: datetime
    kind: MessageKind = MessageKind.MESSAGE
    target_message_id: str = ""
    emoji: str = ""
    # The current state of a message (changes fold into it as they commit).
    edit_count: int = 0
    edit_time: datetime | None = None
    recalled: bool = False
    forwarded_from: ForwardOrigin | None = None
    # Filled for one reader by ListMessages; empty elsewhere.
    reactions: tuple[ReactionSummary, ...] = ()
    # A placeholder for a message the reader deleted for themselves (no content).
    deleted_for_me: bool = False

    def hidden(self) -> Message:
        """This message as a placeholder for a reader who deleted it for themselves."""
        return replace(self, content=Content(), reactions=(), deleted_for_me=True)

    def approximate_size(self) -> int:
        """Bytes this message occupies on the wire, within a few percent."""
        return self.content.approximate_size() + len(self.message_id) + len(self.client_msg_id) + 96


@dataclass(frozen=True, slots=True)
class Appended:
    """The outcome of storing a draft: the stored message, whether it was stored before, and
    the durable routes that got work for it (names; empty for a duplicate)."""

    message: Message
    duplicate: bool
    routes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class MessagesDeleted:
    """The outcome of one member deleting messages of a conversation for themselves
    (DeleteMessages): every message the call named, in seq order, all hidden from the member
    now. It is also the frame that tells each of the member's sessions to hide them.

    Each message hidden takes the next position of the user's deletion feed: those this call
    hid are (deletions_position - newly_hidden, deletions_position]. (Read back from the feed,
    a run of deletions in one conversation is described the same way.)"""

    conversation_id: str
    message_ids: tuple[str, ...]
    seqs: tuple[int, ...]
    # How many of them the call hid; the others were hidden before (none on a retry).
    newly_hidden: int
    # The user's feed position after the call; in a session's frame, the cursor its client
    # stores once it applied the frame (0: the client keeps no cursor).
    deletions_position: int = 0


@dataclass(frozen=True, slots=True)
class Deletion:
    """A message a user deleted for themselves, at its position in the user's deletion feed;
    the message as a placeholder without content."""

    position: int
    message: Message


class ConversationKind(enum.Enum):
    """The kinds of conversation."""

    DIRECT = "direct"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class Conversation:
    """A conversation and its current members."""

    conversation_id: str
    kind: ConversationKind
    title: str
    creator_id: str
    created_at: datetime
    last_seq: int
    member_ids: tuple[str, ...]
    # When the newest message was stored (the creation time before the first).
    last_activity_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class InboxPosition:
    """Where an inbox page ends: pinned conversations first, then by last activity, newest
    first, then by id (descending), so that the order is total."""

    pinned: bool
    last_activity_at: datetime
    conversation_id: str


@dataclass(frozen=True, slots=True)
class MemberSettings:
    """A member's settings for one conversation."""

    # No push notifications until then, except mentions; None: not muted.
    muted_until: datetime | None = None
    pinned: bool = False


@dataclass(frozen=True, slots=True)
class SettingsChange:
    """New values for the member settings named in `fields` ("muted_until", "pinned")."""

    fields: frozenset[str]
    settings: MemberSettings


@dataclass(frozen=True, slots=True)
class ConversationView:
    """A conversation as one member sees it: with that member's read position, counts and
    settings (what an inbox line shows)."""

    conversation: Conversation
    read_seq: int
    unread_count: int = 0
    mention_count: int = 0
    last_message: Message | None = None
    settings: MemberSettings = MemberSettings()

    def position(self) -> InboxPosition:
        conversation = self.conversation
        return InboxPosition(
            self.settings.pinned,
            conversation.last_activity_at or conversation.created_at,
            conversation.conversation_id,
        )


@dataclass(frozen=True, slots=True)
class ConversationHead:
    """Where a conversation stands for one member: its newest seq and the member's read seq."""

    conversation_id: str
    last_seq: int
    read_seq: int


@dataclass(frozen=True, slots=True)
class UserHeads:
    """Where a user stands: each of their conversations, and the newest position of their
    deletion feed (0 when they never deleted a message for themselves)."""

    conversations: tuple[ConversationHead, ...]
    deletions_position: int


@dataclass(frozen=True, slots=True)
class ConversationSync:
    """What one conversation holds after a member's cursor."""

    head: ConversationHead
    messages: tuple[Message, ...]
    has_more: bool


@dataclass(frozen=True, slots=True)
class SyncResult:
    """Every conversation with news for the caller, and the caller's deletions after their
    deletion cursor (when they sent one)."""

    conversations: tuple[ConversationSync, ...]
    has_more_conversations: bool
    # Placeholders of the messages deleted, in feed order; the cursor to store after them.
    deletions: tuple[Message, ...] = ()
    deletions_position: int = 0
    has_more_deletions: bool = False


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller, as the bearer token names it."""

    user_id: str
    roles: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class SessionKey:
    """One live session stream: a device of a user, on a node."""

    user_id: str
    device_id: str
    session_id: str


@dataclass(frozen=True, slots=True)
class Admission:
    """A rate limiter's answer: admitted after `delay` seconds (its slot is reserved), or
    refused, and then `delay` is how long until the same request would be admitted at once."""

    admitted: bool
    delay: float


@dataclass(frozen=True, slots=True)
class PresenceState:
    """Whether a user is reachable. `generation` increases with every change of the user's
    presence, cluster-wide, so that an older state never overwrites a newer one."""

    user_id: str
    online: bool
    device_count: int
    last_seen: datetime | None
    generation: int
