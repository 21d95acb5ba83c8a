"""Identifiers: the rule every identifier follows, and the ones the server assigns."""

import os
import time
import uuid

# User, conversation and message ids, whether a client names them or a token's `sub` does.
MAX_ID_LENGTH = 128


def id_problem(value: str) -> str | None:
    """What makes a non-empty `value` unfit as an identifier, phrased to follow its name; None
    when it is fit. Control characters are refused because ids end up in logs and in other
    systems' keys, where a newline or an escape sequence can forge a line or a key."""
    if len(value) > MAX_ID_LENGTH:
        return f"has {len(value)} characters, more than {MAX_ID_LENGTH}"
    if not value.isprintable():
        return "must not contain control characters"
    return None


_COUNTER_BITS = 42
_COUNTER_LOW_BITS = 30
_UUID7_FLAGS = 0x7 << 76 | 0b10 << 62  # version 7, RFC 9562 variant


class _Uuid7Source:
    """UUIDv7s (RFC 9562) that increase strictly within this process.

    The layout and counter method are those of CPython 3.14's uuid.uuid7 (RFC 9562 section 6.2,
    method 1): 48 bits of Unix milliseconds, a 42-bit counter seeded at random each millisecond
    and incremented for each further id in the same millisecond, then 32 random bits. When the
    clock steps back, ids keep the last millisecond and count on, so order never breaks. Not
    thread-safe: ids are made on the event loop's thread.
    """

    def __init__(self) -> None:
        self._last_ms = -1
        self._counter = 0

    def next(self) -> uuid.UUID:
        unix_ms = time.time_ns() // 1_000_000
        if unix_ms > self._last_ms:
            counter = self._seed()
        else:
            unix_ms = self._last_ms
            counter = self._counter + 1
            if counter >= 1 << _COUNTER_BITS:  # 2**41 ids in one millisecond: borrow the next
                unix_ms += 1
                counter = self._seed()
        self._last_ms, self._counter = unix_ms, counter
        tail = int.from_bytes(os.urandom(4), "big")
        value = (unix_ms & ((1 << 48) - 1)) << 80 | _UUID7_FLAGS
        value |= (counter >> _COUNTER_LOW_BITS) << 64
        value |= (counter & ((1 << _COUNTER_LOW_BITS) - 1)) << 32 | tail
        return uuid.UUID(int=value)

    @staticmethod
    def _seed() -> int:
        # The top bit stays 0, leaving at least 2**41 increments before the counter overflows.
        return int.from_bytes(os.urandom(6), "big") & ((1 << (_COUNTER_BITS - 1)) - 1)


_source = _Uuid7Source()


def new_id() -> str:
    """A UUIDv7 string: unique, and ordered by creation (strictly, within this process).

    Time-ordered ids keep inserts into the message_id index near its right edge instead of
    scattering them across the B-tree as random UUIDv4s would. (uuid.uuid7 arrives in 3.14.)
    """
    return str(_source.next())
