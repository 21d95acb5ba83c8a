"""The freeze policy: sessions leave the collector's way as they arrive, right after one of its
own collections, and what a frozen session leaves behind when it closes is collected once
enough of them closed. The sweep: with many sessions, what survives the young generations is
frozen. The pause observer: what its callback in the collector may do."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import weakref
from pathlib import Path

from prometheus_client import CollectorRegistry, Histogram

from openchat.server.observability.garbage_collector import (
    Freeze,
    FreezePolicy,
    Freezer,
    PauseObserver,
    SweepTask,
)


def test_sessions_are_frozen_as_they_arrive_and_again_only_after_enough_new_ones() -> None:
    policy = FreezePolicy(settle_checks=2, tolerance=0.02, min_sessions=200)
    assert [policy.decide(sessions, 0) for sessions in (1000, 3000, 3100, 6000)] == [
        Freeze.FREEZE,
        Freeze.FREEZE,
        None,  # nothing worth freezing arrived since
        Freeze.FREEZE,
    ]
    assert policy.decide(6_150, 0) is None
    assert policy.decide(6_200, 0) is Freeze.FREEZE


def test_a_thaw_comes_once_enough_frozen_sessions_closed_and_only_when_settled() -> None:
    policy = FreezePolicy(settle_checks=2, min_sessions=200, thaw_fraction=0.25)
    assert policy.decide(10_000, 100) is Freeze.FREEZE
    # Churn at a steady level: as many open as close, so the count alone never shows it.
    assert policy.decide(10_000, 2_000) is None
    assert policy.decide(10_000, 2_700) is Freeze.THAW
    # The thaw starts a new round; in a storm the next waits until the sessions are back.
    assert policy.decide(3_000, 5_000) is None
    assert policy.decide(9_000, 12_000) is Freeze.FREEZE  # arriving again
    assert policy.decide(10_000, 12_000) is Freeze.FREEZE
    assert policy.decide(10_000, 12_000) is Freeze.THAW


def test_no_thaw_before_any_freeze() -> None:
    policy = FreezePolicy(settle_checks=1, min_sessions=200)
    assert policy.decide(100, 50_000) is None
    assert policy.decide(100, 60_000) is None


def test_churn_at_a_steady_level_freezes_nothing() -> None:
    """Short sessions come and go: freezing them would bring a thaw (a full collection) every
    few hundred closes."""
    policy = FreezePolicy(settle_checks=2, min_sessions=200, thaw_fraction=10)
    assert policy.decide(50, 0) is None
    assert [policy.decide(50 + n % 3, 1_000 * n) for n in range(1, 20)] == [None] * 19


class Cycle:
    """What a closed session leaves: objects that refer to each other, freed only by the
    collector."""

    def __init__(self) -> None:
        self.me = self


def test_a_freeze_waits_for_the_collectors_next_middle_collection() -> None:
    freezer = Freezer()
    freezer.start()
    try:
        gc.collect()
        frozen = gc.get_freeze_count()
        sessions = [Cycle() for _ in range(100)]
        freezer.apply(Freeze.FREEZE)
        gc.collect(0)  # a young collection leaves them to the collector
        assert gc.get_freeze_count() == frozen
        gc.collect(1)
        after_the_freeze = gc.get_freeze_count()
        assert after_the_freeze >= frozen + len(sessions)
        # One freeze per decision: what survives the next middle collection is not frozen.
        more = Cycle()
        gc.collect(1)
        assert gc.get_freeze_count() <= after_the_freeze
        assert any(survivor is more for survivor in gc.get_objects(2))
    finally:
        freezer.stop()
        gc.unfreeze()


def test_frozen_garbage_is_collected_by_the_thaw_and_not_before() -> None:
    policy = FreezePolicy(settle_checks=1, min_sessions=1, thaw_fraction=0.5)
    freezer = Freezer()
    freezer.start()
    sessions = [Cycle() for _ in range(4)]
    alive = [weakref.ref(session) for session in sessions]
    try:
        freezer.apply(policy.decide(4, 0) or Freeze.FREEZE)
        gc.collect(1)  # the freeze comes right after it
        del sessions  # all four close
        gc.collect()
        assert all(ref() is not None for ref in alive)  # frozen: out of the collector's way

        action = policy.decide(0, 4)
        assert action is Freeze.THAW
        freezer.apply(action)
        assert all(ref() is None for ref in alive)
    finally:
        freezer.stop()
        gc.unfreeze()


async def test_with_enough_sessions_a_sweep_collects_young_garbage_and_freezes_the_rest() -> None:
    open_sessions = [999]
    sweep = SweepTask(lambda: open_sessions[0], min_sessions=1_000)
    try:
        gc.collect()
        frozen = gc.get_freeze_count()
        garbage = Cycle()
        collected = weakref.ref(garbage)
        del garbage
        waiting = Cycle()  # what a session keeps until its next frame
        await sweep.sweep()
        assert gc.get_freeze_count() == frozen  # too few sessions: the collector's own schedule
        assert any(tracked is waiting for tracked in gc.get_objects())

        open_sessions[0] = 1_000
        await sweep.sweep()
        assert collected() is None
        assert gc.get_freeze_count() > frozen
        assert not any(tracked is waiting for tracked in gc.get_objects())  # frozen
    finally:
        gc.unfreeze()


async def test_a_pause_is_noted_in_the_collectors_callback_and_recorded_by_the_flush() -> None:
    registry = CollectorRegistry()
    observer = PauseObserver(
        Histogram("pauses", "Pauses.", ["generation"], registry=registry), flush_interval=3600
    )
    observer.start()
    try:
        gc.collect()
        assert registry.get_sample_value("pauses_count", {"generation": "2"}) == 0
        observer.flush()
        assert (registry.get_sample_value("pauses_count", {"generation": "2"}) or 0) >= 1
    finally:
        await observer.stop()


# A supervised worker's metrics (prometheus_client's multiprocess mode) with the pause observer
# on: new series, each value of which is written under prometheus_client's process-wide lock,
# while a young collection comes every few allocations. With the histogram observed in the
# collector's callback, a collection that started under that lock waited for it for good.
_WORKER = """
import asyncio
import gc

from prometheus_client import Histogram

from openchat.server.observability.garbage_collector import PauseObserver


async def main() -> None:
    observer = PauseObserver(Histogram("pauses", "Pauses.", ["generation"]))
    observer.start()
    durations = Histogram("durations", "Durations.", ["operation"])
    gc.set_threshold(10)
    for operation in range(300):
        durations.labels(str(operation)).observe(0.01)
    gc.set_threshold(700)
    await observer.stop()


asyncio.run(main())
"""


def test_a_collection_while_prometheus_client_holds_its_lock_does_not_hang_a_worker(
    tmp_path: Path,
) -> None:
    subprocess.run(
        [sys.executable, "-c", _WORKER],
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)},
        check=True,
        timeout=60,
    )
