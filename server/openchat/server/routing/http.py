"""The HTTP client that webhook and push deliveries share (one connection pool)."""

from __future__ import annotations

import aiohttp

USER_AGENT = "openchat-server/0.1"


class HttpClient:
    """An aiohttp session opened at start and closed at stop."""

    def __init__(self, *, timeout_seconds: float) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=self._timeout, headers={"User-Agent": USER_AGENT}
        )

    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("the HTTP client is not started")
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
