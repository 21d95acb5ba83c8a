"""Child processes for tests: started, awaited and reaped with deadlines."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@contextlib.asynccontextmanager
async def python_process(
    module: str, args: Sequence[str], *, env: dict[str, str] | None = None
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m module args...` from the repository root; killed (and its frozen state
    released) on exit."""
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
