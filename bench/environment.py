"""What a benchmark run stands on: a temporary database, the server as a subprocess, and the CPU
accounting of the processes involved."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import asyncpg
import grpc
import psutil
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
START_DEADLINE_SECONDS = 60.0
STOP_DEADLINE_SECONDS = 20.0
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class BenchDatabase:
    """A database that exists for one run: a SQLite file, or a PostgreSQL database of our own
    on a shared server (`admin_url` reaches that server to find our backends' processes)."""

    backend: str
    url: str
    admin_url: str | None = None

    def backend_pids(self) -> list[int]:
        """Processes of the PostgreSQL backends serving this database (none for SQLite)."""
        if self.admin_url is None:
            return []
        return asyncio.run(_backend_pids(self.admin_url, make_url(self.url).database or ""))


async def _backend_pids(admin_url: str, database: str) -> list[int]:
    connection = await asyncpg.connect(admin_url)
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1", database
        )
    finally:
        await connection.close()
    return [row["pid"] for row in rows]


async def _admin(admin_url: str, statement: str) -> None:
    connection = await asyncpg.connect(admin_url, timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.contextmanager
def temporary_database(backend: str, workdir: Path, postgres_url: str) -> Iterator[BenchDatabase]:
    """A fresh, empty database for one run, removed afterwards."""
    if backend == "sqlite":
        yield BenchDatabase(backend, f"sqlite+aiosqlite:///{workdir / 'bench.db'}")
        return
    admin = make_url(postgres_url).set(drivername="postgresql")
    admin_url = admin.render_as_string(hide_password=False)
    name = f"openchat_bench_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        url = admin.set(database=name).render_as_string(hide_password=False)
        yield BenchDatabase(backend, url, admin_url)
    finally:
        asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass(frozen=True)
class ServerProcess:
    """A running `openchat-server serve`."""

    process: subprocess.Popen[bytes]
    target: str
    log_path: Path
    metrics_address: str

    @property
    def pid(self) -> int:
        return self.process.pid

    def pids(self) -> list[int]:
        """The server's processes: the one started, and its workers under `--workers N`."""
        with contextlib.suppress(psutil.NoSuchProcess):
            workers = psutil.Process(self.pid).children(recursive=True)
            return [self.pid, *(worker.pid for worker in workers)]
        return [self.pid]

    def metric_sum(self, name: str, **labels: str) -> float:
        """The sum of the series of the server's metric `name` with these labels."""
        return metric_sum(self.scrape(), name, **labels)

    def scrape(self) -> list[Sample]:
        """Every sample of the server's metrics, read at one instant."""
        url = f"http://{self.metrics_address}/metrics"
        with urllib.request.urlopen(url, timeout=10) as response:
            text = response.read().decode()
        return [
            sample for family in text_string_to_metric_families(text) for sample in family.samples
        ]


def metric_sum(samples: list[Sample], name: str, **labels: str) -> float:
    """The sum of the series of metric `name` with these labels among `samples`."""
    return sum(
        sample.value
        for sample in samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


# The per-user limits (docs/security.md) that a benchmark's few users, each sending as fast as
# the server acks, would trip: the benchmarks measure the server, not its limiter. The fairness
# benchmark (bench.fairness) turns them on, since they are what it measures.
WITHOUT_USER_LIMITS = {
    "OPENCHAT_SEND_RATE": "0",
    "OPENCHAT_GROUPS_PER_HOUR": "0",
    "OPENCHAT_MAX_SESSIONS_PER_USER": "0",
    "OPENCHAT_MAX_CONVERSATIONS_PER_USER": "0",
    "OPENCHAT_SESSION_FRAME_RATE": "0",
}


@contextlib.contextmanager
def running_server(
    database: BenchDatabase,
    secret: str,
    log_path: Path,
    extra_env: Mapping[str, str],
    extra_args: Sequence[str] = (),
) -> Iterator[ServerProcess]:
    """`openchat-server serve EXTRA_ARGS...` on a free loopback port, SERVING before this
    yields; stopped with SIGTERM (drain) afterwards. Its log, one JSON line per RPC, goes to
    `log_path`."""
    # Only our own OPENCHAT_* settings: a developer's environment must not change the run.
    env = {key: value for key, value in os.environ.items() if not key.startswith("OPENCHAT_")}
    target = f"127.0.0.1:{free_port()}"
    metrics_address = f"127.0.0.1:{free_port()}"
    env |= {
        "OPENCHAT_LISTEN": target,
        # Its own metrics port, so that a run never collides with a server already running.
        "OPENCHAT_METRICS_LISTEN": metrics_address,
        "OPENCHAT_DATABASE_URL": database.url,
        "OPENCHAT_JWT_SECRET": secret,
        "OPENCHAT_LOG_FORMAT": "json",
        **WITHOUT_USER_LIMITS,
        **extra_env,
    }
    command = [str(Path(sys.executable).with_name("openchat-server")), "serve", *extra_args]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        server = ServerProcess(process, target, log_path, metrics_address)
        _wait_for_serving(server, time.monotonic() + START_DEADLINE_SECONDS)
        yield server
    finally:
        _stop(process)


def free_port() -> int:
    """A port nothing listens on now (the server binds it a moment later; the server does not
    share ports, so a port taken in between fails the start loudly instead of misrouting)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def expect_line(stream: IO[str], word: str) -> None:
    """Reads the next line a load or server process prints, which must be `word`."""
    line = stream.readline().strip()
    if line != word:
        raise RuntimeError(f"the process said {line!r} instead of {word!r}")


def _wait_for_serving(server: ServerProcess, deadline: float) -> None:
    with grpc.insecure_channel(server.target) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited with {server.process.returncode}:\n{_tail(server.log_path)}"
                )
            with contextlib.suppress(grpc.RpcError):
                status = health.Check(health_pb2.HealthCheckRequest(), timeout=1).status
                if status == health_pb2.HealthCheckResponse.SERVING:
                    return
            time.sleep(POLL_SECONDS)
    raise TimeoutError(f"the server did not report SERVING in time:\n{_tail(server.log_path)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@dataclass(frozen=True)
class CpuSnapshot:
    """CPU seconds (user + system) consumed so far by some processes and by the whole machine."""

    wall: float
    machine_busy: float
    processes: Mapping[int, float]


def cpu_snapshot(pids: Iterable[int]) -> CpuSnapshot:
    machine = psutil.cpu_times()
    busy = sum(machine) - machine.idle - getattr(machine, "iowait", 0.0)
    processes: dict[int, float] = {}
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = psutil.Process(pid).cpu_times()
            processes[pid] = times.user + times.system
    return CpuSnapshot(time.monotonic(), busy, processes)


def cpu_seconds(before: CpuSnapshot, after: CpuSnapshot, pids: Iterable[int]) -> float:
    """CPU seconds the processes spent between the snapshots (a process that started in between
    counts whole)."""
    return sum(
        after.processes[pid] - before.processes.get(pid, 0.0)
        for pid in pids
        if pid in after.processes
    )
