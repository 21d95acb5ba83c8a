"""Bearer tokens: HS256 JWTs with `sub` and `exp`. Only tokens signed with the server's secret,
with HS256, unexpired by the verifier's clock, are accepted, also when they come from the cache
of recently verified tokens."""

from __future__ import annotations

import time

import jwt
import pytest

from openchat.server.auth.tokens import TokenVerifier, issue_token
from openchat.server.domain.errors import Unauthenticated
from openchat.server.domain.model import Principal

SECRET = "unit-test-secret-" * 4  # 68 bytes: long enough for HS512, so PyJWT does not warn
LEEWAY = 5.0
IN_A_MINUTE = object()  # stands for an exp one minute after the test's start


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def verifier(clock: Clock) -> TokenVerifier:
    return TokenVerifier(SECRET, leeway_seconds=LEEWAY, clock=clock)


def signed(claims: dict[str, object], *, key: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


async def test_a_token_it_issued_is_accepted(verifier: TokenVerifier) -> None:
    token = issue_token(SECRET, "alice", ttl_seconds=60)
    assert await verifier.verify(token) == Principal("alice", frozenset())


async def test_roles_come_from_the_roles_claim(verifier: TokenVerifier) -> None:
    token = issue_token(SECRET, "alice", ttl_seconds=60, roles=["ops", "admin"])
    assert (await verifier.verify(token)).roles == frozenset({"admin", "ops"})


async def test_a_token_past_its_expiry_is_rejected(verifier: TokenVerifier) -> None:
    token = issue_token(SECRET, "alice", ttl_seconds=-60)
    with pytest.raises(Unauthenticated, match="expired"):
        await verifier.verify(token)


async def test_expiry_is_judged_by_the_verifiers_clock(
    verifier: TokenVerifier, clock: Clock
) -> None:
    token = issue_token(SECRET, "alice", ttl_seconds=60)
    clock.now += 60 + LEEWAY + 1
    with pytest.raises(Unauthenticated, match="expired"):
        await verifier.verify(token)


async def test_expiry_allows_the_leeway(verifier: TokenVerifier, clock: Clock) -> None:
    token = issue_token(SECRET, "alice", ttl_seconds=60)
    clock.now += 60 + LEEWAY - 1
    assert (await verifier.verify(token)).user_id == "alice"


async def test_a_remembered_token_still_expires(verifier: TokenVerifier, clock: Clock) -> None:
    token = issue_token(SECRET, "alice", ttl_seconds=60)
    assert (await verifier.verify(token)).user_id == "alice"
    clock.now += 30
    assert (await verifier.verify(token)).user_id == "alice"
    clock.now += 30 + LEEWAY + 1
    with pytest.raises(Unauthenticated, match="expired"):
        await verifier.verify(token)
    with pytest.raises(Unauthenticated, match="expired"):
        await verifier.verify(token)


async def test_a_token_signed_with_another_secret_is_rejected(verifier: TokenVerifier) -> None:
    token = issue_token(SECRET[::-1], "alice", ttl_seconds=60)
    with pytest.raises(Unauthenticated, match="invalid") as refused:
        await verifier.verify(token)
    # The usual cause while trying things out: a token from an earlier `make run`.
    assert "OPENCHAT_JWT_SECRET" in str(refused.value)
    assert "make run" in str(refused.value)


async def test_a_token_whose_claims_were_altered_is_rejected(verifier: TokenVerifier) -> None:
    header, _, signature = issue_token(SECRET, "alice", ttl_seconds=60).split(".")
    _, claims, _ = issue_token(SECRET[::-1], "mallory", ttl_seconds=60).split(".")
    with pytest.raises(Unauthenticated, match="invalid"):
        await verifier.verify(f"{header}.{claims}.{signature}")


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"exp": IN_A_MINUTE}, id="no-sub"),
        pytest.param({"sub": "alice"}, id="no-exp"),
        pytest.param({"sub": "", "exp": IN_A_MINUTE}, id="empty-sub"),
        pytest.param({"sub": "a" * 129, "exp": IN_A_MINUTE}, id="sub-too-long"),
        pytest.param({"sub": 42, "exp": IN_A_MINUTE}, id="sub-not-a-string"),
        pytest.param({"sub": "alice", "exp": "tomorrow"}, id="exp-not-a-number"),
        pytest.param({"sub": "alice", "exp": IN_A_MINUTE, "roles": "admin"}, id="roles-str"),
        pytest.param({"sub": "alice", "exp": IN_A_MINUTE, "roles": [1]}, id="roles-not-str"),
    ],
)
async def test_a_token_with_missing_or_malformed_claims_is_rejected(
    verifier: TokenVerifier, clock: Clock, claims: dict[str, object]
) -> None:
    # Expiry is filled in now, so that only the malformed claim can be the reason.
    fresh = {k: clock.now + 60 if v is IN_A_MINUTE else v for k, v in claims.items()}
    with pytest.raises(Unauthenticated):
        await verifier.verify(signed(fresh))


@pytest.mark.parametrize("algorithm", ["none", "HS512", "HS384"])
async def test_only_hs256_is_accepted(verifier: TokenVerifier, algorithm: str) -> None:
    claims = {"sub": "alice", "exp": time.time() + 60}
    # With alg "none", PyJWT takes an empty key as no key.
    token = jwt.encode(claims, "" if algorithm == "none" else SECRET, algorithm=algorithm)
    with pytest.raises(Unauthenticated, match="invalid"):
        await verifier.verify(token)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "Bearer x"])
async def test_something_that_is_not_a_jwt_is_rejected(verifier: TokenVerifier, token: str) -> None:
    with pytest.raises(Unauthenticated):
        await verifier.verify(token)
