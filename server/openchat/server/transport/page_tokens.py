"""Paging (AIP-158) for the list RPCs: opaque page tokens (where the next page starts, and the
request it belongs to) and `Paging`, the one shape of a paged read.

Tokens are not signed: a client can only make one up for a request it is allowed to make
anyway. So decode() checks everything it returns, and anything but a position of the expected
kind (a seq: a non-negative 64-bit integer; an id: a string) is InvalidArgument, never a value
that reaches the database with the wrong type or range.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson

from openchat.server.domain.errors import InvalidArgument
from openchat.server.transport.validation import page_size

Position = TypeVar("Position", int, str)
Item = TypeVar("Item")

_MAX_SEQ = 2**63 - 1  # BIGINT


def encode(request: dict[str, Any], position: int | str) -> str:
    """A token for continuing `request` (the fields that must not change) from `position`."""
    # orjson: a fifth of the json module's cost for the same JSON (compact, keys sorted).
    payload = orjson.dumps({"r": request, "p": position}, option=orjson.OPT_SORT_KEYS)
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


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


@dataclass(frozen=True)
class Paging(Generic[Position]):
    """One list request's page: where it starts (None: at the beginning), how many items it
    holds, and the request fields that must stay the same from page to page."""

    request: dict[str, Any]
    start: Position | None
    limit: int

    @classmethod
    def of(
        cls,
        page_token: str,
        size: int,
        request: dict[str, Any],
        kind: type[Position],
        *,
        default_size: int,
        max_size: int,
    ) -> Paging[Position]:
        """The paging of a request with these `page_token` and `page_size` fields."""
        limit = page_size("page_size", size, default=default_size, maximum=max_size)
        start = decode(page_token, request, kind) if page_token else None
        return cls(request, start, limit)

    async def read(
        self,
        fetch: Callable[[int], Awaitable[list[Item]]],
        position: Callable[[Item], Position],
    ) -> tuple[list[Item], str]:
        """The page and the token of the next one: `fetch(n)` reads up to n items from the
        start, and one item more than the page tells whether another page follows."""
        items = await fetch(self.limit + 1)
        page = items[: self.limit]
        return page, self.next_token(page, len(items) > self.limit, position)

    def next_token(
        self, page: Sequence[Item], more: bool, position: Callable[[Item], Position]
    ) -> str:
        """The token for the page after `page` ("" when `more` is false: the list ends)."""
        return encode(self.request, position(page[-1])) if more and page else ""
