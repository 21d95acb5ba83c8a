"""`serve --workers N`: N server processes on one port, under this supervisor.

Each worker is an ordinary `openchat-server serve` process that binds the port with
SO_REUSEPORT, so the kernel spreads new connections over them; they are nodes of one cluster
(the Redis event bus and presence), exactly as servers on several hosts are. The supervisor
serves no calls: it restarts a worker that dies (after a backoff that grows while it keeps
dying young), forwards SIGTERM so every worker drains within the grace, and serves the host's
one /metrics (every worker's values, read from prometheus_client's multiprocess files) and a
/healthz that says which workers run.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, multiprocess

from openchat.server.observability.http import MetricsServer
from openchat.server.observability.worker_files import WorkerFilesCollector
from openchat.server.settings import Settings
from openchat.server.startup import listening

_log = structlog.get_logger(__name__)

# A worker that lived this long before dying is restarted at once; one dying younger waits
# twice as long as the last time, up to the ceiling (a crash loop must not spin the host).
HEALTHY_RUN_SECONDS = 10.0
FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0
# A worker exits with 2 when its settings are refused: restarting would refuse again.
REFUSED = 2
# prctl(2): the signal a process gets when its parent dies (Linux).
PR_SET_PDEATHSIG = 1
# Time on top of the shutdown grace for a worker to close its connections and exit.
EXIT_MARGIN_SECONDS = 5.0


class WorkersRefused(Exception):
    """The settings cannot run several workers; the message says what is missing."""


def check_cluster_settings(settings: Settings, count: int) -> None:
    """Workers are nodes of one cluster: refuse what several nodes cannot share."""
    if count == 1:
        return
    if settings.redis.url is None:
        raise WorkersRefused(
            f"{count} workers need OPENCHAT_REDIS_URL: workers are nodes of one cluster, and"
            " without Redis each would deliver only to its own sessions and see only its own"
            " presence (set OPENCHAT_REDIS_URL, or OPENCHAT_WORKERS=1)"
        )
    if settings.server.web_listen:
        raise WorkersRefused(
            f"{count} workers cannot serve OPENCHAT_WEB_LISTEN: a browser's session is a stream"
            " plus calls that must reach the same process, and the shared port would spread"
            " them over the workers (run the web listener with OPENCHAT_WORKERS=1)"
        )
    if settings.database.url.startswith("sqlite"):
        raise WorkersRefused(
            f"{count} workers need PostgreSQL (OPENCHAT_DATABASE_URL=postgresql://...): SQLite"
            " takes one writer at a time, so several processes would queue on its lock and each"
            " would wait out its busy timeout instead of batching commits (use OPENCHAT_WORKERS=1)"
        )


@dataclass
class _Worker:
    index: int
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    started_at: float = 0.0
    backoff: float = FIRST_BACKOFF_SECONDS

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None


@dataclass
class Supervisor:
    """Runs `count` workers with the command line `serve_args` (the supervisor's own, after
    `serve`) and `settings`, until SIGTERM or SIGINT."""

    settings: Settings
    count: int
    serve_args: Sequence[str]
    _workers: list[_Worker] = field(default_factory=list)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _refused: bool = False

    async def run(self) -> int:
        metrics_dir = tempfile.mkdtemp(prefix="openchat-metrics-")
        with listening("OPENCHAT_LISTEN", self.settings.server.listen):
            listener, listen = _reserve_port(self.settings.server.listen)
        metrics_server = self._metrics_server(metrics_dir)
        try:
            if metrics_server is not None:
                _log.info("metrics_serving", port=await metrics_server.start())
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, self._stop)
            env = self._worker_environment(metrics_dir)
            self._workers = [_Worker(index) for index in range(self.count)]
            _log.info("supervising", workers=self.count, listen=listen, pid=os.getpid())
            async with asyncio.TaskGroup() as group:
                for worker in self._workers:
                    group.create_task(self._keep_running(worker, listen, env, metrics_dir))
                await self._stopping.wait()
                await self._drain()
        finally:
            if metrics_server is not None:
                await metrics_server.stop()
            listener.close()
            shutil.rmtree(metrics_dir, ignore_errors=True)
        exits = [worker.process.returncode for worker in self._workers if worker.process]
        _log.info("stopped", exits=exits)
        if self._refused:
            return REFUSED
        # A worker still starting when SIGTERM came dies of it (its handlers come with serving).
        clean = (0, -signal.SIGTERM)
        return 0 if all(code in clean for code in exits) else 1

    def health(self) -> tuple[bool, dict[str, Any]]:
        """Every worker runs: the host serves at full strength (a worker's own readiness,
        its database and Redis, is what gRPC health answers on each connection)."""
        workers = [
            {
                "index": worker.index,
                "pid": worker.process.pid if worker.process else None,
                "running": worker.running,
                "restarts": worker.restarts,
            }
            for worker in self._workers
        ]
        running = sum(1 for worker in self._workers if worker.running)
        healthy = running == self.count and not self._stopping.is_set()
        status = "stopping" if self._stopping.is_set() else "serving" if healthy else "degraded"
        return healthy, {"status": status, "running": running, "workers": workers}

    def _metrics_server(self, metrics_dir: str) -> MetricsServer | None:
        if not self.settings.server.metrics_listen:
            return None
        registry = CollectorRegistry()
        WorkerFilesCollector(metrics_dir, registry)
        return MetricsServer(registry, self.settings.server.metrics_listen, self.health)

    def _worker_environment(self, metrics_dir: str) -> dict[str, str]:
        env = {
            **os.environ,
            "OPENCHAT_SHARE_PORT": "true",
            "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
        }
        # `serve --dev` generated a secret here: every worker must verify the same tokens.
        if self.settings.auth.jwt_secret is not None:
            env["OPENCHAT_JWT_SECRET"] = self.settings.auth.jwt_secret.get_secret_value()
        return env

    def _command(self, listen: str) -> list[str]:
        # The last occurrence of a flag wins: the resolved port, one process each, and no
        # metrics listener of their own (the supervisor's serves them all).
        return [
            sys.executable,
            "-m",
            "openchat.server",
            "serve",
            *self.serve_args,
            "--listen",
            listen,
            "--workers",
            "1",
            "--metrics-listen",
            "",
        ]

    async def _keep_running(
        self, worker: _Worker, listen: str, env: dict[str, str], metrics_dir: str
    ) -> None:
        while not self._stopping.is_set():
            own_env = dict(env)
            if self.settings.sessions.node_id:
                own_env["OPENCHAT_NODE_ID"] = f"{self.settings.sessions.node_id}-{worker.index}"
            worker.started_at = time.monotonic()
            worker.process = await asyncio.create_subprocess_exec(
                *self._command(listen),
                env=own_env,
                stdin=asyncio.subprocess.DEVNULL,
                preexec_fn=_die_with_the_supervisor,
            )
            _log.info("worker_started", worker=worker.index, pid=worker.process.pid)
            code = await worker.process.wait()
            multiprocess.mark_process_dead(worker.process.pid, metrics_dir)  # type: ignore[no-untyped-call]
            if self._stopping.is_set():
                return
            if code == REFUSED:
                _log.error("worker_refused_to_start", worker=worker.index)
                self._refused = True
                self._stop()
                return
            lived = time.monotonic() - worker.started_at
            if lived >= HEALTHY_RUN_SECONDS:
                worker.backoff = FIRST_BACKOFF_SECONDS
            _log.warning(
                "worker_exited",
                worker=worker.index,
                pid=worker.process.pid,
                exit_code=code,
                lived_seconds=round(lived, 1),
                restart_in_seconds=worker.backoff,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), worker.backoff)
            worker.backoff = min(worker.backoff * 2, MAX_BACKOFF_SECONDS)
            worker.restarts += 1

    def _stop(self) -> None:
        self._stopping.set()

    async def _drain(self) -> None:
        """SIGTERM to every worker; SIGKILL to those still there after the grace."""
        running = [worker.process for worker in self._workers if worker.running]
        for process in running:
            if process is not None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
        deadline = self.settings.server.shutdown_grace + EXIT_MARGIN_SECONDS
        waits = [process.wait() for process in running if process is not None]
        try:
            async with asyncio.timeout(deadline):
                await asyncio.gather(*waits)
        except TimeoutError:
            for process in running:
                if process is not None and process.returncode is None:
                    _log.error("worker_killed_after_grace", pid=process.pid)
                    process.kill()


def _die_with_the_supervisor() -> None:
    """In the worker, before it runs: SIGTERM (a drain) when the supervisor dies without
    forwarding one (SIGKILL, a crash), so that no worker outlives it and keeps the port."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _reserve_port(listen: str) -> tuple[socket.socket, str]:
    """Bind the listen address with SO_REUSEPORT (not listening, so it takes no connections):
    port 0 becomes one concrete port for every worker, and no other program can take the port
    between two workers' restarts."""
    host, _, port = listen.rpartition(":")
    family, kind, proto, _, address = socket.getaddrinfo(
        host.strip("[]"), int(port), type=socket.SOCK_STREAM
    )[0]
    reserved = socket.socket(family, kind, proto)
    # As the workers bind it (grpc sets both).
    reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    reserved.bind(address)
    return reserved, f"{host}:{reserved.getsockname()[1]}"
