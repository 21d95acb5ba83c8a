"""Client SDK instances for tests: fast retry and reconnect policies, and real tokens."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from openchat.client import Backoff, Client, ReconnectPolicy, RetryPolicy
from openchat.server.auth.tokens import issue_token
from tests.support.settings import TEST_SECRET

# Backoff short enough for tests; the production defaults are 0.2-10 s (calls) and 0.5-30 s
# (reconnects).
FAST_BACKOFF = Backoff(initial=0.05, cap=0.25)
FAST_RETRY = RetryPolicy(attempt_timeout=5.0, total_timeout=20.0, backoff=FAST_BACKOFF)
FAST_RECONNECT = ReconnectPolicy(backoff=FAST_BACKOFF, connect_timeout=5.0)

# The `open_client` fixture: (user_id, device_id="device-1", **Client options) -> open Client.
OpenClient = Callable[..., Awaitable[Client]]


def token(user_id: str, ttl_seconds: float = 3600) -> str:
    return issue_token(TEST_SECRET, user_id, ttl_seconds=ttl_seconds)


def new_client(target: str, user_id: str, device_id: str = "device-1", **options: Any) -> Client:
    """A client of `user_id` with the fast policies (unless `options` override them)."""
    options.setdefault("retry", FAST_RETRY)
    options.setdefault("reconnect", FAST_RECONNECT)
    options.setdefault("token", token(user_id))
    return Client(target, device_id=device_id, **options)
