"""Pushback of new sessions while the event loop lags."""

from __future__ import annotations

import random

from openchat.server.observability.metrics import Metrics
from openchat.server.sessions.admission import Admission
from openchat.server.settings import load_settings


def admission(lag: float, metrics: Metrics) -> Admission:
    pushback = {"admission_lag": 0.1, "pushback_retry_after": 1.0, "pushback_spread": 4.0}
    settings = load_settings({"sessions": pushback}).sessions
    return Admission(settings, lag=lambda: lag, metrics=metrics, rng=random.Random(7))


def pushbacks(metrics: Metrics) -> float | None:
    return metrics.registry.get_sample_value("openchat_session_pushbacks_total")


def test_a_loop_on_time_opens_every_session() -> None:
    metrics = Metrics()
    assert admission(0.02, metrics).pushback() is None
    assert pushbacks(metrics) == 0


def test_a_lagging_loop_pushes_sessions_back_spread_over_the_spread() -> None:
    metrics = Metrics()
    lagging = admission(0.4, metrics)
    answers = [lagging.pushback() for _ in range(200)]
    delays = [answer.retry_after for answer in answers if answer is not None]
    assert len(delays) == 200
    assert all(answer is not None and answer.cause == "overloaded" for answer in answers)
    assert all(1.0 <= delay <= 5.0 for delay in delays)
    # Spread, not one burst: the clients come back over the whole window.
    assert min(delays) < 1.5
    assert max(delays) > 4.5
    assert pushbacks(metrics) == 200
