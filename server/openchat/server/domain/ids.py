"""Identifiers the server assigns."""

import os
import time
import uuid


def new_id() -> str:
    """A UUIDv7 (RFC 9562) string: unique, and ordered by creation time.

    Time-ordered ids keep inserts into the message_id index near its right edge instead of
    scattering them across the B-tree as random UUIDv4s would. (uuid.uuid7 arrives in 3.14.)
    """
    unix_ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (unix_ms & (2**48 - 1)) << 80 | 0x7 << 76 | (rand >> 68) << 64 | 0b10 << 62
    value |= rand & (2**62 - 1)
    return str(uuid.UUID(int=value))
