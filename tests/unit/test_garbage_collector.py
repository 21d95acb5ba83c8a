"""The freeze policy: sessions leave the collector's way once they settle, and what a frozen
session leaves behind when it closes is collected once enough of them closed."""

from __future__ import annotations

import gc
import weakref

from openchat.server.observability.garbage_collector import Freeze, FreezePolicy, apply


def test_nothing_is_frozen_while_sessions_keep_arriving() -> None:
    policy = FreezePolicy(settle_checks=2, min_sessions=200)
    assert [policy.decide(sessions, 0) for sessions in (1000, 3000, 6000, 9000)] == [None] * 4


def test_sessions_are_frozen_once_settled_and_again_only_after_enough_new_ones() -> None:
    policy = FreezePolicy(settle_checks=2, tolerance=0.02, min_sessions=200)
    assert policy.decide(10_000, 0) is None  # one look is not settled
    assert policy.decide(10_050, 0) is Freeze.FREEZE
    assert policy.decide(10_060, 0) is None  # nothing worth freezing arrived since
    assert policy.decide(10_100, 0) is None
    assert policy.decide(12_000, 0) is None  # arriving: not settled
    assert policy.decide(12_000, 0) is Freeze.FREEZE


def test_a_thaw_comes_once_enough_frozen_sessions_closed_and_only_when_settled() -> None:
    policy = FreezePolicy(settle_checks=2, min_sessions=200, thaw_fraction=0.25)
    policy.decide(10_000, 100)
    assert policy.decide(10_000, 100) is Freeze.FREEZE
    # Churn at a steady level: as many open as close, so the count alone never shows it.
    assert policy.decide(10_000, 2_000) is None
    assert policy.decide(10_000, 2_700) is Freeze.THAW
    # The thaw starts a new round; in a storm the next waits until the sessions are back.
    assert policy.decide(3_000, 5_000) is None
    assert policy.decide(9_000, 12_000) is None
    assert policy.decide(10_000, 12_000) is None
    assert policy.decide(10_000, 12_000) is Freeze.THAW


def test_no_thaw_before_any_freeze() -> None:
    policy = FreezePolicy(settle_checks=2, min_sessions=200)
    assert policy.decide(100, 50_000) is None
    assert policy.decide(100, 60_000) is None


class Cycle:
    """What a closed session leaves: objects that refer to each other, freed only by the
    collector."""

    def __init__(self) -> None:
        self.me = self


def test_frozen_garbage_is_collected_by_the_thaw_and_not_before() -> None:
    policy = FreezePolicy(settle_checks=1, min_sessions=1, thaw_fraction=0.5)
    sessions = [Cycle() for _ in range(4)]
    alive = [weakref.ref(session) for session in sessions]
    try:
        apply(policy.decide(4, 0) or Freeze.FREEZE)
        del sessions  # all four close
        gc.collect()
        assert all(ref() is not None for ref in alive)  # frozen: out of the collector's way

        action = policy.decide(0, 4)
        assert action is Freeze.THAW
        apply(action)
        assert all(ref() is None for ref in alive)
    finally:
        gc.unfreeze()
