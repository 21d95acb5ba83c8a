"""The local store: one SQLite file per user and device holding the outbox, the delivery
cursors and the messages received, so that all three survive a restart of the app.

Every operation runs as one transaction on the store's own thread (sqlite3 from the standard
library, behind a single-thread executor, as aiosqlite does), so the event loop never blocks on
the disk and operations never interleave. WAL journaling with synchronous=NORMAL: a committed
write survives the app being killed at any point; a power cut may lose the last few.
Messages and contents are kept as their protobuf encoding, which the contract keeps readable
by newer versions.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TypeVar

from openchat.client._convert import (
    ack_from_pb,
    ack_to_pb,
    content_from_pb,
    content_to_pb,
    message_from_pb,
    message_to_pb,
)
from openchat.client._folding import fold, hide
from openchat.client._models import (
    Message,
    MessageAck,
    MessageKind,
    OutboxEntry,
    OutboxError,
    OutboxState,
    ReactionSummary,
)
from openchat.v1 import message_pb2

T = TypeVar("T")

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE outbox (
    position INTEGER PRIMARY KEY AUTOINCREMENT,  -- the order the app wrote its messages in
    client_msg_id TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL,
    content BLOB NOT NULL,                       -- openchat.v1.Content
    state TEXT NOT NULL,                         -- pending | sent | failed
    created_at REAL NOT NULL,                    -- unix time
    attempts INTEGER NOT NULL DEFAULT 0,
    ack BLOB,                                    -- openchat.v1.MessageAck, once sent
    error_code TEXT, error_reason TEXT, error_message TEXT, error_metadata TEXT  -- JSON
);
CREATE INDEX outbox_pending ON outbox (state, conversation_id, position);
CREATE TABLE cursors (
    conversation_id TEXT PRIMARY KEY,
    delivered_seq INTEGER NOT NULL               -- every seq up to here was given to the app
) WITHOUT ROWID;
CREATE TABLE messages (
    conversation_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    message BLOB NOT NULL,                       -- openchat.v1.Message
    PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""

# Version 2: changes (edits, recalls, reactions) are folded into the messages they target,
# found by id; reactions are kept as the set they describe.
_SCHEMA_2 = """
ALTER TABLE messages ADD COLUMN message_id TEXT;
CREATE INDEX messages_by_id ON messages (message_id);
CREATE TABLE reactions (
    message_id TEXT NOT NULL,
    emoji TEXT NOT NULL,
    user_id TEXT NOT NULL,
    seq INTEGER NOT NULL,                        -- of the change that added it: the order
    PRIMARY KEY (message_id, emoji, user_id)
) WITHOUT ROWID;
"""

# The settings key of the deletion cursor (the server's deletions_position): a single value
# for the user, beside the per-conversation cursors.
_DELETIONS_CURSOR = "deletions_position"

_OUTBOX_COLUMNS = (
    "client_msg_id, conversation_id, content, state, created_at, attempts, ack, "
    "error_code, error_reason, error_message, error_metadata"
)


class StoreVersionError(RuntimeError):
    """The store was written by a newer version of the SDK."""


def _entry(row: tuple[object, ...]) -> OutboxEntry:
    (client_msg_id, conversation_id, content, state, created_at, attempts, ack, code, reason,
     message, metadata) = row  # fmt: skip
    assert isinstance(content, bytes)
    assert isinstance(created_at, float)
    return OutboxEntry(
        client_msg_id=str(client_msg_id),
        conversation_id=str(conversation_id),
        content=content_from_pb(message_pb2.Content.FromString(content)),
        state=OutboxState(state),
        created_at=datetime.fromtimestamp(created_at, UTC),
        attempts=int(str(attempts)),
        ack=ack_from_pb(message_pb2.MessageAck.FromString(ack)) if isinstance(ack, bytes) else None,
        error=None
        if code is None
        else OutboxError(
            str(code), str(reason), str(message), MappingProxyType(json.loads(str(metadata)))
        ),
    )


class LocalStore:
    """The SQLite file (or an in-memory database when no path is given)."""

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self._path = ":memory:" if path is None else os.path.expanduser(os.fspath(path))
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="openchat-store")
        self._db: sqlite3.Connection | None = None

    async def open(self) -> None:
        await self._run(self._open)

    async def close(self) -> None:
        def close() -> None:
            if self._db is not None:
                self._db.close()
                self._db = None

        await self._run(close)
        self._executor.shutdown(wait=True)

    async def _run(self, operation: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, operation)

    def _open(self) -> None:
        if self._path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(self._path)), exist_ok=True)
        db = sqlite3.connect(self._path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA busy_timeout=5000")
        (version,) = db.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            db.close()
            raise StoreVersionError(
                f"{self._path} was written by a newer openchat.client (schema {version})"
            )
        if version == 0:
            # One transaction: a store is either empty or complete.
            db.executescript(
                f"BEGIN; {_SCHEMA} {_SCHEMA_2} PRAGMA user_version={SCHEMA_VERSION}; COMMIT;"
            )
        elif version == 1:
            _upgrade_from_1(db)
        self._db = db

    @property
    def _conn(self) -> sqlite3.Connection:
        assert self._db is not None, "the store is not open"
        return self._db

    # --- settings ---------------------------------------------------------------------------

    async def setting(self, key: str) -> str | None:
        def read() -> str | None:
            row = self._conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
            return None if row is None else str(row[0])

        return await self._run(read)

    async def set_setting(self, key: str, value: str) -> None:
        await self._run(lambda: self._write_setting(key, value))

    def _write_setting(self, key: str, value: str) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value)
        )

    # --- outbox -----------------------------------------------------------------------------

    async def add_outbox(self, entry: OutboxEntry) -> bool:
        """Append the entry; False (and nothing changes) when its client_msg_id is taken."""
        content = content_to_pb(entry.content).SerializeToString(deterministic=True)

        def insert() -> bool:
            cursor = self._conn.execute(
                "INSERT OR IGNORE INTO outbox"
                " (client_msg_id, conversation_id, content, state, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    entry.client_msg_id,
                    entry.conversation_id,
                    content,
                    entry.state.value,
                    entry.created_at.timestamp(),
                ),
            )
            return cursor.rowcount == 1

        return await self._run(insert)

    async def outbox(
        self, *, state: OutboxState | None = None, client_msg_id: str | None = None
    ) -> list[OutboxEntry]:
        """Entries in the order they were written, optionally of one state or one id."""
        clauses, parameters = [], []
        if state is not None:
            clauses.append("state = ?")
            parameters.append(state.value)
        if client_msg_id is not None:
            clauses.append("client_msg_id = ?")
            parameters.append(client_msg_id)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""

        def read() -> list[OutboxEntry]:
            rows = self._conn.execute(
                f"SELECT {_OUTBOX_COLUMNS} FROM outbox {where} ORDER BY position",  # noqa: S608 - fixed clauses
                parameters,
            )
            return [_entry(row) for row in rows]

        return await self._run(read)

    async def settle_outbox(
        self,
        client_msg_id: str,
        *,
        ack: MessageAck | None = None,
        error: OutboxError | None = None,
        attempts: int | None = None,
    ) -> None:
        """Record the outcome of the entry's last attempt: SENT with its ack, FAILED with the
        server's error, or (neither) PENDING again, to be retried; and the attempts made."""
        state = OutboxState.SENT if ack else OutboxState.FAILED if error else OutboxState.PENDING
        ack_bytes = None
        if ack is not None:
            ack_bytes = ack_to_pb(ack).SerializeToString(deterministic=True)
        code = reason = message = metadata = None
        if error is not None:
            code, reason, message = error.code, error.reason, error.message
            metadata = json.dumps(dict(error.metadata))
        await self._run(
            lambda: self._conn.execute(
                "UPDATE outbox SET state = ?, ack = ?, error_code = ?, error_reason = ?,"
                " error_message = ?, error_metadata = ?, attempts = coalesce(?, attempts)"
                " WHERE client_msg_id = ?",
                (state.value, ack_bytes, code, reason, message, metadata, attempts, client_msg_id),
            )
        )

    async def delete_outbox(self, client_msg_id: str) -> bool:
        def delete() -> bool:
            cursor = self._conn.execute(
                "DELETE FROM outbox WHERE client_msg_id = ?", (client_msg_id,)
            )
            return cursor.rowcount > 0

        return await self._run(delete)

    async def delete_sent(self) -> int:
        def delete() -> int:
            return self._conn.execute("DELETE FROM outbox WHERE state = 'sent'").rowcount

        return await self._run(delete)

    # --- cursors ----------------------------------------------------------------------------

    async def cursors(self) -> dict[str, int]:
        def read() -> dict[str, int]:
            rows = self._conn.execute("SELECT conversation_id, delivered_seq FROM cursors")
            return {str(conversation_id): int(seq) for conversation_id, seq in rows}

        return await self._run(read)

    async def advance_cursors(self, cursors: Mapping[str, int]) -> None:
        """Raise the delivered seq of each conversation (it never moves back)."""
        rows = list(cursors.items())

        def write() -> None:
            with _transaction(self._conn):
                self._conn.executemany(
                    "INSERT INTO cursors (conversation_id, delivered_seq) VALUES (?, ?)"
                    " ON CONFLICT (conversation_id) DO UPDATE SET"
                    " delivered_seq = max(delivered_seq, excluded.delivered_seq)",
                    rows,
                )

        await self._run(write)

    async def deletions_cursor(self) -> int:
        """The position of the user's deletion feed up to which this store applied every
        deletion (0: none yet)."""
        return int(await self.setting(_DELETIONS_CURSOR) or 0)

    async def set_deletions_cursor(self, position: int) -> None:
        await self.set_setting(_DELETIONS_CURSOR, str(position))

    # --- messages ---------------------------------------------------------------------------

    async def put_messages(self, messages: Iterable[Message]) -> None:
        """Store entries (each seq once) and fold each new change into the message it targets,
        when that message is stored here: an edit replaces its text and attributes, a recall
        makes it a tombstone, reactions add to or remove from its set."""
        entries = list(messages)
        if not entries:
            return

        def write() -> None:
            with _transaction(self._conn):
                for entry in entries:
                    if self._insert(entry) and entry.kind is not MessageKind.MESSAGE:
                        fold(self._conn, entry)

        await self._run(write)

    def _insert(self, message: Message) -> bool:
        cursor = self._conn.execute(
            "INSERT OR IGNORE INTO messages (conversation_id, seq, message_id, message)"
            " VALUES (?, ?, ?, ?)",
            (
                message.conversation_id,
                message.seq,
                message.message_id,
                message_to_pb(message).SerializeToString(deterministic=True),
            ),
        )
        return cursor.rowcount == 1

    async def hide_messages(
        self, conversation_id: str, message_ids: Iterable[str], *, deletions_position: int = 0
    ) -> None:
        """Make the stored messages placeholders, as the server sends those the user deleted
        for themselves: no content, no reactions, `deleted_for_me`. Messages not stored here
        are left alone (the server sends them as placeholders). With a `deletions_position`,
        the deletion cursor becomes it in the same transaction."""
        ids = list(message_ids)

        def write() -> None:
            with _transaction(self._conn):
                hide(self._conn, conversation_id, ids)
                if deletions_position:
                    self._write_setting(_DELETIONS_CURSOR, str(deletions_position))

        await self._run(write)

    async def messages(
        self, conversation_id: str, first_seq: int, last_seq: int, *, viewer: str = ""
    ) -> list[Message]:
        """The stored entries with first_seq <= seq <= last_seq, in seq order; messages carry
        the reactions folded into them (`reacted_by_me` for `viewer`)."""

        def read() -> list[Message]:
            rows = self._conn.execute(
                "SELECT message FROM messages WHERE conversation_id = ? AND seq BETWEEN ? AND ?"
                " ORDER BY seq",
                (conversation_id, first_seq, last_seq),
            )
            found = [message_from_pb(message_pb2.Message.FromString(row[0])) for row in rows]
            return [self._with_reactions(message, viewer) for message in found]

        return await self._run(read)

    def _with_reactions(self, message: Message, viewer: str) -> Message:
        if message.kind is not MessageKind.MESSAGE:
            return message
        rows = self._conn.execute(
            "SELECT emoji, count(*), max(user_id = ?) FROM reactions WHERE message_id = ?"
            " GROUP BY emoji ORDER BY min(seq)",
            (viewer, message.message_id),
        ).fetchall()
        if not rows:
            return message
        summary = tuple(ReactionSummary(emoji, count, bool(mine)) for emoji, count, mine in rows)
        return replace(message, reactions=summary)


def _upgrade_from_1(db: sqlite3.Connection) -> None:
    """Add version 2 to a store of version 1: index the stored messages by id."""
    with _transaction(db):
        for statement in _SCHEMA_2.split(";"):
            if statement.strip():
                db.execute(statement)
        rows = db.execute("SELECT conversation_id, seq, message FROM messages").fetchall()
        for conversation_id, seq, blob in rows:
            db.execute(
                "UPDATE messages SET message_id = ? WHERE conversation_id = ? AND seq = ?",
                (message_pb2.Message.FromString(blob).message_id, conversation_id, seq),
            )
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error) on an autocommit connection."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
