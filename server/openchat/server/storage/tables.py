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
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID_LENGTH = 36
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

    __table_args__ = (
        UniqueConstraint("direct_key"),
        UniqueConstraint("creator_id", "create_request_id"),
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
    # Attachments, attributes, mentions and reply-to; NULL when the message has none.
    extras: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (
        # Idempotency: one message per (sender, client_msg_id); the dedup lookup.
        UniqueConstraint("sender_id", "client_msg_id"),
        # Lookups by message id (delivery timelines, replies).
        UniqueConstraint("message_id"),
    )


conversations = cast(Table, ConversationRow.__table__)
members = cast(Table, MemberRow.__table__)
messages = cast(Table, MessageRow.__table__)
