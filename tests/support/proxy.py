"""A TCP proxy on loopback between a client and a server, to take the network away: `cut()`
resets every connection and refuses new ones (accepted, then reset at once) until `restore()`;
`freeze()` keeps connections open but stops carrying bytes (a dead link without a reset)
until `thaw()`. Real sockets on both sides; nothing is simulated above TCP."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

CHUNK = 65536


class TcpProxy:
    def __init__(self, upstream: str) -> None:
        host, port = upstream.rsplit(":", 1)
        self._upstream = (host, int(port))
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._down = False
        self._flowing = asyncio.Event()
        self._flowing.set()
        self.target = ""

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.target = f"127.0.0.1:{port}"

    async def stop(self) -> None:
        """Reset every connection, wait for their pipes to end, and stop listening."""
        self.cut()
        self.thaw()
        await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def cut(self) -> None:
        """Reset every open connection and refuse new ones."""
        self._down = True
        for writer in list(self._writers):
            writer.transport.abort()

    def restore(self) -> None:
        self._down = False
        self.thaw()

    def freeze(self) -> None:
        """Stop forwarding bytes; connections stay open."""
        self._flowing.clear()

    def thaw(self) -> None:
        self._flowing.set()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._down:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._upstream)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        finally:
            self._connections.discard(task)
            for end in (writer, up_writer):
                self._writers.discard(end)
                end.transport.abort()

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await source.read(CHUNK):
                await self._flowing.wait()
                if self._down:
                    return
                sink.write(data)
                await sink.drain()
        sink.transport.abort()


@contextlib.asynccontextmanager
async def proxy_to(upstream: str) -> AsyncIterator[TcpProxy]:
    proxy = TcpProxy(upstream)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.stop()
