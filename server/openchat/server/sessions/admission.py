"""Pushback: whether a new session opens now or its client is asked to come back later.

Opening a session costs the event loop ~1-2 ms (registration, presence, the catch-up). In a
reconnect storm 10,000 clients ask at once; queued on the server, each hello waits behind all
the others, the loop lags for everything (pongs, deliveries), and clients whose welcome is late
time out and come back, doing the work twice. While the loop lags, a new session is answered
with Reconnect{retry_after} instead of its welcome: it costs the server a stream, and the client
waits on its side. retry_after is drawn uniformly from [retry_after, retry_after + spread], so
the clients pushed back in one burst come back spread over the spread, not in a second burst.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from openchat.server.domain.frames import ReconnectRequest
from openchat.server.observability.metrics import Metrics
from openchat.server.settings import SessionSettings


class Admission:
    """Decides, per new session, from the event loop's lag right now."""

    def __init__(
        self,
        settings: SessionSettings,
        *,
        lag: Callable[[], float],
        metrics: Metrics,
        rng: random.Random | None = None,
    ) -> None:
        self._threshold = settings.admission_lag
        self._retry_after = settings.pushback_retry_after
        self._spread = settings.pushback_spread
        self._lag = lag
        self._metrics = metrics
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security

    def pushback(self) -> ReconnectRequest | None:
        """None to open the session; otherwise what to answer instead of its welcome."""
        lag = self._lag()
        if lag < self._threshold:
            return None
        self._metrics.session_pushbacks.inc()
        return ReconnectRequest(
            f"the server is busy (its event loop is {lag * 1000:.0f} ms behind); "
            "the session was not opened, reconnect after retry_after",
            retry_after=self._retry_after + self._rng.uniform(0.0, self._spread),
            cause="overloaded",
        )
