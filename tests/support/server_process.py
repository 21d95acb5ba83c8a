"""OpenChat servers as child processes, for tests that kill, restart or cluster them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc

from tests.support.processes import ROOT
from tests.support.settings import TEST_SECRET

SERVER = str(ROOT / ".venv" / "bin" / "openchat-server")
STARTUP_SECONDS = 30.0


@dataclass
class ServerProcess:
    """A running `openchat-server serve` and a channel to it."""

    process: asyncio.subprocess.Process
    target: str
    channel: grpc.aio.Channel

    def kill(self) -> None:
        """SIGKILL: no cleanup, as when a machine dies."""
        self.process.send_signal(signal.SIGKILL)


async def _port_from_logs(process: asyncio.subprocess.Process) -> int:
    """The port the server reports in its JSON `serving` log line."""
    assert process.stderr is not None
    while True:
        line = await process.stderr.readline()
        if not line:
            raise AssertionError(f"the server exited with {await process.wait()} before serving")
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            if record.get("event") == "serving":
                return int(record["port"])


@contextlib.asynccontextmanager
async def server_process(env: dict[str, str]) -> AsyncIterator[ServerProcess]:
    """`openchat-server serve` on a free loopback port with `env` on top of test defaults;
    killed on exit if still running."""
    process = await asyncio.create_subprocess_exec(
        SERVER,
        "serve",
        cwd=ROOT,
        env={
            **os.environ,
            "OPENCHAT_LISTEN": "127.0.0.1:0",
            "OPENCHAT_JWT_SECRET": TEST_SECRET,
            "OPENCHAT_LOG_FORMAT": "json",
            **env,
        },
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(STARTUP_SECONDS):
            port = await _port_from_logs(process)
        # Keep draining the log so that the server never blocks on a full pipe.
        drain = asyncio.create_task(_drain(process))
        target = f"127.0.0.1:{port}"
        async with grpc.aio.insecure_channel(target) as channel:
            yield ServerProcess(process, target, channel)
        drain.cancel()
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        await process.wait()


async def _drain(process: asyncio.subprocess.Process) -> None:
    assert process.stderr is not None
    while await process.stderr.readline():
        pass
