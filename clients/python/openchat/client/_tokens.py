"""The bearer token: a fixed string, or a provider the client asks for a fresh one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

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
        """Ask the provider for a fresh token; False when the token is a fixed string."""
        if self._provider is None:
            return False
        token = self._provider()
        self._token = token if isinstance(token, str) else await token
        return True

    async def metadata(self) -> tuple[tuple[str, str]]:
        return (("authorization", f"Bearer {await self.current()}"),)
