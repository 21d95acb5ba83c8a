"""Issuing HS256 JWTs and verifying bearer tokens: HS256 ones signed with the shared secret,
and asymmetric ones (RS256, ES256, ...) of an identity provider, checked against its JWKS.
Users are the identities in the tokens (the application's own login or the identity provider
issues them), so the server keeps no user table."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

import jwt

from openchat.server.auth.jwks import JwksKeys
from openchat.server.domain.errors import Unauthenticated
from openchat.server.domain.ids import id_problem
from openchat.server.domain.model import Principal

ALGORITHM = "HS256"
# The usual cause of a bad signature while trying things out (HS256 tokens only).
SIGNATURE_HINT = (
    "Was it issued with another OPENCHAT_JWT_SECRET? `make run` (serve --dev) generates a new "
    "secret at every start unless OPENCHAT_JWT_SECRET is set: use the tokens it printed last."
)


def issue_token(
    secret: str,
    user_id: str,
    *,
    ttl_seconds: float,
    roles: Iterable[str] = (),
    issuer: str | None = None,
    audience: str | None = None,
) -> str:
    """A signed token for `user_id` that expires after `ttl_seconds` (with `iss` and `aud`
    when given: a server that checks them accepts only tokens that carry them)."""
    now = int(time.time())
    claims: dict[str, object] = {"sub": user_id, "iat": now, "exp": now + int(ttl_seconds)}
    if roles:
        claims["roles"] = sorted(roles)
    if issuer is not None:
        claims["iss"] = issuer
    if audience is not None:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


class TokenVerifier:
    """Verifies tokens, remembering recent successes so that a busy client's repeated token is
    checked against its expiry only (an HS256 verification costs tens of microseconds per RPC,
    an RS256 one more).

    A token with a `kid` header is checked against the identity provider's key of that id
    (`jwks`), with the algorithm that key pins; a token without one against the shared
    `secret`, with HS256. The token's own `alg` header never chooses: a token whose alg differs
    from its key's (alg=none, HS256 signed with a public key) is refused. `issuer` and
    `audience`, when given, must be the token's `iss` and `aud`."""

    def __init__(
        self,
        secret: str | None,
        *,
        jwks: JwksKeys | None = None,
        issuer: str | None = None,
        audience: str | None = None,
        cache_size: int = 10_000,
        leeway_seconds: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if secret is None and jwks is None:
            raise ValueError("a TokenVerifier needs a secret, a JWKS, or both")
        self._secret = secret
        self._jwks = jwks
        self._issuer = issuer
        self._audience = audience
        self._required = ["sub", "exp"]
        self._required += ["iss"] if issuer is not None else []
        self._required += ["aud"] if audience is not None else []
        self._cache_size = cache_size
        self._leeway = leeway_seconds
        self._clock = clock
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    async def verify(self, token: str) -> Principal:
        """The token's principal; Unauthenticated when the token is malformed, forged or expired
        (Unavailable when the identity provider's keys cannot be fetched)."""
        remembered = self._verified.get(token)
        if remembered is not None:
            principal, expires_at = remembered
            if self._clock() <= expires_at + self._leeway:
                self._verified.move_to_end(token)
                return principal
            del self._verified[token]
            raise Unauthenticated("the bearer token has expired")
        key, algorithm = await self._key_for(token)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                issuer=self._issuer,
                audience=self._audience,
                # Expiry is checked below against this verifier's clock, the same clock that
                # expires remembered tokens, so that both paths agree. The audience is checked
                # only when one is configured.
                options={
                    "require": self._required,
                    "verify_exp": False,
                    "verify_aud": self._audience is not None,
                },
                leeway=self._leeway,
            )
        except jwt.InvalidSignatureError:
            if algorithm != ALGORITHM:  # a key of the identity provider's JWKS
                raise Unauthenticated("the bearer token is invalid: bad signature") from None
            raise Unauthenticated(
                "the bearer token is invalid: its signature does not match this server's "
                f"secret. {SIGNATURE_HINT}"
            ) from None
        except jwt.InvalidTokenError as error:
            raise Unauthenticated(f"the bearer token is invalid: {error}") from None
        expires_at = claims["exp"]
        if not isinstance(expires_at, int | float) or isinstance(expires_at, bool):
            raise Unauthenticated("the bearer token is invalid: exp must be a number")
        if self._clock() > expires_at + self._leeway:
            raise Unauthenticated("the bearer token has expired")
        user_id = claims["sub"]
        if not isinstance(user_id, str) or not user_id:
            raise Unauthenticated("the token's sub must be a non-empty string")
        problem = id_problem(user_id)
        if problem is not None:
            # The sub becomes a user id: the same rule as for every id a client names.
            raise Unauthenticated(f"the token's sub {problem}")
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
            raise Unauthenticated("the token's roles claim must be a list of strings")
        principal = Principal(user_id=user_id, roles=frozenset(roles))
        self._verified[token] = (principal, float(expires_at))
        if len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)
        return principal

    async def _key_for(self, token: str) -> tuple[Any, str]:
        """The key to check `token` with, and the one algorithm that key allows."""
        if self._jwks is None and self._secret is not None:
            # Only the secret can be the key, so the header needs no reading here: that took
            # half of a verification (PyJWT 2.15 checks every character of each segment it
            # decodes, and decode() reads the header again).
            return self._secret, ALGORITHM
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError as error:
            raise Unauthenticated(f"the bearer token is invalid: {error}") from None
        if kid is not None and self._jwks is not None:
            if not isinstance(kid, str):
                raise Unauthenticated("the bearer token is invalid: kid must be a string")
            key = await self._jwks.key(kid)
            return key, key.algorithm_name
        if self._secret is not None:
            return self._secret, ALGORITHM
        raise Unauthenticated(
            "the bearer token names no key (kid header): only the identity provider's tokens "
            "are accepted"
        )
