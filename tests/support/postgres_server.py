"""A throwaway PostgreSQL server of a test's own (never the shared one), so that a test can
stop it and start it again. PostgreSQL refuses to run as root, so when the tests run as root it
runs as the `postgres` system user."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

BIN = Path("/usr/lib/postgresql/15/bin")
READY_SECONDS = 30.0


def _as_postgres(command: Sequence[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


async def _run(*command: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *_as_postgres(command),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate()
    if process.returncode != 0:
        raise AssertionError(f"{command[0]} failed: {stderr.decode()[-2000:]}")


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary directory, on a free port."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._data = directory / "data"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    async def create(self) -> None:
        await _run(
            str(BIN / "initdb"), "-D", str(self._data), "-U", "postgres", "--auth=trust", "-N"
        )

    async def start(self) -> None:
        await _run(
            str(BIN / "pg_ctl"),
            "-D",
            str(self._data),
            "-o",
            f"-p {self.port} -k {self._directory} -c listen_addresses=127.0.0.1 -c fsync=off",
            "-w",
            "-t",
            str(int(READY_SECONDS)),
            "start",
        )

    async def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` as an operator does, `immediate` as a crash does (no
        checkpoint; the next start recovers from the WAL)."""
        await _run(str(BIN / "pg_ctl"), "-D", str(self._data), "-m", mode, "-w", "stop")


@contextlib.asynccontextmanager
async def throwaway_postgres() -> AsyncIterator[ThrowawayPostgres]:
    """A started throwaway server; stopped and deleted on exit."""
    if not (BIN / "initdb").exists():
        pytest.skip("PostgreSQL server binaries are not installed")
    directory = Path(tempfile.mkdtemp(prefix="openchat-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    server = ThrowawayPostgres(directory)
    try:
        await server.create()
        await server.start()
        yield server
    finally:
        with contextlib.suppress(AssertionError):
            await server.stop()
        shutil.rmtree(directory, ignore_errors=True)
