"""Registered bots in SQL."""

from __future__ import annotations

import functools
from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from openchat.server.domain.delivery import Bot
from openchat.server.storage.database import Database
from openchat.server.storage.key_batches import KeyBatch
from openchat.server.storage.tables import bots, members


class SqlBotStore:
    """BotStore on SQLite or PostgreSQL."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def save(self, bot: Bot) -> None:
        async with self._database.writer.begin() as connection:
            dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
            statement: Any = dialect.insert(bots).values(
                bot_id=bot.bot_id,
                webhook_url=bot.webhook_url,
                secret=bot.secret,
                created_at=bot.created_at,
            )
            await connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["bot_id"],
                    set_={
                        "webhook_url": statement.excluded.webhook_url,
                        "secret": statement.excluded.secret,
                        "created_at": statement.excluded.created_at,
                    },
                )
            )

    async def get(self, bot_id: str) -> Bot | None:
        async with self._database.reader.connect() as connection:
            row = (await connection.execute(select(bots).where(bots.c.bot_id == bot_id))).first()
        if row is None:
            return None
        return Bot(row.bot_id, row.webhook_url, row.secret, row.created_at)

    async def delete(self, bot_id: str) -> bool:
        async with self._database.writer.begin() as connection:
            result = await connection.execute(delete(bots).where(bots.c.bot_id == bot_id))
            return bool(result.rowcount)

    async def bot_ids(self) -> frozenset[str]:
        async with self._database.reader.connect() as connection:
            return frozenset((await connection.scalars(select(bots.c.bot_id))).all())


async def bot_members(
    connection: AsyncConnection, conversation_ids: Collection[str]
) -> dict[str, frozenset[str]]:
    """The registered bots among each conversation's members, as the caller's transaction sees
    them (so a message is planned against the membership it is committed with)."""
    batch, statement = _bot_members_statement(connection.dialect.name)
    rows = await connection.execute(statement, batch.params((c,) for c in conversation_ids))
    found: dict[str, set[str]] = {}
    for conversation_id, bot_id in rows:
        found.setdefault(conversation_id, set()).add(bot_id)
    return {conversation_id: frozenset(ids) for conversation_id, ids in found.items()}


@functools.cache
def _bot_members_statement(dialect: str) -> tuple[KeyBatch, Select[Any]]:
    """Built once per dialect (KeyBatch): every send transaction runs it."""
    batch = KeyBatch(dialect, "conversations", [members.c.conversation_id])
    statement = (
        select(members.c.conversation_id, members.c.user_id)
        .join(batch.table, batch.matches())
        .join(bots, bots.c.bot_id == members.c.user_id)
    )
    return batch, statement
