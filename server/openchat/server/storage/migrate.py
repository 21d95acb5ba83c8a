"""Bringing a database's schema to the newest revision."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from openchat.server.domain.errors import Unavailable
from openchat.server.storage.database import (
    SQLITE_BUSY_TIMEOUT_MS,
    Database,
    set_sqlite_busy_timeout,
)

_SCRIPTS = Path(__file__).parent / "migrations"
# Any constant: it names the advisory lock that serializes migrations across nodes.
_MIGRATION_LOCK = 0x6F70656E63686174  # "openchat"
# The longest a SQLite node waits for other nodes' migrations before giving up.
_TURN_WAIT_MS = 300_000


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(_config(connection), "head")


async def upgrade(database: Database) -> None:
    """Apply every pending migration. Nodes starting together take turns (on PostgreSQL, behind
    an advisory lock; SQLite's BEGIN IMMEDIATE serializes them), and each finds the work done by
    the one before."""
    async with database.writer.connect() as connection:
        if database.dialect == "sqlite":
            # Wait for the turn as long as the migrations before it take (as the advisory lock
            # does): on a busy machine they outlast the busy timeout of ordinary writes, and
            # the node would fail with "database is locked" instead.
            await connection.run_sync(set_sqlite_busy_timeout, _TURN_WAIT_MS)
        try:
            async with connection.begin():
                if database.dialect == "postgresql":
                    await connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                    )
                await connection.run_sync(_upgrade)
        finally:
            if database.dialect == "sqlite":
                await connection.run_sync(set_sqlite_busy_timeout, SQLITE_BUSY_TIMEOUT_MS)


async def pending(database: Database) -> list[str]:
    """Revisions not yet applied to the database, oldest first."""

    def _pending(connection: Connection) -> list[str]:
        current = set(MigrationContext.configure(connection).get_current_heads())
        scripts = ScriptDirectory.from_config(_config(connection))
        missing = []
        for revision in scripts.walk_revisions():
            if revision.revision in current:
                break
            missing.append(revision.revision)
        return list(reversed(missing))

    async with database.reader.connect() as connection:
        return await connection.run_sync(_pending)


async def prepare(database: Database, *, auto_migrate: bool) -> None:
    """Bring the schema up to date when `auto_migrate`; otherwise refuse to serve on a schema
    that lacks migrations (an operator runs `openchat-server migrate` first)."""
    if auto_migrate:
        await upgrade(database)
        return
    missing = await pending(database)
    if missing:
        raise Unavailable(
            f"the database schema lacks migrations {missing}: run `openchat-server migrate`"
        )
