"""Request-scoped state that interceptors hand to handlers: the authenticated principal."""

from __future__ import annotations

from contextvars import ContextVar

from openchat.server.domain.errors import Unauthenticated
from openchat.server.domain.model import Principal

principal_var: ContextVar[Principal] = ContextVar("openchat_principal")


def current_principal() -> Principal:
    """The caller, as authenticated by AuthInterceptor for this RPC."""
    try:
        return principal_var.get()
    except LookupError:
        raise Unauthenticated("this RPC requires an authorization: Bearer <token> header") from None


def current_user_id() -> str:
    """The calling user's id."""
    return current_principal().user_id
