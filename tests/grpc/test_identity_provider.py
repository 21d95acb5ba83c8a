"""Tokens of an identity provider (OIDC-style RS256/ES256 with a JWKS): a real server verifies
them against a JWKS served over HTTP by the test, follows key rotation by kid, checks issuer,
audience and expiry, pins each key's algorithm (alg=none and HS256-with-the-public-key are
refused), and refetches the set for unknown kids at most once per interval."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from openchat.server.auth.jwks import JwksKeys, jwks_fetcher
from openchat.server.auth.tokens import issue_token
from openchat.server.domain.errors import Unauthenticated
from openchat.v1 import conversation_service_pb2, conversation_service_pb2_grpc
from tests.support.certificates import write_atomically
from tests.support.http_endpoints import HttpEndpoint
from tests.support.identity_provider import AUDIENCE, ISSUER, SigningKey, jwks
from tests.support.servers import RunningServer, start_app
from tests.support.settings import TEST_SECRET, settings_for
from tests.support.status import expect_error
from tests.support.waiting import until

CALL_TIMEOUT = 5.0


@pytest.fixture(scope="module")
def rsa_key() -> SigningKey:
    return SigningKey("rsa-1", "RS256")


@pytest.fixture(scope="module")
def ec_key() -> SigningKey:
    return SigningKey("ec-1", "ES256")


@pytest.fixture
async def provider(rsa_key: SigningKey, ec_key: SigningKey) -> AsyncIterator[HttpEndpoint]:
    """The provider's jwks_uri, publishing both keys."""
    async with HttpEndpoint() as endpoint:
        endpoint.body = jwks(rsa_key, ec_key)
        yield endpoint


@pytest.fixture
async def server(provider: HttpEndpoint, tmp_path: Path) -> AsyncIterator[RunningServer]:
    """A server that accepts the provider's tokens (and HS256 ones too). Unknown kids refetch
    at once here, so rotation shows without waiting; the rate limit has a test of its own."""
    auth = {
        "jwks_url": provider.url,
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "jwks_min_refetch": 0,
    }
    # Identity checks sit in front of storage and do not depend on it: SQLite is enough.
    settings = settings_for(f"sqlite+aiosqlite:///{tmp_path / 'idp.db'}", auth=auth)
    async with start_app(settings) as running:
        yield running


async def create_group(server: RunningServer, token: str) -> str:
    """Create a group with `token`; returns its creator as the server saw the caller."""
    stub = conversation_service_pb2_grpc.ConversationServiceStub(server.channel)
    response = await stub.CreateGroup(
        conversation_service_pb2.CreateGroupRequest(title="idp"),
        metadata=(("authorization", f"Bearer {token}"),),
        timeout=CALL_TIMEOUT,
    )
    return response.conversation.creator_id


async def test_tokens_signed_with_the_providers_keys_are_accepted(
    server: RunningServer, rsa_key: SigningKey, ec_key: SigningKey
) -> None:
    assert await create_group(server, rsa_key.token("alice")) == "alice"
    assert await create_group(server, ec_key.token("bob")) == "bob"
    # The shared secret still works beside the provider, with the same issuer and audience.
    hs256 = issue_token(TEST_SECRET, "carol", ttl_seconds=60, issuer=ISSUER, audience=AUDIENCE)
    assert await create_group(server, hs256) == "carol"


async def test_a_rotated_key_is_fetched_when_a_token_names_it(
    server: RunningServer, provider: HttpEndpoint, rsa_key: SigningKey
) -> None:
    assert await create_group(server, rsa_key.token("alice")) == "alice"
    fetches = len(provider.requests)

    rotated = SigningKey("rsa-2", "RS256")
    provider.body = jwks(rotated)
    assert await create_group(server, rotated.token("alice")) == "alice"
    assert len(provider.requests) == fetches + 1


def _bad_tokens(rsa_key: SigningKey, ec_key: SigningKey) -> dict[str, str]:
    """Tokens the server must refuse, by what is wrong with them."""
    now = int(time.time())
    return {
        "wrong issuer": rsa_key.token(iss="https://evil.example"),
        "no issuer": rsa_key.token(iss=None),
        "wrong audience": rsa_key.token(aud="another-app"),
        "no audience": rsa_key.token(aud=None),
        "expired": rsa_key.token(exp=now - 600),
        "no expiry": rsa_key.token(exp=None),
        "alg none naming a published key": rsa_key.unsigned(),
        "HS256 signed with the public key": rsa_key.hs256_confusion(),
        "ES256 naming the RSA key": SigningKey(rsa_key.kid, "ES256").token(),
        "RS256 naming the EC key": SigningKey(ec_key.kid, "RS256").token(),
        "forged with an unpublished key of a published kid": SigningKey(rsa_key.kid).token(),
        "unknown kid": SigningKey("nobody").token(),
        "sub with a control character": ec_key.token(sub="al\x07ice"),
        "HS256 without the audience": issue_token(TEST_SECRET, "carol", ttl_seconds=60),
    }


async def test_bad_tokens_are_refused_with_token_invalid(
    server: RunningServer, rsa_key: SigningKey, ec_key: SigningKey
) -> None:
    for name, token in _bad_tokens(rsa_key, ec_key).items():
        error = await expect_error(
            create_group(server, token), grpc.StatusCode.UNAUTHENTICATED, "TOKEN_INVALID"
        )
        assert error.details(), name


async def test_an_unreachable_provider_is_unavailable_for_new_kids_only(
    server: RunningServer, provider: HttpEndpoint, rsa_key: SigningKey
) -> None:
    assert await create_group(server, rsa_key.token()) == "alice"
    provider.status = 503
    error = await expect_error(
        create_group(server, SigningKey("rsa-new").token()),
        grpc.StatusCode.UNAVAILABLE,
        "SERVICE_UNAVAILABLE",
    )
    assert "could not be fetched" in (error.details() or "")
    # Keys fetched before keep verifying while the provider is down.
    assert await create_group(server, rsa_key.token("bob")) == "bob"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_unknown_kids_refetch_at_most_once_per_interval(
    provider: HttpEndpoint, rsa_key: SigningKey
) -> None:
    clock = Clock()
    keys = JwksKeys(jwks_fetcher(provider.url), ttl=300, min_refetch=10, clock=clock)
    assert (await keys.key(rsa_key.kid)).key_id == rsa_key.kid
    assert len(provider.requests) == 1

    async def made_up(kid: str) -> None:
        with pytest.raises(Unauthenticated, match="names no key"):
            await keys.key(kid)

    # A flood of made-up kids right after a fetch fetches nothing.
    await asyncio.gather(*(made_up(f"bogus-{n}") for n in range(50)))
    assert len(provider.requests) == 1
    # Once the interval has passed, a flood shares one fetch.
    clock.now += 10
    await asyncio.gather(*(made_up(f"bogus-{n}") for n in range(50)))
    assert len(provider.requests) == 2

    rotated = SigningKey("rsa-2")
    provider.body = jwks(rsa_key, rotated)
    await made_up(rotated.kid)  # still within the interval: not fetched yet
    clock.now += 10
    assert (await keys.key(rotated.kid)).key_id == rotated.kid
    assert len(provider.requests) == 3

    # After the ttl, a known kid answers at once and the set is refreshed behind it.
    clock.now += 300
    assert (await keys.key(rsa_key.kid)).key_id == rsa_key.kid
    await until(lambda: len(provider.requests) == 4)


async def test_a_jwks_file_is_read_again_for_a_new_kid(tmp_path: Path, rsa_key: SigningKey) -> None:
    path = tmp_path / "jwks.json"
    write_atomically(path, jwks(rsa_key))
    keys = JwksKeys(jwks_fetcher(path.as_uri()), ttl=300, min_refetch=0)
    assert (await keys.key(rsa_key.kid)).algorithm_name == "RS256"

    rotated = SigningKey("ec-2", "ES256")
    write_atomically(path, jwks(rotated))
    assert (await keys.key(rotated.kid)).algorithm_name == "ES256"
