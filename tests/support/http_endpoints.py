"""Real HTTP endpoints for the routes to call (bot webhooks, push gateways): aiohttp servers on
loopback ports, run in the tests' event loop. Each records every request it gets and answers as
the test says (a status, or hanging until released), so tests can wait for the requests they
expect, with a deadline, and inspect them afterwards.

`WebhookEndpoint` also checks each request the way the webhook contract tells receivers to
(proto/openchat/v1/webhook.proto): the HMAC over the exact body bytes, in constant time, and a
fresh timestamp; a request that fails is answered 401 and recorded as not verified.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from tests.support.waiting import Arrivals

# What webhook.proto tells receivers to accept.
MAX_TIMESTAMP_SKEW_SECONDS = 300


@dataclass
class Received:
    """One request, as it arrived, and what became of it."""

    method: str
    headers: Mapping[str, str]
    body: bytes
    # The event loop's clock when the request arrived.
    at: float
    # The status answered; None while the request hangs (or after it was abandoned).
    status: int | None = None
    # The caller gave up (timed out) and closed the connection while the request hung.
    abandoned: bool = False
    # For webhooks: whether the signature and timestamp checked out.
    verified: bool = True

    def json(self) -> Any:
        return json.loads(self.body)


class HttpEndpoint(Arrivals[Received]):
    """An HTTP server on 127.0.0.1 that records requests (of any method). Set `status` to
    choose the answer (with `location` for redirects, `body` for its content), `latency` to
    answer that many seconds late (a slow service), `hang` to hold requests open until
    `release()` (or close)."""

    def __init__(self, *, status: int = 200, latency: float = 0.0, hang: bool = False) -> None:
        super().__init__()
        self.status = status
        self.location = ""
        self.body = b""
        self.latency = latency
        self.hang = hang
        self.url = ""
        self._released = asyncio.Event()
        self._runner: web.AppRunner | None = None

    @property
    def requests(self) -> list[Received]:
        """Every request so far, in arrival order."""
        return self.items

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # Cancel a handler when its caller hangs up, so tests see abandoned requests.
        self._runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/hook"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
        if self._runner is not None:
            await self._runner.cleanup()

    def release(self) -> None:
        """Let hanging requests (and later ones) answer `status`."""
        self.hang = False
        self._released.set()

    def answered(self, status: int = 200) -> list[Received]:
        """The requests answered with `status`."""
        return [request for request in self.requests if request.status == status]

    def verify(self, received: Received) -> bool:
        """Whether to accept the request (subclasses check signatures)."""
        return True

    async def _handle(self, request: web.Request) -> web.Response:
        received = Received(
            request.method, request.headers, await request.read(), asyncio.get_running_loop().time()
        )
        received.verified = self.verify(received)
        self.add(received)
        try:
            if self.hang:
                await self._released.wait()
            if self.latency:
                await asyncio.sleep(self.latency)
        except asyncio.CancelledError:
            received.abandoned = True
            self.touch()
            raise
        received.status = self.status if received.verified else 401
        self.touch()
        headers = {"Location": self.location} if self.location else None
        return web.Response(status=received.status, headers=headers, body=self.body)


def signature_valid(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None
) -> bool:
    """The webhook receiver's check: a fresh timestamp and a matching HMAC-SHA256 signature
    over "<timestamp>.<raw body>", compared in constant time."""
    timestamp = headers.get("X-OpenChat-Timestamp", "")
    signature = headers.get("X-OpenChat-Signature", "")
    if not timestamp.isdigit():
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_TIMESTAMP_SKEW_SECONDS:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(signature, "sha256=" + expected.hexdigest())


class WebhookEndpoint(HttpEndpoint):
    """A bot's webhook: rejects (401) requests whose signature or timestamp is wrong. The
    secret comes from RegisterBot, so set it before messages are sent."""

    secret = ""

    def verify(self, received: Received) -> bool:
        return signature_valid(self.secret, received.headers, received.body)

    def event_ids(self, status: int | None = 200) -> list[str]:
        """The event ids of the requests answered `status` (None: of every request)."""
        return [
            r.headers["X-OpenChat-Event-Id"]
            for r in self.requests
            if status is None or r.status == status
        ]
