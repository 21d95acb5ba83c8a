"""Page tokens carry their request and a position of the type the RPC expects; anything else
(a hand-written token) is INVALID_ARGUMENT, never an internal error further down."""

from __future__ import annotations

import pytest

from openchat.server.domain.errors import InvalidArgument
from openchat.server.transport import page_tokens

REQUEST = {"conversation_id": "c-1", "newest_first": True}


def test_a_token_gives_back_its_position() -> None:
    assert page_tokens.decode(page_tokens.encode(REQUEST, 42), REQUEST, int) == 42
    assert page_tokens.decode(page_tokens.encode(REQUEST, "c-9"), REQUEST, str) == "c-9"


@pytest.mark.parametrize(
    "token",
    [
        "garbage!",
        page_tokens.encode({"conversation_id": "c-2", "newest_first": True}, 42),
        page_tokens.encode(REQUEST, "42"),
        page_tokens.encode(REQUEST, None),
        page_tokens.encode(REQUEST, True),
        page_tokens.encode(REQUEST, 4.5),
        page_tokens.encode(REQUEST, [42]),
    ],
)
def test_other_tokens_are_invalid_arguments(token: str) -> None:
    with pytest.raises(InvalidArgument) as invalid:
        page_tokens.decode(token, REQUEST, int)
    assert "page_token" in str(invalid.value)
