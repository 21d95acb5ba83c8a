"""Registering bots (admin only)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from openchat.server.domain.delivery import Bot
from openchat.server.domain.errors import NotFound, PermissionDenied
from openchat.server.domain.events import BOTS_CHANGED, BotsChanged
from openchat.server.domain.model import Principal
from openchat.server.ports import BotStore, EventBus

ADMIN_ROLE = "admin"


def require_admin(principal: Principal) -> None:
    if ADMIN_ROLE not in principal.roles:
        raise PermissionDenied(f"this RPC requires a token with the {ADMIN_ROLE!r} role")


class BotNotFound(NotFound):
    def __init__(self, bot_id: str) -> None:
        super().__init__(f"bot {bot_id!r} is not registered")


class Bots:
    """The BotService use cases."""

    def __init__(self, store: BotStore, cluster: EventBus) -> None:
        self._store = store
        self._cluster = cluster

    async def register(self, principal: Principal, bot_id: str, webhook_url: str) -> Bot:
        """Register (or re-register) a bot with a new signing secret."""
        require_admin(principal)
        bot = Bot(bot_id, webhook_url, secrets.token_urlsafe(32), datetime.now(UTC))
        await self._store.save(bot)
        await self._cluster.publish(BOTS_CHANGED, BotsChanged(bot_id))
        return bot

    async def get(self, principal: Principal, bot_id: str) -> Bot:
        require_admin(principal)
        bot = await self._store.get(bot_id)
        if bot is None:
            raise BotNotFound(bot_id)
        return bot

    async def unregister(self, principal: Principal, bot_id: str) -> None:
        require_admin(principal)
        if not await self._store.delete(bot_id):
            raise BotNotFound(bot_id)
        await self._cluster.publish(BOTS_CHANGED, BotsChanged(bot_id))
