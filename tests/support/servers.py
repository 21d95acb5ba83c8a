"""Running real OpenChat servers for tests: in this process, or as a subprocess to kill."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc

from openchat.server.app import App, build_app
from openchat.server.auth.tokens import issue_token
from openchat.server.domain.model import RouteJobRecord, RouteJobStatus
from openchat.server.routing.providers import IMProvider
from openchat.server.settings import Settings
from openchat.server.storage.route_outbox import SqlRouteOutbox
from tests.support.settings import TEST_SECRET
from tests.support.waiting import until


def bearer(
    user_id: str, secret: str = TEST_SECRET, ttl_seconds: float = 3600, roles: Sequence[str] = ()
) -> tuple[tuple[str, str]]:
    """Call metadata authenticating as `user_id` (with `roles`, for example "admin")."""
    token = issue_token(secret, user_id, ttl_seconds=ttl_seconds, roles=roles)
    return (("authorization", f"Bearer {token}"),)


@dataclass
class RunningServer:
    """A started server and a channel to it."""

    app: App
    target: str
    channel: grpc.aio.Channel
    stopped: bool = False

    async def routes_finished(self, message_id: str) -> list[RouteJobRecord]:
        """Wait until the message has route jobs and every one has finished (delivered,
        skipped or dead); returns them."""
        outbox = SqlRouteOutbox(self.app.database)

        async def finished() -> list[RouteJobRecord]:
            jobs = await outbox.for_message(message_id)
            return jobs if all(job.status is not RouteJobStatus.PENDING for job in jobs) else []

        return await until(finished)

    async def stop(self, grace: float = 1.0) -> None:
        """Stop the server (once; start_app's exit then does nothing more)."""
        if self.stopped:
            return
        self.stopped = True
        await self.channel.close(grace=None)
        await self.app.stop(grace=grace)


@contextlib.asynccontextmanager
async def start_app(
    settings: Settings, *, im_providers: Sequence[IMProvider] | None = None
) -> AsyncIterator[RunningServer]:
    """Build and start a server in this event loop (relaying to `im_providers` when given);
    stop it on exit."""
    options = {} if im_providers is None else {"im_providers": im_providers}
    app = await build_app(settings, **options)
    port = await app.start()
    target = f"127.0.0.1:{port}"
    channel = grpc.aio.insecure_channel(target)
    running = RunningServer(app, target, channel)
    try:
        yield running
    finally:
        await running.stop()


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
