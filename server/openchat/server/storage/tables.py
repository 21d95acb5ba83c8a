"""The schema, declared once for SQLAlchemy and Alembic. Stores use these tables through Core
statements (``Row.__table__``), which run 2-3x faster than ORM unit-of-work on the send path.

Every index serves a query named beside it; an index without a query only slows writes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID_LENGTH = 36
# The conversations with push work (see ConversationRow.push_seq).
PUSH_DUE = sql_text("last_seq > push_seq")
# Recalled messages (not their change entries): unread counts leave them out.
RECALLED_MESSAGE = sql_text("recalled AND kind = 'message'")
USER_ID_LENGTH = 128


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and dialect.name == "sqlite":
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    # Deterministic constraint names, so that migrations can refer to them on every backend.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class ConversationRow(Base):
    __tablename__ = "conversations"

    conversation_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    creator_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The sequence counter of the transactional allocator: incremented in the transaction that
    # inserts the messages, so its row lock orders commits per conversation.
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # "userA userB" (sorted) for direct conversations: the unique index makes GetOrCreateDirect
    # race-free across nodes. NULL for groups (NULLs never collide).
    direct_key: Mapped[str | None] = mapped_column(String(2 * USER_ID_LENGTH + 1))
    # CreateGroup's optional idempotency key, unique per creator.
    create_request_id: Mapped[str | None] = mapped_column(String(ID_LENGTH * 4))
    # Messages (not changes) stored so far: each message row keeps this count as its ordinal,
    # and a member's unread count is the difference of two ordinals (no COUNT over messages).
    # Updated under the row lock the sequence allocator holds, so ordinals follow seqs.
    message_count: Mapped[int] = mapped_column(BigInteger, server_default="0")
    # The newest message (0 when none) and when it was stored (the creation time before):
    # ListConversations' order and its last-message summary.
    last_message_seq: Mapped[int] = mapped_column(BigInteger, server_default="0")
    # The default is never used (every insert sets it): it lets migration 0004 add the column
    # NOT NULL to a table with rows without recreating it.
    last_activity_at: Mapped[datetime] = mapped_column(
        UTCDateTime, server_default="1970-01-01 00:00:00"
    )
    # Push notifications are settled up to this seq (each member's message after it was pushed,
    # acknowledged, or their own): a conversation with last_seq > push_seq has push work, which
    # the push sweeper (routing/push_sweep.py) finds through the partial index below. The send
    # transaction writes nothing for push: its last_seq increment is what makes the work due.
    push_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # The sweeper's lease on the conversation's push work (NULL: not leased).
    push_lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("direct_key"),
        UniqueConstraint("creator_id", "create_request_id"),
        # The push sweeper: conversations with push work (few: the ones active in the last
        # seconds, whatever the size of the table).
        Index(
            "ix_conversations_push_due",
            "conversation_id",
            postgresql_where=PUSH_DUE,
            sqlite_where=PUSH_DUE,
        ),
    )


class MemberRow(Base):
    __tablename__ = "members"

    # Primary key (conversation_id, user_id): membership checks and member lists.
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.conversation_id"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # Where the member's unread count starts: the higher of the read position and the member's
    # own newest message (sending implies having read what came before), with the
    # conversation's message ordinal there. Both move together, forwards only.
    counted_seq: Mapped[int] = mapped_column(BigInteger, server_default="0")
    counted_ordinal: Mapped[int] = mapped_column(BigInteger, server_default="0")
    # Per-member settings: no push until then (except mentions; NULL: not muted), and pinned.
    muted_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pinned: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # The newest seq a push notification told this member about: a message at or below it is
    # never pushed to them again (routing/push_sweep.py).
    pushed_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    __table_args__ = (
        # Sync and ListConversations: the conversations of one user, in id order.
        Index(None, "user_id", "conversation_id"),
    )


class MessageRow(Base):
    __tablename__ = "messages"

    # Primary key (conversation_id, seq): sync ("after seq N"), history pages, and uniqueness of
    # seq within a conversation.
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.conversation_id"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    sender_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH))
    client_msg_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    text: Mapped[str] = mapped_column(Text)
    mime_type: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Attachments, attributes, mentions, reply-to and forward origin; NULL when there are none.
    extras: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A message, or a change to an earlier one (domain MessageKind): changes take seqs of their
    # own so that Sync and live delivery carry them; history filters them out.
    kind: Mapped[str] = mapped_column(String(16), server_default="message")
    # The message a change applies to; NULL for messages.
    target_message_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    # The emoji of a reaction change; NULL otherwise.
    emoji: Mapped[str | None] = mapped_column(String(64))
    # The current state of a message: changes update it in their transaction, so history reads
    # one row per message and never replays changes.
    edit_count: Mapped[int] = mapped_column(Integer, server_default="0")
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Content erased (a recalled message, or an edit of one).
    recalled: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # conversations.message_count once this entry was stored (see there).
    ordinal: Mapped[int] = mapped_column(BigInteger, server_default="0")

    __table_args__ = (
        # Idempotency: one message per (sender, client_msg_id); the dedup lookup.
        UniqueConstraint("sender_id", "client_msg_id"),
        # Lookups by message id (delivery timelines, replies).
        UniqueConstraint("message_id"),
        # A recall erases the content of the recalled message's edits. Partial: messages (the
        # send path) add no index entry.
        Index(
            None,
            "target_message_id",
            sqlite_where=sql_text("target_message_id IS NOT NULL"),
            postgresql_where=sql_text("target_message_id IS NOT NULL"),
        ),
        # Unread counts subtract the recalled messages after a member's position. Partial: only
        # recalls add entries, and the queries repeat the predicate word for word, which both
        # planners need to use a partial index.
        Index(
            "ix_messages_recalled",
            "conversation_id",
            "seq",
            sqlite_where=RECALLED_MESSAGE,
            postgresql_where=RECALLED_MESSAGE,
        ),
    )


class ReactionRow(Base):
    """The current reactions: a set per (message, emoji, user)."""

    __tablename__ = "reactions"

    # Primary key (message_id, emoji, user_id): the summaries of a page of history, and the
    # set semantics of AddReaction.
    message_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    emoji: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MentionRow(Base):
    """Messages that mention a member: the member's mention count is a range of this key."""

    __tablename__ = "mentions"

    user_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class HiddenMessageRow(Base):
    """Messages a member deleted for themselves (DeleteMessages): also the user's deletion
    feed, which tells the user's devices that were offline what to hide."""

    __tablename__ = "hidden_messages"

    # Primary key (user_id, conversation_id, seq): the filter of one member's history and sync.
    user_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # The row's place in its user's deletion feed: 1, 2, 3, ... per user, in commit order (see
    # DeletionFeedRow). NULL only for a row that a node older than the feed stored during a
    # rolling upgrade (outside the feed, as every deletion was before it).
    position: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        # A device's catch-up and Sync: the user's deletions after its cursor, in order.
        UniqueConstraint("user_id", "position"),
    )


class DeletionFeedRow(Base):
    """Per user who ever deleted a message for themselves: the position of their newest
    deletion (the head of their feed in hidden_messages)."""

    __tablename__ = "deletion_feeds"

    user_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH), primary_key=True)
    # Incremented in the transaction that hides the messages, as conversations.last_seq is in
    # the one that stores them: its row lock orders a user's deletions, so positions have no
    # gaps and become visible in order, and a device that reads "after N" never skips one.
    last_position: Mapped[int] = mapped_column(BigInteger)


class DeviceCursorRow(Base):
    """How far each member's device has acknowledged receiving a conversation."""

    __tablename__ = "device_cursors"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.conversation_id"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    delivered_seq: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeliveryEventRow(Base):
    """Receipts as they happened: a device received, or a member read, (from_seq, to_seq]."""

    __tablename__ = "delivery_events"

    event_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    conversation_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    user_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH))
    # Empty for read events, which belong to the member rather than a device.
    device_id: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16))
    from_seq: Mapped[int] = mapped_column(BigInteger)
    to_seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        # Delivery timelines: the events whose range covers one message.
        Index(None, "conversation_id", "to_seq"),
    )


class BotRow(Base):
    """Users whose conversations' messages are also POSTed to a webhook."""

    __tablename__ = "bots"

    bot_id: Mapped[str] = mapped_column(String(USER_ID_LENGTH), primary_key=True)
    webhook_url: Mapped[str] = mapped_column(String(2048))
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RouteJobRow(Base):
    """Durable route work (a webhook call, a push, a provider relay): the outbox.

    Jobs are written in the same transaction as their message, so no stored message can lose
    its routing to a crash. A worker claims due jobs by moving next_attempt_at past a lease; a
    job whose worker died becomes due again when the lease ends.
    """

    __tablename__ = "route_jobs"

    job_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    route: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    conversation_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    seq: Mapped[int] = mapped_column(BigInteger)
    # The bot id for webhooks; empty for routes that concern the whole conversation.
    target: Mapped[str] = mapped_column(String(USER_ID_LENGTH))
    # pending, done (delivered) or dead (retry budget spent; see AdminService).
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        # Claiming due work of one route; listing dead letters.
        Index(None, "route", "status", "next_attempt_at"),
        Index(None, "status", "updated_at"),
        # Delivery timelines.
        Index(None, "message_id"),
    )


conversations = cast(Table, ConversationRow.__table__)
members = cast(Table, MemberRow.__table__)
messages = cast(Table, MessageRow.__table__)
device_cursors = cast(Table, DeviceCursorRow.__table__)
delivery_events = cast(Table, DeliveryEventRow.__table__)
bots = cast(Table, BotRow.__table__)
route_jobs = cast(Table, RouteJobRow.__table__)
reactions = cast(Table, ReactionRow.__table__)
hidden_messages = cast(Table, HiddenMessageRow.__table__)
deletion_feeds = cast(Table, DeletionFeedRow.__table__)
mentions = cast(Table, MentionRow.__table__)
