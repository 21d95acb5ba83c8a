"""Server settings for tests."""

from __future__ import annotations

from typing import Any

from openchat.server.limits.token_bucket import InProcessRateLimiter
from openchat.server.settings import Settings, load_settings
from openchat.server.usecases.quotas import Quotas

TEST_SECRET = "test-secret-test-secret-test-secret-0123456789"

# The rate limits that a test of something else would trip over: many tests send or create
# groups as one user as fast as they can. Tests of the limits set their own values.
WITHOUT_RATE_LIMITS: dict[str, Any] = {"send_rate": 0, "groups_per_hour": 0}
WITHOUT_RATE_LIMITS_ENV = {"OPENCHAT_SEND_RATE": "0", "OPENCHAT_GROUPS_PER_HOUR": "0"}


def without_quotas() -> Quotas:
    """Quotas that limit nothing, for use-case tests."""
    return Quotas(InProcessRateLimiter(), send_rate=0, send_burst=1, groups_per_hour=0)


def settings_for(database_url: str, **sections: dict[str, Any]) -> Settings:
    """Settings for a server on a free loopback port storing into `database_url`;
    `sections` override fields, for example `redis={"url": ...}`."""
    overrides: dict[str, dict[str, Any]] = {
        "server": {"listen": "127.0.0.1:0", "metrics_listen": "127.0.0.1:0", "shutdown_grace": 5.0},
        "database": {"url": database_url},
        "auth": {"jwt_secret": TEST_SECRET},
        # No pushback of new sessions (the tests of pushback set it): a test machine shared
        # with other work lags now and then, which is not what the other tests test.
        "sessions": {"admission_lag": 3600.0},
        "limits": dict(WITHOUT_RATE_LIMITS),
    }
    for section, values in sections.items():
        overrides.setdefault(section, {}).update(values)
    return load_settings(overrides)


# Durable routes that retry and give up within a test's patience: attempts time out after a
# second, retries wait at most 0.2, 0.4, 0.8 s (full jitter), the fourth failure is final, and
# workers look for due retries every 50 ms.
FAST_ROUTING: dict[str, Any] = {
    "push_provider": "none",
    "attempt_timeout": 1.0,
    "backoff_base": 0.2,
    "backoff_cap": 2.0,
    "max_attempts": 4,
    "poll_interval": 0.05,
}
