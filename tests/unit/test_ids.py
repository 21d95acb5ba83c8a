"""Server-assigned ids are RFC 9562 UUIDv7s: version 7, the RFC variant, the creation time in
the first 48 bits, and strictly increasing from one call to the next."""

from __future__ import annotations

import time
import uuid

import pytest

from openchat.server.domain.ids import new_id

MANY = 10_000


def unix_ms_of(value: str) -> int:
    return uuid.UUID(value).int >> 80


def test_an_id_is_a_canonical_uuid_version_7_of_the_rfc_variant() -> None:
    value = new_id()
    parsed = uuid.UUID(value)
    assert str(parsed) == value, "lower-case, hyphenated, 36 characters"
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122


def test_an_id_carries_its_creation_time_in_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    value = new_id()
    after = time.time_ns() // 1_000_000
    assert before <= unix_ms_of(value) <= after


def test_ids_increase_strictly_from_call_to_call() -> None:
    """Many ids fall in one millisecond; they must still be ordered (RFC 9562 section 6.2)."""
    ids = [new_id() for _ in range(MANY)]
    assert len(set(ids)) == MANY
    assert ids == sorted(ids), "string order is creation order"
    assert [uuid.UUID(i).int for i in ids] == sorted(uuid.UUID(i).int for i in ids)
    assert len({unix_ms_of(i) for i in ids}) < MANY, "several ids shared a millisecond"


def test_ids_keep_increasing_when_the_clock_steps_back(monkeypatch: pytest.MonkeyPatch) -> None:
    first = new_id()
    an_hour_ago = time.time_ns() - 3600 * 10**9
    monkeypatch.setattr(time, "time_ns", lambda: an_hour_ago)
    later = [new_id() for _ in range(100)]
    assert [first, *later] == sorted([first, *later])
    assert all(uuid.UUID(value).version == 7 for value in later)
