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

That still leaves one full collection each time the heap has grown by a quarter, and it walks
every session: 0.4-0.8 s with 10,000 of them. `FreezePolicy` moves the sessions out of the
collector's way once their number has settled: one collection of what is not frozen yet (only
what arrived since the last freeze), then `gc.freeze()`. Later collections walk only what came
after. The price: a frozen object is never collected, so a frozen session that closes leaves its
reference cycles (asyncio and grpc.aio objects) behind until the next thaw. The policy thaws
(`gc.unfreeze()`, one full collection, freeze again: one long pause) once the sessions closed
since the first freeze reach a fraction of those frozen, which bounds that garbage.
"""

from __future__ import annotations

import enum
import gc
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from prometheus_client import Histogram

from openchat.server.background.periodic import PeriodicTask

YOUNG_THRESHOLD = 10_000
MIDDLE_THRESHOLD = 10
OLD_THRESHOLD = 10
# How often the freeze policy looks at the sessions.
FREEZE_CHECK_SECONDS = 5.0


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


class Freeze(enum.Enum):
    # Collect what is not frozen yet, then freeze everything left.
    FREEZE = "freeze"
    # Unfreeze, collect everything (the frozen garbage too), then freeze everything left.
    THAW = "thaw"


class FreezePolicy:
    """Decides from the number of sessions open and closed, checked every few seconds.

    Freezes when the sessions open have settled (within `tolerance` of each other over the last
    `settle_checks` checks) and at least `min_sessions` arrived since the last freeze; thaws
    when the sessions closed since the first freeze of the current round exceed
    `thaw_fraction` of those frozen (and `min_sessions`).
    """

    def __init__(
        self,
        *,
        settle_checks: int = 2,
        tolerance: float = 0.02,
        min_sessions: int = 200,
        thaw_fraction: float = 0.25,
    ) -> None:
        self._recent: deque[int] = deque(maxlen=settle_checks)
        self._tolerance = tolerance
        self._min_sessions = min_sessions
        self._thaw_fraction = thaw_fraction
        self._frozen = 0  # sessions open at the last freeze
        self._closed_at_first_freeze: int | None = None

    def decide(self, sessions: int, closed: int) -> Freeze | None:
        """`sessions` open now; `closed`: sessions closed since the start (a running total)."""
        self._recent.append(sessions)
        if self._closed_at_first_freeze is not None:
            closed_since = closed - self._closed_at_first_freeze
            if closed_since > max(self._min_sessions, self._thaw_fraction * self._frozen):
                return self._froze(Freeze.THAW, sessions, closed)
        settled = len(self._recent) == self._recent.maxlen and max(self._recent) - min(
            self._recent
        ) <= self._tolerance * max(self._recent)
        if settled and sessions - self._frozen >= self._min_sessions:
            return self._froze(Freeze.FREEZE, sessions, closed)
        return None

    def _froze(self, action: Freeze, sessions: int, closed: int) -> Freeze:
        self._frozen = sessions
        if action is Freeze.THAW or self._closed_at_first_freeze is None:
            self._closed_at_first_freeze = closed
        return action


def apply(action: Freeze) -> None:
    """Carry out the policy's decision."""
    if action is Freeze.THAW:
        gc.unfreeze()
    gc.collect()
    gc.freeze()


def freezing(policy: FreezePolicy, counts: Callable[[], tuple[int, int]]) -> PeriodicTask:
    """The timer loop applying `policy` to `counts()`: (sessions open, sessions closed so far)."""

    async def check() -> None:
        action = policy.decide(*counts())
        if action is not None:
            apply(action)

    return PeriodicTask("gc-freeze", FREEZE_CHECK_SECONDS, check)
