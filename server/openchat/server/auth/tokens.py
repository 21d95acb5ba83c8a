"""Issuing and verifying HS256 JWTs. Users are the identities in the tokens (the application's
own login issues them), so the server keeps no user table."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import jwt

from openchat.server.domain.errors import Unauthenticated

ALGORITHM = "HS256"
MAX_USER_ID_LENGTH = 128
# The usual cause of a bad signature while trying things out.
SIGNATURE_HINT = (
    "Was it issued with another OPENCHAT_JWT_SECRET? `make run` (serve --dev) generates a new "
    "secret at every start unless OPENCHAT_JWT_SECRET is set: use the tokens it printed last."
)


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller."""

    user_id: str
    roles: frozenset[str] = field(default_factory=frozenset)


def issue_token(secret: str, user_id: str, *, ttl_seconds: float, roles: Iterable[str] = ()) -> str:
    """A signed token for `user_id` that expires after `ttl_seconds`."""
    now = int(time.time())
    claims: dict[str, object] = {"sub": user_id, "iat": now, "exp": now + int(ttl_seconds)}
    if roles:
        claims["roles"] = sorted(roles)
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


class TokenVerifier:
    """Verifies tokens, remembering recent successes so that a busy client's repeated token is
    checked against its expiry only (an HS256 verification costs tens of microseconds per RPC)."""

    def __init__(
        self,
        secret: str,
        *,
        cache_size: int = 10_000,
        leeway_seconds: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = secret
        self._cache_size = cache_size
        self._leeway = leeway_seconds
        self._clock = clock
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    def verify(self, token: str) -> Principal:
        """The token's principal; Unauthenticated when the token is malformed, forged or expired."""
        remembered = self._verified.get(token)
        if remembered is not None:
            principal, expires_at = remembered
            if self._clock() <= expires_at + self._leeway:
                self._verified.move_to_end(token)
                return principal
            del self._verified[token]
            raise Unauthenticated("the bearer token has expired")
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                # Expiry is checked below against this verifier's clock, the same clock that
                # expires remembered tokens, so that both paths agree.
                options={"require": ["sub", "exp"], "verify_exp": False},
                leeway=self._leeway,
            )
        except jwt.InvalidSignatureError:
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
        if not user_id or len(user_id) > MAX_USER_ID_LENGTH:
            raise Unauthenticated(f"the token's sub must have 1 to {MAX_USER_ID_LENGTH} characters")
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
            raise Unauthenticated("the token's roles claim must be a list of strings")
        principal = Principal(user_id=user_id, roles=frozenset(roles))
        self._verified[token] = (principal, float(expires_at))
        if len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)
        return principal
