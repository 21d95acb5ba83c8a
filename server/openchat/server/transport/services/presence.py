"""PresenceService: declared by the contract; served from the session-stream release on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc

from openchat.server.domain.errors import NotImplementedYet
from openchat.v1 import presence_service_pb2 as pb
from openchat.v1 import presence_service_pb2_grpc

Context = grpc.aio.ServicerContext[Any, Any]


class PresenceServicer(presence_service_pb2_grpc.PresenceServiceServicer):
    async def Connect(
        self, request_iterator: AsyncIterator[pb.ClientFrame], context: Context
    ) -> AsyncIterator[pb.ServerFrame]:
        raise NotImplementedYet("PresenceService.Connect is not served by this version yet")
        yield  # an async generator, as the streaming interceptors expect

    async def GetPresence(
        self, request: pb.GetPresenceRequest, context: Context
    ) -> pb.GetPresenceResponse:
        raise NotImplementedYet("PresenceService.GetPresence is not served by this version yet")
