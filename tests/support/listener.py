"""`openchat listen --json` as a child process: its output lines, parsed, read with deadlines."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

DEFAULT_WAIT = 15.0

Line = dict[str, Any]


class JsonLines:
    """The JSON lines a child process prints; `seen` keeps every line read so far."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        self._process = process
        self._stdout = process.stdout
        self.seen: list[Line] = []

    async def until(
        self, wanted: Callable[[Line], bool], within: float = DEFAULT_WAIT
    ) -> list[Line]:
        """Read lines until one satisfies `wanted`; returns the lines read, that one last."""
        read: list[Line] = []
        async with asyncio.timeout(within):
            while True:
                raw = await self._stdout.readline()
                if not raw:
                    stderr = b""
                    if self._process.stderr is not None:
                        stderr = await self._process.stderr.read()
                    raise AssertionError(f"the process ended: {stderr.decode()[-3000:]}")
                read.append(json.loads(raw))
                self.seen.append(read[-1])
                if wanted(read[-1]):
                    return read


def of_type(name: str) -> Callable[[Line], bool]:
    return lambda line: line["type"] == name


def messages(lines: list[Line]) -> list[Line]:
    return [line for line in lines if line["type"] == "message"]
