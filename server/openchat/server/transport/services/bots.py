"""BotService."""

from __future__ import annotations

from typing import Any

import grpc

from openchat.server.transport.context import current_principal
from openchat.server.transport.converters import bot_to_pb
from openchat.server.transport.validation import require_http_url, require_id
from openchat.server.usecases.bots import Bots
from openchat.v1 import bot_service_pb2 as pb
from openchat.v1 import bot_service_pb2_grpc

Context = grpc.aio.ServicerContext[Any, Any]


class BotServicer(bot_service_pb2_grpc.BotServiceServicer):
    def __init__(self, bots: Bots) -> None:
        self._bots = bots

    async def RegisterBot(
        self, request: pb.RegisterBotRequest, context: Context
    ) -> pb.RegisterBotResponse:
        principal = current_principal()
        bot_id = require_id("bot_id", request.bot_id)
        webhook_url = require_http_url("webhook_url", request.webhook_url)
        bot = await self._bots.register(principal, bot_id, webhook_url)
        return pb.RegisterBotResponse(bot=bot_to_pb(bot), secret=bot.secret)

    async def GetBot(self, request: pb.GetBotRequest, context: Context) -> pb.GetBotResponse:
        principal = current_principal()
        bot = await self._bots.get(principal, require_id("bot_id", request.bot_id))
        return pb.GetBotResponse(bot=bot_to_pb(bot))

    async def UnregisterBot(
        self, request: pb.UnregisterBotRequest, context: Context
    ) -> pb.UnregisterBotResponse:
        principal = current_principal()
        await self._bots.unregister(principal, require_id("bot_id", request.bot_id))
        return pb.UnregisterBotResponse()
