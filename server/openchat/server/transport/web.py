"""The web listener: every openchat.v1 service over the Connect protocol and gRPC-Web (binary
and JSON), for browsers, beside the gRPC listener in the same process and event loop.

Nothing is written twice. connectrpc's generated ASGI applications call the very servicers that
grpc.aio serves (through `_Servicer`, which maps connectrpc's method names to theirs), and
`_Edge` does around each call what the gRPC interceptors do, with the same functions and
objects: the drain gate (`CallGate`), the token check (`authenticate`), the error table
(`status_of`, with the same ErrorInfo and BadRequest details), and the canonical log line and
RPC metrics (`begin_rpc` / `end_rpc`, into the same series). Hypercorn serves the
applications over HTTP/1.1 and HTTP/2, with TLS from the gRPC listener's settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import Any

import structlog
from connectrpc.code import Code
from connectrpc.compat import google_protobuf_codecs
from connectrpc.errors import ConnectError, ErrorDetail
from connectrpc.method import StreamType
from connectrpc.request import RequestContext
from google.protobuf import descriptor_pool
from google.protobuf.json_format import ParseError
from google.protobuf.message import DecodeError
from hypercorn.asyncio import serve
from hypercorn.config import Config
from protobuf.wkt import Any as AnyDetail

from openchat.server.auth.tokens import TokenVerifier
from openchat.server.domain.errors import OpenChatError, RequestUndecodable
from openchat.server.observability.metrics import Metrics
from openchat.server.settings import TlsSettings
from openchat.server.transport.cors import AsgiApp, Cors, Receive, Scope, Send
from openchat.server.transport.errors import ErrorStatus, status_message, status_of
from openchat.server.transport.interceptors import (
    CallGate,
    MethodSeries,
    authenticate,
    begin_rpc,
    end_rpc,
    rpc_type,
    unexpected_status,
)

_log = structlog.get_logger(__name__)


# What a registration hands the web listener: a servicer and its generated Connect application.
ConnectApplication = Callable[..., Any]

_STREAM_KINDS = {
    StreamType.UNARY: (False, False),
    StreamType.SERVER_STREAM: (False, True),
    StreamType.CLIENT_STREAM: (True, False),
    StreamType.BIDI_STREAM: (True, True),
}


def connect_error(status: ErrorStatus) -> ConnectError:
    """The Connect error of a status from the error table, with the same details (ErrorInfo,
    BadRequest) that the gRPC listener puts in grpc-status-details-bin."""
    details = [
        ErrorDetail(AnyDetail(type_url=detail.type_url, value=detail.value))
        for detail in status_message(status).details
    ]
    # Connect spells grpc's CANCELLED with one L; every other name is the same.
    code = Code[status.code.name.replace("CANCELLED", "CANCELED")]
    return ConnectError(code, status.message, details)


def _code_name(error: BaseException | None) -> str:
    """The gRPC status code name of how a call ended, for logs and metrics."""
    if error is None:
        return "OK"
    if isinstance(error, ConnectError):
        return error.code.name.replace("CANCELED", "CANCELLED")
    return "CANCELLED"


def _mapped(error: Exception) -> ConnectError:
    """What escaped a servicer, as the client is told it: the error table's status for a
    domain error, UNAVAILABLE or a generic INTERNAL for anything else."""
    if isinstance(error, ConnectError):
        return error
    if isinstance(error, OpenChatError):
        return connect_error(status_of(error))
    return connect_error(unexpected_status(error))


class _Edge:
    """Around every Connect and gRPC-Web call, what the gRPC interceptors do around every gRPC
    call: observe (log line, metrics), map errors, authenticate."""

    def __init__(self, verifier: TokenVerifier, metrics: Metrics, gate: CallGate) -> None:
        self._verifier = verifier
        self._metrics = metrics
        self._gate = gate
        self._series: dict[str, MethodSeries] = {}

    def _begin(self, ctx: RequestContext[Any, Any]) -> tuple[MethodSeries, float]:
        method = f"/{ctx.method.service_name}/{ctx.method.name}"
        series = self._series.get(method)
        if series is None:
            kind = rpc_type(*_STREAM_KINDS[ctx.method.stream_type])
            series = self._series[method] = MethodSeries(self._metrics, method, kind)
        headers = ctx.request_headers
        peer = f"web:{ctx.client_address or 'unknown'}"
        return series, begin_rpc(self._metrics, series, method, headers.get("x-request-id"), peer)

    @contextlib.asynccontextmanager
    async def _call(self, ctx: RequestContext[Any, Any]) -> AsyncIterator[MethodSeries]:
        """One call: observed from begin to end, through the gate (UNAVAILABLE while the server
        drains), its token verified, what escapes it mapped."""
        series, started = self._begin(ctx)
        failure: BaseException | None = None
        entered = False
        try:
            self._gate.enter()
            entered = True
            await authenticate(self._verifier, ctx.request_headers.get("authorization"))
            series.received.inc()  # the one request of a unary or server-streaming call
            yield series
        except Exception as error:  # noqa: BLE001 - mapped to its status, as on gRPC
            failure = _mapped(error)
            raise failure from None
        except BaseException as error:
            failure = error
            raise
        finally:
            if entered:
                self._gate.leave()
            end_rpc(self._metrics, series, _code_name(failure), started)

    async def intercept_unary(
        self,
        call_next: Callable[[Any, RequestContext[Any, Any]], Awaitable[Any]],
        request: Any,
        ctx: RequestContext[Any, Any],
        /,
    ) -> Any:
        async with self._call(ctx) as series:
            response = await call_next(request, ctx)
            series.sent.inc()
            return response
        return None  # unreachable: _call raises rather than suppress an error

    async def intercept_server_stream(
        self,
        call_next: Callable[[Any, RequestContext[Any, Any]], AsyncIterator[Any]],
        request: Any,
        ctx: RequestContext[Any, Any],
        /,
    ) -> AsyncIterator[Any]:
        async with self._call(ctx) as series:
            async for response in call_next(request, ctx):
                series.sent.inc()
                yield response


class _CallContext:
    """The part of grpc.aio's ServicerContext that the servicers use, over a Connect call."""

    __slots__ = ("_ctx",)

    def __init__(self, ctx: RequestContext[Any, Any]) -> None:
        self._ctx = ctx

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return tuple(self._ctx.request_headers.allitems())

    async def send_initial_metadata(self, _metadata: object) -> None:
        return None  # Connect sends the response headers with the first frame anyway


def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class _Servicer:
    """A gRPC servicer under the method names of connectrpc's generated service protocol
    (SendMessage -> send_message), called with a `_CallContext`."""

    def __init__(self, servicer: Any, service_name: str) -> None:
        service = descriptor_pool.Default().FindServiceByName(service_name)
        self._methods = {
            _snake_case(method.name): getattr(servicer, method.name) for method in service.methods
        }

    def __getattr__(self, name: str) -> Callable[[Any, RequestContext[Any, Any]], Any]:
        try:
            method = self._methods[name]
        except KeyError:
            raise AttributeError(name) from None
        return lambda request, ctx: method(request, _CallContext(ctx))


class _UndecodableMapped:
    """A google.protobuf codec whose decoding failures are answered as on the gRPC listener:
    INVALID_ARGUMENT with REQUEST_UNDECODABLE."""

    def __init__(self, codec: Any) -> None:
        self._codec = codec

    def name(self) -> str:
        return str(self._codec.name())

    def encode(self, message: Any) -> bytes:
        return bytes(self._codec.encode(message))

    def decode(self, data: bytes | bytearray, message_class: type[Any]) -> Any:
        try:
            return self._codec.decode(data, message_class)
        except (DecodeError, ParseError):
            full_name = message_class.DESCRIPTOR.full_name
            raise connect_error(status_of(RequestUndecodable(full_name))) from None


def build_web_app(
    services: Iterable[tuple[Any, str, ConnectApplication]],
    verifier: TokenVerifier,
    metrics: Metrics,
    gate: CallGate,
    *,
    allowed_origins: Sequence[str],
    read_max_bytes: int,
) -> AsgiApp:
    """One ASGI application serving each (servicer, full service name, generated Connect
    application class), behind CORS for `allowed_origins`."""
    edge = _Edge(verifier, metrics, gate)
    codecs = [_UndecodableMapped(codec) for codec in google_protobuf_codecs()]
    by_path: dict[str, Any] = {}
    for servicer, service_name, application in services:
        app = application(
            _Servicer(servicer, service_name),
            interceptors=[edge],
            read_max_bytes=read_max_bytes,
            codecs=codecs,
        )
        by_path[app.path] = app

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send)
        app = by_path.get(scope["path"].rpartition("/")[0])
        if app is None:
            return await _not_found(send)
        await app(scope, receive, send)
        return None

    return Cors(route, allowed_origins)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _not_found(send: Send) -> None:
    await send({"type": "http.response.start", "status": 404, "headers": []})
    await send({"type": "http.response.body", "body": b""})


class WebListener:
    """Hypercorn serving the web application on `listen` (HTTP/1.1 and HTTP/2, cleartext or
    TLS) in the running event loop."""

    def __init__(self, app: AsgiApp, listen: str, tls: TlsSettings) -> None:
        self._app = app
        self._listen = listen
        self._tls = tls
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> int:
        """Bind and serve; returns the bound port (useful with port 0)."""
        host, _, port = self._listen.rpartition(":")
        # The socket is bound here, not by hypercorn, so that the port is known (and a busy
        # port fails the start) before the server reports that it serves.
        listening = socket.create_server((host.strip("[]"), int(port)))
        bound: int = listening.getsockname()[1]
        config = Config()
        # Hypercorn takes the descriptor over (and closes it when it stops).
        config.bind = [f"fd://{listening.detach()}"]
        config.accesslog = None
        # Hypercorn's messages go through the logging set up for the server (a Logger is used
        # as it is); its default adds a stderr handler of its own, and every line came twice.
        config.errorlog = logging.getLogger("hypercorn.error")
        config.graceful_timeout = 1.0
        if self._tls.cert_file is not None and self._tls.key_file is not None:
            config.certfile = self._tls.cert_file
            config.keyfile = self._tls.key_file
            if self._tls.client_ca_file is not None:
                config.ca_certs = self._tls.client_ca_file
                config.verify_mode = ssl.CERT_REQUIRED
        self._task = asyncio.create_task(
            serve(self._app, config, shutdown_trigger=self._stopping.wait, mode="asgi"),  # type: ignore[arg-type]
            name="web-listener",
        )
        return bound

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task
