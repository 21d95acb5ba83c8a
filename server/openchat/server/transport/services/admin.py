"""AdminService."""

from __future__ import annotations

from typing import Any

import grpc

from openchat.server.domain.errors import InvalidArgument
from openchat.server.transport import page_tokens
from openchat.server.transport.context import current_principal
from openchat.server.transport.converters import dead_letter_to_pb
from openchat.server.transport.validation import page_size, require_ids
from openchat.server.usecases.dead_letters import DeadLetters
from openchat.v1 import admin_service_pb2 as pb
from openchat.v1 import admin_service_pb2_grpc

Context = grpc.aio.ServicerContext[Any, Any]

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


def _job_ids(values: list[str]) -> list[int]:
    ids = []
    for index, value in enumerate(values):
        if not value.isdigit():
            raise InvalidArgument(f"job_ids[{index}]", f"is not a job id: {value!r}")
        ids.append(int(value))
    return ids


class AdminServicer(admin_service_pb2_grpc.AdminServiceServicer):
    def __init__(self, dead_letters: DeadLetters) -> None:
        self._dead_letters = dead_letters

    async def ListDeadLetters(
        self, request: pb.ListDeadLettersRequest, context: Context
    ) -> pb.ListDeadLettersResponse:
        principal = current_principal()
        limit = page_size(
            "page_size", request.page_size, default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE
        )
        fixed = {"route": request.route}
        before = None
        if request.page_token:
            before = page_tokens.decode(request.page_token, fixed, int)
        jobs = await self._dead_letters.list(
            principal, request.route, before_job_id=before, limit=limit + 1
        )
        page = jobs[:limit]
        token = page_tokens.encode(fixed, page[-1].job_id) if len(jobs) > limit else ""
        return pb.ListDeadLettersResponse(
            dead_letters=[dead_letter_to_pb(job) for job in page], next_page_token=token
        )

    async def ReplayDeadLetters(
        self, request: pb.ReplayDeadLettersRequest, context: Context
    ) -> pb.ReplayDeadLettersResponse:
        principal = current_principal()
        job_ids = _job_ids(require_ids("job_ids", request.job_ids))
        replayed = await self._dead_letters.replay(principal, job_ids)
        return pb.ReplayDeadLettersResponse(replayed_count=replayed)
