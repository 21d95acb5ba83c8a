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

That still leaves the sessions themselves: each full collection walks every one (0.4-0.8 s with
10,000 of them). `FreezePolicy` moves them out of the collector's way as they arrive: once a
check sees the number of sessions risen by enough, the `Freezer` calls `gc.freeze()` right
after the collector's next middle collection, in its callback (the young generations are empty
then, and their garbage was just collected), so a freeze costs no collection of its own, and a
ramp or a storm of 10,000 sessions no longer ends in a full collection of all of them. Later
collections walk only what came after. A frozen object is still freed when its last reference
goes; what the collector no longer sees is garbage in reference cycles. A closed session leaves
almost none (a full collection after 300 sessions opened and closed found 28 unreachable
objects, measured in one process), so a frozen session that closes costs nearly nothing; to
keep even that bounded, the policy thaws (`gc.unfreeze()`, one full collection, freeze again:
one long pause) once the sessions closed since the first freeze reach `thaw_fraction` times
those frozen, and only when the sessions have settled (not in the middle of a storm, when the
loop is busiest). Measured with 2,000 sessions held and 60,000 short ones opened and closed
beside them, a thaw every 20,000 closes collected 900-1,350 objects (~0.06 per closed session)
and paused the loop 0.3 s (~1 s with 10,000 sessions): so `thaw_fraction` is 100, a thaw per
hundred turnovers, which leaves at most ~6 objects per frozen session to it.

What the young and middle generations hold in steady state, measured with 10,000 sessions:
about 25-30 objects per session that wait for its next frame (the suspended async generators of
the stream and its interceptors, grpc's pending read, futures, the last frames). CPython starts
a young collection when allocations *net of deallocations* pass the threshold, and a frame frees
as many waiting objects as it allocates, so the count hardly moves while the young generation
grows by 25-30 objects per frame: a middle collection in steady state found 100,000-300,000 of
them and paused 0.1-0.5 s (docs/benchmarks.md). Each is renewed at its session's next frame, so
a freeze at a ramp cannot hold them.

`SweepTask` bounds that by time instead: while at least `SWEEP_MIN_SESSIONS` sessions are open,
every `SWEEP_SECONDS` it collects the young generations (whatever arrived since the last sweep:
a few thousand objects, a few milliseconds) and freezes what survived. Waiting objects are then
frozen once and freed by reference counting at their session's next frame; a middle collection
never finds more than a sweep's worth. What a sweep freezes and that later becomes garbage in a
reference cycle is what the collector no longer sees (the thaw above still bounds it). The
server makes little of it outside single steps of the event loop, which is where the sweep never
runs: per RPC, grpc.aio's handler lookup leaves a cycle of ~7 objects (its coroutine's closure
refers to itself), made and dropped within one step. The frozen count stayed flat through a
minute of 500 msgs/s with 10,000 sessions (docs/benchmarks.md). It is not exported as a metric:
`gc.get_freeze_count()` walks the frozen list, 0.1-0.25 s with 1.3 million objects.
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
# How often the freeze policy looks at the sessions: often enough that a ramp's sessions are
# frozen at about every middle collection (one every ~2 s while 10,000 sessions open).
FREEZE_CHECK_SECONDS = 1.0
# How often the pauses noted by the collector's callback are recorded in the histogram, and how
# many may wait (a few collections a second at most under load).
PAUSE_FLUSH_SECONDS = 1.0
MAX_PAUSES_NOTED = 10_000
# The steady-state sweep (module docstring): below this many sessions a middle collection finds
# too few waiting objects to matter (~25,000 objects, ~20 ms), and the collector's own schedule
# lets the objects of calls in flight die young unseen.
SWEEP_MIN_SESSIONS = 1_000
# Often enough that a sweep finds a few thousand objects with 10,000 sessions at 500 msgs/s.
SWEEP_SECONDS = 0.25


def tune_for_long_lived_sessions() -> None:
    """Process-wide, once the server has started: move what start-up allocated (modules,
    classes, settings: never garbage) out of every future collection, and raise the young
    threshold as the module explains."""
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD)


class PauseObserver:
    """Records each collection's pause in a histogram labelled by generation.

    The collector's callback only notes the pause; a timer on the event loop records the notes
    every `flush_interval` seconds (and `stop()` the last ones). A collection starts at whichever
    allocation crosses the threshold, so its callbacks run in the middle of any code, that of
    prometheus_client included: in a supervised worker (multiprocess mode) it writes every value
    under one process-wide lock, which is not reentrant, and allocates under it when it creates
    a series (the first `labels()` of a label value, such as the first call of an RPC method). A
    callback that observed the histogram there waited for the lock its own thread held: the
    worker hung for good, its event loop stopped and the connections the kernel gave it on the
    shared port were never answered.
    """

    def __init__(self, pauses: Histogram, *, flush_interval: float = PAUSE_FLUSH_SECONDS) -> None:
        self._by_generation = [pauses.labels(str(generation)) for generation in range(3)]
        self._started = 0.0
        # (generation, seconds). A deque's append and popleft take no lock of their own; the
        # bound keeps a loop that cannot flush from growing it.
        self._noted: deque[tuple[int, float]] = deque(maxlen=MAX_PAUSES_NOTED)
        self._timer = PeriodicTask("gc-pauses", flush_interval, self._flush)

    def start(self) -> None:
        gc.callbacks.append(self._note)
        self._timer.start()

    async def stop(self) -> None:
        if self._note in gc.callbacks:
            gc.callbacks.remove(self._note)
        await self._timer.stop()
        self.flush()

    def flush(self) -> None:
        """Record the pauses noted since the last flush."""
        while self._noted:
            generation, seconds = self._noted.popleft()
            self._by_generation[generation].observe(seconds)

    async def _flush(self) -> None:
        self.flush()

    def _note(self, phase: str, info: dict[str, Any]) -> None:
        # Nothing here may take a lock that the interrupted code could hold (see the class).
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self._noted.append((info["generation"], time.perf_counter() - self._started))


class Freeze(enum.Enum):
    # Collect the young generations, then freeze everything left.
    FREEZE = "freeze"
    # Unfreeze, collect everything (the frozen garbage too), then freeze everything left.
    THAW = "thaw"


class FreezePolicy:
    """Decides from the number of sessions open and closed, checked every second.

    Freezes when the sessions open rose by at least `min_sessions` above their lowest count
    since the last freeze, arriving or settled (a ramp, or the return after a storm, when the
    count first fell), but not under churn at a steady level, where frozen short sessions
    would bring a thaw (a full collection) every few hundred closes. Thaws, only once settled
    (within `tolerance` of each other over the last `settle_checks` checks), when the sessions
    closed since the first freeze of the current round exceed `thaw_fraction` times those
    frozen (and `min_sessions`).
    """

    def __init__(
        self,
        *,
        settle_checks: int = 5,
        tolerance: float = 0.02,
        min_sessions: int = 200,
        thaw_fraction: float = 100.0,
    ) -> None:
        self._settle_checks = settle_checks
        self._recent: deque[int] = deque(maxlen=settle_checks)
        self._tolerance = tolerance
        self._min_sessions = min_sessions
        self._thaw_fraction = thaw_fraction
        self._frozen = 0  # sessions open at the last freeze
        self._lowest = 0  # the fewest sessions open since the last freeze
        self._closed_at_first_freeze: int | None = None

    def decide(self, sessions: int, closed: int) -> Freeze | None:
        """`sessions` open now; `closed`: sessions closed since the start (a running total)."""
        self._recent.append(sessions)
        spread = max(self._recent) - min(self._recent)
        settled = len(self._recent) == self._settle_checks and spread <= self._tolerance * max(
            self._recent
        )
        if settled and self._closed_at_first_freeze is not None:
            closed_since = closed - self._closed_at_first_freeze
            if closed_since > max(self._min_sessions, self._thaw_fraction * self._frozen):
                return self._froze(Freeze.THAW, sessions, closed)
        self._lowest = min(self._lowest, sessions)
        if sessions - self._lowest >= self._min_sessions:
            return self._froze(Freeze.FREEZE, sessions, closed)
        return None

    def _froze(self, action: Freeze, sessions: int, closed: int) -> Freeze:
        self._frozen = self._lowest = sessions
        if action is Freeze.THAW or self._closed_at_first_freeze is None:
            self._closed_at_first_freeze = closed
        return action


class Freezer:
    """Carries out the policy's decisions. A freeze waits for the collector's next collection
    of the middle (or oldest) generation and happens in its callback: the young generations are
    empty then and their garbage collected, so freezing costs no pause of its own (collecting
    them first, as `gc.collect(1)` would, paused the loop 50-100 ms with 10,000 sessions). A
    thaw happens at once."""

    def __init__(self) -> None:
        self._armed = False

    def start(self) -> None:
        gc.callbacks.append(self._after_collection)

    def stop(self) -> None:
        if self._after_collection in gc.callbacks:
            gc.callbacks.remove(self._after_collection)

    def apply(self, action: Freeze) -> None:
        if action is Freeze.THAW:
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self._armed = False
        else:
            self._armed = True

    def _after_collection(self, phase: str, info: dict[str, Any]) -> None:
        if self._armed and phase == "stop" and info["generation"] >= 1:
            self._armed = False
            gc.freeze()


class FreezingTask(PeriodicTask):
    """The timer loop applying `policy` to `counts()`: (sessions open, sessions closed so far);
    its freezer listens to the collector while the loop runs."""

    def __init__(self, policy: FreezePolicy, counts: Callable[[], tuple[int, int]]) -> None:
        self._freezer = Freezer()

        async def check() -> None:
            action = policy.decide(*counts())
            if action is not None:
                self._freezer.apply(action)

        super().__init__("gc-freeze", FREEZE_CHECK_SECONDS, check)

    def start(self) -> None:
        self._freezer.start()
        super().start()

    async def stop(self) -> None:
        await super().stop()
        self._freezer.stop()


class SweepTask(PeriodicTask):
    """Every `interval` seconds while at least `min_sessions` are open (`sessions()`): collect
    the young generations and freeze what survived (module docstring). It runs between steps of
    the event loop, so nothing it freezes is in the middle of a synchronous step, such as
    grpc.aio's handler lookup and its short-lived cycle."""

    def __init__(
        self,
        sessions: Callable[[], int],
        *,
        min_sessions: int = SWEEP_MIN_SESSIONS,
        interval: float = SWEEP_SECONDS,
    ) -> None:
        self._sessions = sessions
        self._min_sessions = min_sessions
        super().__init__("gc-sweep", interval, self.sweep)

    async def sweep(self) -> None:
        """One round: collect and freeze, if enough sessions are open."""
        if self._sessions() >= self._min_sessions:
            gc.collect(1)
            gc.freeze()
