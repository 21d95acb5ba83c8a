"""An identity provider's signing keys, from its JSON Web Key Set (RFC 7517): fetched from its
jwks_uri (or read from a file), kept for a while, and fetched again when a token names a key the
set lacks, which is how providers rotate keys. Each key carries its own algorithm, and only
asymmetric ones are kept, so a token's `alg` header can never choose how it is checked."""

from __future__ import annotations

import asyncio
import math
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import jwt
import structlog

from openchat.server.domain.errors import Unauthenticated, Unavailable

# Signature algorithms a provider's public key may pin. HMAC ("oct" keys) is not among them: a
# shared secret published in a key set would let anyone who reads the set sign tokens.
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)

# Seconds one fetch of the key set may take.
FETCH_TIMEOUT_SECONDS = 5.0

_log = structlog.get_logger(__name__)


def jwks_fetcher(
    url: str, *, timeout: float = FETCH_TIMEOUT_SECONDS
) -> Callable[[], list[jwt.PyJWK]]:
    """A blocking function returning the signing keys at `url` (https://, http:// or file://):
    those meant for signatures (`use` absent or "sig") that have a `kid`."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "file":
        path = Path(urllib.request.url2pathname(parts.path))

        def read() -> list[jwt.PyJWK]:
            keys = jwt.PyJWKSet.from_json(path.read_text()).keys
            return [key for key in keys if key.public_key_use in (None, "sig") and key.key_id]

        return read
    # PyJWKClient refuses redirects and other schemes; its own caches are off, since JwksKeys
    # decides when to fetch.
    client = jwt.PyJWKClient(url, cache_jwk_set=False, timeout=timeout)
    return lambda: client.get_signing_keys(refresh=True)


class JwksKeys:
    """The current keys by `kid`. The set is fetched again after `ttl` seconds (in the
    background: tokens keep verifying against the keys at hand meanwhile), and when a token
    names an unknown kid, but never more often than once per `min_refetch` seconds, so that
    tokens with made-up kids cannot turn the server into a load generator against the provider.
    A failed fetch keeps the keys already known."""

    def __init__(
        self,
        fetch: Callable[[], list[jwt.PyJWK]],
        *,
        ttl: float,
        min_refetch: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._min_refetch = min_refetch
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = -math.inf
        self._attempted_at = -math.inf
        self._failure: str | None = None
        self._refreshing: asyncio.Task[None] | None = None

    async def key(self, kid: str) -> jwt.PyJWK:
        """The key named `kid`. Unauthenticated when the provider has no such key; Unavailable
        when it cannot be asked (the token may be good: the client should retry)."""
        now = self._clock()
        known = self._keys.get(kid)
        may_fetch = now - self._attempted_at >= self._min_refetch
        if known is not None:
            if now - self._fetched_at >= self._ttl and may_fetch:
                self._refresh()
            return known
        if may_fetch:
            await asyncio.shield(self._refresh())
        elif self._refreshing is not None and not self._refreshing.done():
            await asyncio.shield(self._refreshing)
        known = self._keys.get(kid)
        if known is not None:
            return known
        if self._failure is not None:
            raise Unavailable(f"the identity provider's keys could not be fetched: {self._failure}")
        raise Unauthenticated(f"the token's kid {kid!r} names no key of the identity provider")

    def _refresh(self) -> asyncio.Task[None]:
        """The fetch under way, or a new one: concurrent callers share one fetch."""
        if self._refreshing is None or self._refreshing.done():
            self._attempted_at = self._clock()
            self._refreshing = asyncio.create_task(self._fetch_keys())
        return self._refreshing

    async def _fetch_keys(self) -> None:
        try:
            # The fetch blocks (urllib, or a file read): a thread keeps the event loop serving.
            keys = await asyncio.to_thread(self._fetch)
        except (jwt.PyJWTError, OSError, ValueError) as error:
            self._failure = str(error) or type(error).__name__
            _log.warning("jwks_fetch_failed", error=self._failure, keys_kept=len(self._keys))
            return
        usable = {
            key.key_id: key
            for key in keys
            if key.key_id and key.algorithm_name in ASYMMETRIC_ALGORITHMS
        }
        ignored = len(keys) - len(usable)
        self._keys, self._fetched_at, self._failure = usable, self._clock(), None
        _log.info("jwks_fetched", kids=sorted(usable), ignored=ignored)
