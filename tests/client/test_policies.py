"""Exponential backoff with full jitter."""

from __future__ import annotations

import random

import pytest

from openchat.client import Backoff


def test_the_ceiling_doubles_up_to_the_cap() -> None:
    backoff = Backoff(initial=0.5, multiplier=2.0, cap=3.0)
    assert [backoff.ceiling(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert backoff.ceiling(10_000) == 3.0


def test_full_jitter_spreads_delays_over_zero_to_the_ceiling() -> None:
    backoff = Backoff(initial=1.0, cap=8.0)
    rng = random.Random(7)
    delays = [backoff.delay(4, rng) for _ in range(2000)]
    assert all(0.0 <= delay <= 8.0 for delay in delays)
    # Spread over the whole range, not clustered near the ceiling (that would be no jitter).
    assert min(delays) < 0.5
    assert max(delays) > 7.5
    assert 3.5 < sum(delays) / len(delays) < 4.5


@pytest.mark.parametrize(
    "arguments",
    [{"initial": 0.0}, {"initial": 2.0, "cap": 1.0}, {"multiplier": 0.5}],
)
def test_nonsensical_backoffs_are_refused(arguments: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="Backoff"):
        Backoff(**arguments)
