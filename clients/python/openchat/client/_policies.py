"""How long to wait between attempts, and for how long to keep trying."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with full jitter: before attempt n+1 (n >= 1) the client waits a
    uniformly random time between 0 and min(cap, initial * multiplier ** (n - 1)) seconds, so
    that clients cut off together do not come back together."""

    initial: float = 0.5
    multiplier: float = 2.0
    cap: float = 30.0

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.cap < self.initial or self.multiplier < 1:
            raise ValueError("Backoff needs 0 < initial <= cap and multiplier >= 1")

    def ceiling(self, failures: int) -> float:
        """The longest wait after `failures` consecutive failures (>= 1)."""
        exponent = min(max(failures, 1) - 1, 64)  # beyond this the cap has long been reached
        return min(self.cap, self.initial * self.multiplier**exponent)

    def delay(self, failures: int, rng: random.Random) -> float:
        return rng.uniform(0.0, self.ceiling(failures))


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retries of calls (sends included): each attempt may take `attempt_timeout` seconds;
    a call gives up after `total_timeout` seconds in all. Only transient failures (UNAVAILABLE,
    DEADLINE_EXCEEDED, a broken connection) are retried. A send's message stays in the outbox
    past `total_timeout` and keeps being retried: the deadline bounds how long `send()` waits.
    """

    attempt_timeout: float = 10.0
    total_timeout: float = 60.0
    backoff: Backoff = field(default_factory=lambda: Backoff(initial=0.2, cap=10.0))


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """Reconnection of the session stream. `max_attempts` None (the default) never gives up,
    as mobile apps expect; `connect_timeout` bounds the wait for the server's welcome.

    The welcome may take a while when everyone reconnects at once: a server process opens about
    800 sessions a second, so after a network blip that dropped 10,000 clients the last ones
    wait over 12 s. A client that gave up sooner would come back and queue again, doing the work
    twice; with a 10 s timeout the benchmark's reconnect storm took 27-64 s instead of 13
    (docs/benchmarks.md). A server that is really gone is noticed sooner than that: the
    connection fails, or HTTP/2 keepalive reports it."""

    backoff: Backoff = field(default_factory=Backoff)
    max_attempts: int | None = None
    connect_timeout: float = 30.0
