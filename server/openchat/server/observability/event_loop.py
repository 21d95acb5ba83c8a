"""How late the event loop runs: the one number that says whether the server keeps up.

Everything on the loop (a garbage collection, a storm of hellos, a slow callback) delays
everything else on it, and no per-RPC timer shows it: the RPC that waited is not the one that
ran. A timer asks to wake every `interval` and records how much later than asked it woke, in
`openchat_event_loop_lag_seconds`. `lag()` is the lag right now: the last one measured, or, when
the timer is overdue, how overdue it is (a loop busy with a storm cannot run the timer, which
is exactly when the answer matters).
"""

from __future__ import annotations

import time

from prometheus_client import Histogram

from openchat.server.background.periodic import PeriodicTask

# 20 wake-ups a second: negligible work, and a pause of 50 ms or more is always seen.
INTERVAL_SECONDS = 0.05


class LoopLagMonitor:
    """Measures the event loop's lag between `start()` and `stop()`."""

    def __init__(self, lags: Histogram, *, interval: float = INTERVAL_SECONDS) -> None:
        self._lags = lags
        self._interval = interval
        self._last = 0.0
        self._due = 0.0
        self._running = False
        self._timer = PeriodicTask("event-loop-lag", interval, self._woke)

    def lag(self) -> float:
        """Seconds the loop is behind now (0 while the monitor is not running)."""
        if not self._running:
            return 0.0
        return max(self._last, time.monotonic() - self._due)

    def start(self) -> None:
        self._due = time.monotonic() + self._interval
        self._running = True
        self._timer.start()

    async def stop(self) -> None:
        self._running = False
        await self._timer.stop()

    async def _woke(self) -> None:
        # The timer sleeps `interval` right after this returns (nothing here awaits).
        now = time.monotonic()
        self._last = max(0.0, now - self._due)
        self._lags.observe(self._last)
        self._due = now + self._interval
