"""A throwaway redis-server of a test's own, for tests that lose, flush or stop Redis.

The shared Redis must never be flushed or stopped, so a test that needs Redis to fail starts
this one: on a free loopback port, without persistence (`--save ""`, no AOF), so a restart
loses every key exactly like a crashed production Redis without persistence does.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from redis.exceptions import RedisError

READY_DEADLINE_SECONDS = 10.0
STOP_DEADLINE_SECONDS = 5.0


def free_port() -> int:
    """A loopback TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RedisServer:
    """One redis-server process; start() waits until it answers PING, stop() ends it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError("redis-server is not on PATH; install redis-server")
        # Argument list, no shell; the port is ours.
        self._process = await asyncio.create_subprocess_exec(
            executable,
            *("--port", str(self.port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--daemonize", "no"),
            *("--loglevel", "warning", "--logfile", ""),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        await self._wait_until_ready(self._process)

    async def stop(self) -> None:
        """Terminate the server (all its data is gone) and wait for the process to end."""
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            async with asyncio.timeout(STOP_DEADLINE_SECONDS):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()

    async def restart(self) -> None:
        """Stop and start again on the same port, empty."""
        await self.stop()
        await self.start()

    def client(self) -> aioredis.Redis:
        return aioredis.Redis.from_url(self.url)

    async def _wait_until_ready(self, process: asyncio.subprocess.Process) -> None:
        client = self.client()
        try:
            async with asyncio.timeout(READY_DEADLINE_SECONDS):
                while True:
                    if process.returncode is not None:
                        output = await process.stdout.read() if process.stdout else b""
                        raise RuntimeError(
                            f"redis-server on port {self.port} exited with "
                            f"{process.returncode}: {output.decode(errors='replace')}"
                        )
                    with contextlib.suppress(RedisError, OSError):
                        if await client.ping():
                            return
                    await asyncio.sleep(0.02)  # poll interval while the server starts
        except TimeoutError:
            await self.stop()
            raise RuntimeError(
                f"redis-server on port {self.port} did not answer PING within "
                f"{READY_DEADLINE_SECONDS} s"
            ) from None
        finally:
            await client.aclose()


@contextlib.asynccontextmanager
async def throwaway_redis() -> AsyncIterator[RedisServer]:
    """A started RedisServer on a free port, killed on exit whatever the test did to it."""
    server = RedisServer(free_port())
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
