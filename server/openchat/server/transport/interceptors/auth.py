"""AuthInterceptor: verifies the bearer token of every API call and makes its principal
current (shared with the web listener through authenticate())."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import grpc
import structlog

from openchat.server.auth.tokens import TokenVerifier
from openchat.server.domain.errors import Unauthenticated
from openchat.server.transport.context import principal_var
from openchat.server.transport.interceptors.wrapping import ApiInterceptor, Around, metadata_value

if TYPE_CHECKING:
    from openchat.server.transport.interceptors.wrapping import Handler


class AuthInterceptor(ApiInterceptor):
    """Requires `authorization: Bearer <JWT>` on every RPC but health and reflection."""

    def __init__(self, verifier: TokenVerifier) -> None:
        super().__init__()
        self._verifier = verifier

    def around(self, method: str, handler: Handler) -> Around:
        return lambda context: _Authenticated(self._verifier, context)


async def authenticate(verifier: TokenVerifier, header: str | None) -> None:
    """Verifies an `authorization: Bearer <JWT>` header and makes its principal current."""
    if header is None:
        raise Unauthenticated("missing authorization header: send 'Bearer <token>'")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the authorization header must be 'Bearer <token>'")
    principal = await verifier.verify(token.strip())
    principal_var.set(principal)
    structlog.contextvars.bind_contextvars(user_id=principal.user_id)


class _Authenticated:
    """Verifies the call's bearer token and makes its principal current."""

    __slots__ = ("_context", "_verifier")

    def __init__(
        self, verifier: TokenVerifier, context: grpc.aio.ServicerContext[Any, Any]
    ) -> None:
        self._verifier = verifier
        self._context = context

    async def __aenter__(self) -> None:
        await authenticate(self._verifier, metadata_value(self._context, "authorization"))

    async def __aexit__(self, *_: object) -> None:
        return None
