"""ErrorMappingInterceptor: domain errors become their mapped status with ErrorInfo; anything
unexpected a generic INTERNAL (grpc.aio would otherwise send the exception text, which can
include a database URL), or UNAVAILABLE for infrastructure failures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import grpc
import structlog

from openchat.server.domain.errors import OpenChatError
from openchat.server.failures import is_transient
from openchat.server.transport.errors import (
    ErrorStatus,
    dependency_unavailable,
    internal_error,
    status_of,
    to_grpc_status,
)
from openchat.server.transport.interceptors.wrapping import Around, WrappingInterceptor

if TYPE_CHECKING:
    from openchat.server.transport.interceptors.wrapping import Handler

_log = structlog.get_logger("openchat.rpc")


async def _abort(context: grpc.aio.ServicerContext[Any, Any], status: ErrorStatus) -> None:
    grpc_status = to_grpc_status(status)
    await context.abort(grpc_status.code, grpc_status.details, grpc_status.trailing_metadata)


def unexpected_status(error: Exception) -> ErrorStatus:
    """UNAVAILABLE for infrastructure failures, INTERNAL for bugs; details only in the log."""
    if is_transient(error):
        # str() as well: redis-py's repr() drops the message.
        _log.warning("dependency_error", error=f"{type(error).__name__}: {error}")
        return dependency_unavailable()
    request_id = structlog.contextvars.get_contextvars().get("request_id", "unknown")
    _log.error("unhandled_error", exc_info=error)
    return internal_error(str(request_id))


class ErrorMappingInterceptor(WrappingInterceptor):
    """Domain errors become their mapped status; anything else a generic INTERNAL (or
    UNAVAILABLE for infrastructure failures)."""

    def around(self, method: str, handler: Handler) -> Around:
        return _MappingErrors


class _MappingErrors:
    """Turns what escapes a call into its status."""

    __slots__ = ("_context",)

    def __init__(self, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        self._context = context

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, _type: object, error: BaseException | None, _tb: object) -> None:
        if isinstance(error, OpenChatError):
            await _abort(self._context, status_of(error))
        elif isinstance(error, Exception) and not isinstance(error, grpc.aio.AbortError):
            await _abort(self._context, unexpected_status(error))
        # Anything else (none, an abort, a cancellation) goes on as it is.
