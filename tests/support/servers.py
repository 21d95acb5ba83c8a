"""Running real OpenChat servers for tests: in this process, or as a subprocess to kill."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc

from openchat.server.app import App, build_app
from openchat.server.auth.tokens import issue_token
from openchat.server.settings import Settings
from tests.support.settings import TEST_SECRET


def bearer(
    user_id: str, secret: str = TEST_SECRET, ttl_seconds: float = 3600
) -> tuple[tuple[str, str]]:
    """Call metadata authenticating as `user_id`."""
    token = issue_token(secret, user_id, ttl_seconds=ttl_seconds)
    return (("authorization", f"Bearer {token}"),)


@dataclass
class RunningServer:
    """A started server and a channel to it."""

    app: App
    target: str
    channel: grpc.aio.Channel


@contextlib.asynccontextmanager
async def start_app(settings: Settings) -> AsyncIterator[RunningServer]:
    """Build and start a server in this event loop; stop it on exit."""
    app = await build_app(settings)
    port = await app.start()
    target = f"127.0.0.1:{port}"
    channel = grpc.aio.insecure_channel(target)
    try:
        yield RunningServer(app, target, channel)
    finally:
        await channel.close(grace=None)
        await app.stop(grace=1.0)


@dataclass
class ServerProcess:
    """An `openchat-server serve` process, and what a client needs to reach it."""

    target: str

    def token(self, user_id: str) -> str:
        """A bearer token for `user_id`, signed with the server's secret."""
        return issue_token(TEST_SECRET, user_id, ttl_seconds=3600)


@contextlib.contextmanager
def serve_in_subprocess(
    database_url: str, log_path: Path, startup_timeout: float = 60
) -> Iterator[ServerProcess]:
    """Runs `openchat-server serve` as a user would, on a loopback port the OS picks (read back
    from the server's `serving` log line), with TEST_SECRET; stops it with SIGTERM on exit. Its
    log goes to `log_path`, quoted in the error if it does not come up."""
    environment = {**os.environ, "OPENCHAT_JWT_SECRET": TEST_SECRET, "OPENCHAT_LOG_FORMAT": "json"}
    command = [sys.executable, "-m", "openchat.server", "serve", "--listen", "127.0.0.1:0"]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*command, "--database-url", database_url],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        port = _serving_port(process, log_path, time.monotonic() + startup_timeout)
        yield ServerProcess(f"127.0.0.1:{port}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _serving_port(process: subprocess.Popen[bytes], log_path: Path, deadline: float) -> int:
    """Polls the log until the server says it is serving, it exits, or the deadline passes."""
    while time.monotonic() < deadline and process.poll() is None:
        for line in log_path.read_text().splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict) and record.get("event") == "serving":
                return int(record["port"])
        time.sleep(0.05)
    raise RuntimeError(f"openchat-server did not come up:\n{log_path.read_text()}")
