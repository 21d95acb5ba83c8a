"""SyncService."""

from __future__ import annotations

from typing import Any

import grpc

from openchat.server.domain.errors import InvalidArgument
from openchat.server.transport.context import current_user_id
from openchat.server.transport.converters import sync_to_pb
from openchat.server.transport.validation import MAX_IDS_PER_REQUEST, page_size, require_id
from openchat.server.usecases.sync import Synchronization
from openchat.v1 import sync_service_pb2 as pb
from openchat.v1 import sync_service_pb2_grpc

Context = grpc.aio.ServicerContext[Any, Any]

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# A client may hold cursors for every conversation it has ever joined.
MAX_CURSORS = 10 * MAX_IDS_PER_REQUEST


def cursors_from_pb(cursors: Any, field: str) -> dict[str, int]:
    """Validated cursors by conversation id (the highest after_seq wins for a repeated id)."""
    if len(cursors) > MAX_CURSORS:
        raise InvalidArgument(field, f"has {len(cursors)} entries, more than {MAX_CURSORS}")
    result: dict[str, int] = {}
    for index, cursor in enumerate(cursors):
        conversation_id = require_id(f"{field}[{index}].conversation_id", cursor.conversation_id)
        if cursor.after_seq < 0:
            raise InvalidArgument(f"{field}[{index}].after_seq", "must not be negative")
        result[conversation_id] = max(result.get(conversation_id, 0), cursor.after_seq)
    return result


class SyncServicer(sync_service_pb2_grpc.SyncServiceServicer):
    def __init__(self, synchronization: Synchronization) -> None:
        self._synchronization = synchronization

    async def Sync(self, request: pb.SyncRequest, context: Context) -> pb.SyncResponse:
        user_id = current_user_id()
        cursors = cursors_from_pb(request.cursors, "cursors")
        limit = page_size("limit", request.limit, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
        deletions_after = request.deletions_after if request.HasField("deletions_after") else None
        result = await self._synchronization.sync(
            user_id, cursors, limit, deletions_after=deletions_after
        )
        return sync_to_pb(result)
