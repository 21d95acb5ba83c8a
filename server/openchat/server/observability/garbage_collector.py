"""CPython's garbage collector in a server that holds thousands of sessions: tuned for it, and
its pauses measured.

A full collection walks every object the collector tracks and stops the event loop meanwhile.
With 10,000 sessions that is about 1.2 million objects and a pause of 0.4-0.8 s
(docs/benchmarks.md), in the middle of whatever the server was delivering. CPython starts one
when the objects promoted to the oldest generation since the last one exceed a quarter of it.
With the default young threshold (700 net allocations, which this server makes in a few
milliseconds under load) the objects of every RPC in flight survive two young collections and
are promoted, so under 500 msgs/s a full collection came every ~20 s. A young threshold of
10,000 lets them die young: the full collections then follow the growth of what really lives
long (sessions), and a young collection scans at most ~10,000 objects (a few milliseconds).
"""

from __future__ import annotations

import gc
import time
from typing import Any

from prometheus_client import Histogram

YOUNG_THRESHOLD = 10_000
MIDDLE_THRESHOLD = 10
OLD_THRESHOLD = 10


def tune_for_long_lived_sessions() -> None:
    """Process-wide, once the server has started: move what start-up allocated (modules,
    classes, settings: never garbage) out of every future collection, and raise the young
    threshold as the module explains."""
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD)


class PauseObserver:
    """Records each collection's pause in a histogram labelled by generation."""

    def __init__(self, pauses: Histogram) -> None:
        self._by_generation = [pauses.labels(str(generation)) for generation in range(3)]
        self._started = 0.0

    def start(self) -> None:
        gc.callbacks.append(self._observe)

    def stop(self) -> None:
        if self._observe in gc.callbacks:
            gc.callbacks.remove(self._observe)

    def _observe(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self._by_generation[info["generation"]].observe(time.perf_counter() - self._started)
