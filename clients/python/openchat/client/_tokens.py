"""The bearer token: a fixed string, or a provider the client asks for a fresh one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import grpc

from openchat.client._exceptions import Unavailable

# Returns a valid token; may be a coroutine function (it can call a login service). The client
# asks it before every session (re)connect and after the server answers UNAUTHENTICATED.
TokenProvider = Callable[[], str | Awaitable[str]]


class Tokens:
    """The token the client currently uses."""

    def __init__(self, token: str | TokenProvider) -> None:
        self._provider = None if isinstance(token, str) else token
        self._token = token if isinstance(token, str) else None

    @property
    def refreshable(self) -> bool:
        return self._provider is not None

    async def current(self) -> str:
        if self._token is None:
            await self.refresh()
        assert self._token is not None
        return self._token

    async def refresh(self) -> bool:
        """Ask the provider for a fresh token; False when the token is a fixed string. A
        provider that fails (its login service is down, say) is a transient failure
        (Unavailable): sends and the session retry with backoff until it works again."""
        if self._provider is None:
            return False
        try:
            token = self._provider()
            self._token = token if isinstance(token, str) else await token
        except Exception as error:  # whatever the app's provider raises
            raise Unavailable(
                f"the token provider failed: {error!r}", code=grpc.StatusCode.UNAVAILABLE
            ) from error
        return True

    async def metadata(self) -> tuple[tuple[str, str]]:
        return (("authorization", f"Bearer {await self.current()}"),)
