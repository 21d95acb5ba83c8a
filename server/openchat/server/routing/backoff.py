"""Retry delays: exponential backoff with full jitter (AWS Architecture Blog, "Exponential
Backoff And Jitter"), so that retries of many failed deliveries spread out instead of
hammering a recovering endpoint in waves."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """delay(n) is uniform in [0, min(cap, base * 2**(n-1))] for the n-th failed attempt."""

    base_seconds: float
    cap_seconds: float

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** max(attempt - 1, 0))
        return (rng or random).uniform(0, ceiling)
