"""CORS for the web listener: browsers on the allowed origins may call it, and read the headers
that Connect and gRPC-Web clients need; every other origin is refused by the browser."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Request headers of Connect and gRPC-Web clients (connect-es, grpc-web), and OpenChat's own.
ALLOWED_HEADERS = (
    "authorization, content-type, connect-protocol-version, connect-timeout-ms, "
    "connect-accept-encoding, connect-content-encoding, grpc-timeout, grpc-accept-encoding, "
    "grpc-encoding, x-grpc-web, x-user-agent, x-request-id, openchat-device-id"
)
# Response headers a browser script may read: gRPC-Web's status (unless sent as trailers in
# the body) and the error details with their ErrorInfo reason.
EXPOSED_HEADERS = (
    "grpc-status, grpc-message, grpc-status-details-bin, grpc-encoding, grpc-accept-encoding, "
    "connect-content-encoding, connect-accept-encoding"
)
# How long a browser may reuse a preflight answer (seconds).
PREFLIGHT_MAX_AGE = "7200"


class Cors:
    """Answers preflight requests and adds the CORS headers to responses for allowed origins
    (`*` allows any). With none allowed, no browser page on another origin can call."""

    def __init__(self, app: AsgiApp, allowed_origins: Sequence[str]) -> None:
        self._app = app
        self._any = "*" in allowed_origins
        self._origins = frozenset(allowed_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self._app(scope, receive, send)
        headers = dict(scope["headers"])
        origin = headers.get(b"origin")
        allowed = origin is not None and (self._any or origin.decode() in self._origins)
        preflight = scope["method"] == "OPTIONS" and b"access-control-request-method" in headers
        if preflight:
            return await self._preflight(send, origin if allowed else None)
        if not allowed:
            return await self._app(scope, receive, send)

        async def send_with_cors(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [
                        *message.get("headers", ()),
                        (b"access-control-allow-origin", origin),
                        (b"access-control-expose-headers", EXPOSED_HEADERS.encode()),
                        (b"vary", b"Origin"),
                    ],
                }
            await send(message)

        return await self._app(scope, receive, send_with_cors)

    async def _preflight(self, send: Send, origin: bytes | None) -> None:
        if origin is None:
            await send({"type": "http.response.start", "status": 403, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        headers = [
            (b"access-control-allow-origin", origin),
            (b"access-control-allow-methods", b"POST, GET"),
            (b"access-control-allow-headers", ALLOWED_HEADERS.encode()),
            (b"access-control-max-age", PREFLIGHT_MAX_AGE.encode()),
            (b"vary", b"Origin"),
        ]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
