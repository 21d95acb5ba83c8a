"""The event-loop lag monitor: how late its timer wakes is the lag, recorded and readable."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Histogram

from openchat.server.observability.event_loop import LoopLagMonitor
from tests.support.waiting import until

BLOCKED_SECONDS = 0.2


def recorded(lags: Histogram) -> float:
    """The sum of the lags observed so far."""
    [metric] = lags.collect()
    [total] = [s.value for s in metric.samples if s.name.endswith("_sum")]
    return float(total)


async def test_a_blocked_loop_shows_as_lag_and_is_recorded() -> None:
    lags = Histogram("lag_seconds", "lag", registry=CollectorRegistry())
    monitor = LoopLagMonitor(lags, interval=0.01)
    assert monitor.lag() == 0.0, "not running"
    monitor.start()
    try:
        # The loop does nothing else meanwhile: the timer cannot run, so it wakes late.
        time.sleep(BLOCKED_SECONDS)  # noqa: ASYNC251 - blocking the loop is the point
        assert monitor.lag() >= BLOCKED_SECONDS - 0.02, "overdue counts before the timer runs"
        await until(lambda: recorded(lags) >= BLOCKED_SECONDS - 0.02, what="the lag recorded")
    finally:
        await monitor.stop()
    assert monitor.lag() == 0.0
