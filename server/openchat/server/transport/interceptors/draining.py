"""DrainingInterceptor and its CallGate: while the server shuts down, new calls are answered
UNAVAILABLE by us (grpc would cancel calls still waiting when it stops: CANCELLED, which clients
do not retry), and the calls in flight are counted so that the drain can wait for them."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from openchat.server.domain.errors import Unavailable
from openchat.server.transport.interceptors.wrapping import ApiInterceptor, Around

if TYPE_CHECKING:
    from openchat.server.transport.interceptors.wrapping import Handler


class CallGate:
    """The calls in flight, and whether new ones are let in."""

    def __init__(self) -> None:
        self.open = True
        self.in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def close(self) -> None:
        """From now on, new calls are answered UNAVAILABLE."""
        self.open = False

    async def wait_idle(self, grace: float) -> None:
        """Wait until no call is in flight, or `grace` seconds."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                await self._idle.wait()

    def enter(self) -> None:
        if not self.open:
            raise Unavailable("the server is shutting down; retry against another node")
        self.in_flight += 1
        self._idle.clear()

    def leave(self) -> None:
        self.in_flight -= 1
        if not self.in_flight:
            self._idle.set()


class DrainingInterceptor(ApiInterceptor):
    """Lets calls through the CallGate (not health: probes must see a draining server as
    NOT_SERVING)."""

    def __init__(self, gate: CallGate) -> None:
        super().__init__()
        self._gate = gate

    def around(self, method: str, handler: Handler) -> Around:
        return lambda context: _Gated(self._gate)


class _Gated:
    """One call through the gate."""

    __slots__ = ("_gate",)

    def __init__(self, gate: CallGate) -> None:
        self._gate = gate

    async def __aenter__(self) -> None:
        self._gate.enter()

    async def __aexit__(self, *_: object) -> None:
        self._gate.leave()
