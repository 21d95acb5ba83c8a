"""OpenChat servers as child processes (`openchat-server serve`), for tests that kill, signal or
restart them, and the CLI's other commands."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.support.settings import TEST_SECRET, WITHOUT_RATE_LIMITS_ENV

COMMAND = str(Path(sys.executable).with_name("openchat-server"))
CLIENT_COMMAND = str(Path(sys.executable).with_name("openchat"))
START_TIMEOUT = 30.0
EXIT_TIMEOUT = 30.0
CLI_TIMEOUT = 30.0


def free_port() -> int:
    """A loopback port that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def environment(**settings: str) -> dict[str, str]:
    """This process's environment without any OPENCHAT_* variable, plus `settings`
    (OPENCHAT_* names), so that a developer's own configuration never leaks into a test."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("OPENCHAT_")}
    env.update(settings)
    return env


def server_environment(database_url: str, port: int, **settings: str) -> dict[str, str]:
    """Settings for a server on 127.0.0.1:`port` storing into `database_url`; `settings`
    override the defaults here."""
    defaults = {
        "OPENCHAT_LISTEN": f"127.0.0.1:{port}",
        "OPENCHAT_METRICS_LISTEN": "127.0.0.1:0",
        "OPENCHAT_DATABASE_URL": database_url,
        "OPENCHAT_JWT_SECRET": TEST_SECRET,
        "OPENCHAT_LOG_FORMAT": "json",
        "OPENCHAT_LOG_LEVEL": "warning",
        "OPENCHAT_SHUTDOWN_GRACE": "5",
        **WITHOUT_RATE_LIMITS_ENV,
    }
    return environment(**{**defaults, **settings})


@dataclass(frozen=True)
class Completed:
    """A finished CLI run."""

    returncode: int
    stdout: str
    stderr: str


async def run_cli(
    *args: str,
    env: Mapping[str, str],
    program: str = COMMAND,
    within: float = CLI_TIMEOUT,
    stdout: int = asyncio.subprocess.PIPE,
) -> Completed:
    """Run `openchat-server ARGS...` (or another `program`) to completion, failing the test
    when it takes more than `within` seconds. `stdout` may name another file descriptor."""
    process = await asyncio.create_subprocess_exec(
        program,
        *args,
        env=dict(env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=stdout,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(within):
        output, errors = await process.communicate()
    assert process.returncode is not None
    return Completed(process.returncode, (output or b"").decode(), errors.decode())


@dataclass
class ServerProcess:
    """A running `openchat-server serve` child process and a channel to it."""

    process: asyncio.subprocess.Process
    target: str
    output: Path
    channel: grpc.aio.Channel

    def log(self) -> str:
        """Everything the process wrote to stdout and stderr so far."""
        return self.output.read_text(errors="replace")

    async def wait_serving(self) -> None:
        """Poll grpc.health until SERVING; fail with the process output if it exits first."""
        health = health_pb2_grpc.HealthStub(self.channel)
        async with asyncio.timeout(START_TIMEOUT):
            while True:
                if self.process.returncode is not None:
                    raise AssertionError(f"the server exited early:\n{self.log()}")
                with contextlib.suppress(grpc.aio.AioRpcError):
                    response = await health.Check(health_pb2.HealthCheckRequest(), timeout=1)
                    if response.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                await asyncio.sleep(0.05)  # polling interval while the process starts

    def kill(self) -> None:
        """SIGKILL: no cleanup, no flush, no goodbye."""
        self.process.send_signal(signal.SIGKILL)

    async def terminate(self) -> int:
        """SIGTERM, then wait for the exit; returns the exit status."""
        self.process.send_signal(signal.SIGTERM)
        return await self.wait()

    async def wait(self) -> int:
        """The exit status, once the process has exited."""
        async with asyncio.timeout(EXIT_TIMEOUT):
            return await self.process.wait()


@contextlib.asynccontextmanager
async def serve(
    env: Mapping[str, str], output: Path, *args: str, wait: bool = True, program: str = COMMAND
) -> AsyncIterator[ServerProcess]:
    """Start `openchat-server serve ARGS...` (or another installation's `program`) with `env`
    (which sets OPENCHAT_LISTEN), its output going to `output`; wait until it is SERVING unless
    `wait` is false. On exit, kill it if it still runs."""
    target = env["OPENCHAT_LISTEN"]
    with output.open("ab") as sink:
        process = await asyncio.create_subprocess_exec(
            program,
            "serve",
            *args,
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=sink,
            stderr=asyncio.subprocess.STDOUT,
        )
    channel = grpc.aio.insecure_channel(target)
    server = ServerProcess(process, target, output, channel)
    try:
        if wait:
            await server.wait_serving()
        yield server
    finally:
        await channel.close(grace=None)
        if process.returncode is None:
            process.kill()
            await process.wait()


ROOT = Path(__file__).resolve().parents[2]


@contextlib.asynccontextmanager
async def python_process(
    module: str, args: Sequence[str], *, env: dict[str, str] | None = None
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m module args...` from the repository root, with piped output; killed (and its
    frozen state released) on exit."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        *args,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGCONT)
                process.kill()
        await process.wait()


async def wait_for_line(process: asyncio.subprocess.Process, text: str, within: float) -> None:
    """Wait until the process prints a line containing `text` on stdout."""
    assert process.stdout is not None
    async with asyncio.timeout(within):
        while True:
            line = await process.stdout.readline()
            if not line:
                stderr = await process.stderr.read() if process.stderr else b""
                raise AssertionError(f"process exited before {text!r}: {stderr.decode()[-2000:]}")
            if text in line.decode():
                return
