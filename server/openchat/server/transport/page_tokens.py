"""Opaque page tokens (AIP-158): where the next page starts, and the request it belongs to."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, TypeVar

from openchat.server.domain.errors import InvalidArgument

Position = TypeVar("Position", int, str)


def encode(request: dict[str, Any], position: Any) -> str:
    """A token for continuing `request` (the fields that must not change) from `position`."""
    payload = json.dumps({"r": request, "p": position}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode(token: str, request: dict[str, Any], position_type: type[Position]) -> Position:
    """The position in `token`, of `position_type`; InvalidArgument when the token is
    malformed, from another request, or holds another kind of position (tokens are only
    base64, so a client can write one by hand)."""
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        given_request, position = payload["r"], payload["p"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InvalidArgument("page_token", "is not a token this server issued") from None
    if given_request != request:
        raise InvalidArgument(
            "page_token", "belongs to a request with different parameters; keep them the same"
        )
    # type(), not isinstance(): JSON true must not pass for the integer 1.
    if type(position) is not position_type:
        raise InvalidArgument("page_token", "is not a token this server issued")
    return position
