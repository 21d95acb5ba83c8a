"""Opaque page tokens (AIP-158): where the next page starts, and the request it belongs to.

Tokens are not signed: a client can only make one up for a request it is allowed to make
anyway. So decode() checks everything it returns, and anything but a position of the expected
kind (a seq: a non-negative 64-bit integer; an id: a string) is InvalidArgument, never a value
that reaches the database with the wrong type or range.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, TypeVar

from openchat.server.domain.errors import InvalidArgument

Position = TypeVar("Position", int, str)

_MAX_SEQ = 2**63 - 1  # BIGINT


def encode(request: dict[str, Any], position: int | str) -> str:
    """A token for continuing `request` (the fields that must not change) from `position`."""
    payload = json.dumps({"r": request, "p": position}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode(token: str, request: dict[str, Any], kind: type[Position]) -> Position:
    """The position in `token`, of type `kind`; InvalidArgument when the token is malformed,
    holds another kind of position, or belongs to another request."""
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        given_request, position = payload["r"], payload["p"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InvalidArgument("page_token", "is not a token this server issued") from None
    # type() rather than isinstance(): a JSON true is a bool, which isinstance counts as an int.
    if type(position) is not kind or (type(position) is int and not 0 <= position <= _MAX_SEQ):
        raise InvalidArgument("page_token", "is not a token this server issued")
    if given_request != request:
        raise InvalidArgument(
            "page_token", "belongs to a request with different parameters; keep them the same"
        )
    return position
