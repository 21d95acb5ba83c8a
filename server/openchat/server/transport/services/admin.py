"""AdminService."""

from __future__ import annotations

from typing import Any

import grpc

from openchat.server.domain.errors import InvalidArgument
from openchat.server.transport.context import current_principal
from openchat.server.transport.converters import dead_letter_to_pb
from openchat.server.transport.page_tokens import Paging
from openchat.server.transport.validation import require_ids
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
        paging = Paging.of(
            request.page_token,
            request.page_size,
            {"route": request.route},
            int,
            default_size=DEFAULT_PAGE_SIZE,
            max_size=MAX_PAGE_SIZE,
        )
        page, token = await paging.read(
            lambda limit: self._dead_letters.list(
                principal, request.route, before_job_id=paging.start, limit=limit
            ),
            lambda job: job.job_id,
        )
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
