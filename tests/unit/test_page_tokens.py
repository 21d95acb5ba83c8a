"""Page tokens (AIP-158) round-trip their position, and anything else, a token altered,
truncated, made up or issued for another request, is INVALID_ARGUMENT on page_token."""

from __future__ import annotations

import base64
import json

import pytest

from openchat.server.domain.errors import InvalidArgument
from openchat.server.transport import page_tokens

REQUEST = {"conversation_id": "c-1", "after_seq": 0, "before_seq": None, "newest_first": True}


def forged(payload: object) -> str:
    """A token with any JSON payload, encoded the way the server encodes its own."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize("position", [0, 1, 41, 2**63 - 1])
def test_a_seq_position_round_trips(position: int) -> None:
    token = page_tokens.encode(REQUEST, position)
    assert page_tokens.decode(token, dict(REQUEST), int) == position


def test_an_id_position_round_trips() -> None:
    request = {"list": "conversations"}
    token = page_tokens.encode(request, "0196c0de-0000-7000-8000-000000000000")
    assert page_tokens.decode(token, request, str) == "0196c0de-0000-7000-8000-000000000000"


def test_a_token_is_url_safe_text() -> None:
    token = page_tokens.encode({"q": "a/b+c?" * 10}, 7)
    assert token.isascii()
    assert not set(token) & set("+/=")


def test_a_token_for_another_request_is_rejected() -> None:
    token = page_tokens.encode(REQUEST, 5)
    other = {**REQUEST, "newest_first": False}
    with pytest.raises(InvalidArgument, match="different parameters") as raised:
        page_tokens.decode(token, other, int)
    assert raised.value.field == "page_token"


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("not a token", id="not-base64"),
        pytest.param("!!!!", id="bad-characters"),
        pytest.param(page_tokens.encode(REQUEST, 5)[:-3], id="truncated"),
        pytest.param(page_tokens.encode(REQUEST, 5)[1:], id="first-character-lost"),
        pytest.param(base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(), id="not-utf8"),
        pytest.param(forged("just a string"), id="json-string"),
        pytest.param(forged([REQUEST, 5]), id="json-list"),
        pytest.param(forged({"r": REQUEST}), id="no-position"),
        pytest.param(forged({"p": 5}), id="no-request"),
        pytest.param(forged({"r": REQUEST, "p": "5"}), id="position-of-another-type"),
        pytest.param(forged({"r": REQUEST, "p": True}), id="position-boolean"),
        pytest.param(forged({"r": REQUEST, "p": None}), id="position-null"),
        pytest.param(forged({"r": REQUEST, "p": -1}), id="position-negative"),
        pytest.param(forged({"r": REQUEST, "p": 2**63}), id="position-beyond-64-bits"),
        pytest.param(forged({"r": REQUEST, "p": 5.5}), id="position-fractional"),
    ],
)
def test_a_token_the_server_did_not_issue_is_rejected(token: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        page_tokens.decode(token, dict(REQUEST), int)
    assert raised.value.field == "page_token"
