"""The examples of a Markdown document, and a shell that runs them as a reader would.

Fenced blocks are run by their language: `sh` blocks as they are (a failing command fails the
example), `console` blocks command by command (each `$ ` line, with its `\\` continuations),
comparing what each prints with the output shown under it, and `python` blocks as scripts.
Blocks of other languages, or without one, are shown, not run; a runnable block that is only an
illustration is marked on the line before it with `<!-- docs-test: skip (why) -->`.

What a reader fills in is filled in the same way: an assignment whose value ends in `...`
(`TOKEN=...   # alice's token`) gets the token of the user its name suggests; the ids and times
that differ on each run are compared as placeholders, and an id the document shows (a group's)
stands for the one the real run printed at the same place.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SKIP_MARK = "<!-- docs-test: skip"
RUNNABLE = ("sh", "console", "python")
_FENCE = re.compile(r"^```(\w*)")
_PLACEHOLDER = re.compile(r"^(\s*(?:export\s+)?)(\w+)=\S*\.\.\.(\s.*)?$", re.MULTILINE)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z")
_DONE = "@@docs-test done "
_MAKE = re.compile(r"^(\$ )?make\b")
STEP_TIMEOUT = 30.0


@dataclass(frozen=True)
class Example:
    """One thing to run: a block (sh, python) or one command of a console block."""

    where: str  # file:line, for failure messages
    language: str
    code: str
    shown: str | None = None  # the output a console block shows for the command


def examples(path: Path) -> list[Example]:
    """The runnable examples of a Markdown file, in order. Make targets (`make run`, `make
    test`) must be marked skip: the test brings its own server and must not run the suite."""
    found: list[Example] = []
    lines = path.read_text().splitlines()
    index = 0
    while index < len(lines):
        fence = _FENCE.match(lines[index])
        if fence is None:
            index += 1
            continue
        start = index + 1
        end = start
        while not lines[end].startswith("```"):
            end += 1
        skipped = index > 0 and lines[index - 1].startswith(SKIP_MARK)
        language = fence.group(1)
        if language in RUNNABLE and not skipped:
            where = f"{path.name}:{start}"
            body = lines[start:end]
            assert not any(_MAKE.match(line) for line in body), f"{where}: mark it skip"
            if language == "console":
                found.extend(_console(body, path.name, start))
            else:
                found.append(Example(where, language, "\n".join(body) + "\n"))
        index = end + 1
    return found


def _console(body: list[str], name: str, first_line: int) -> list[Example]:
    """Each `$ command` of a console block (continued by trailing backslashes) and the output
    shown under it."""
    commands: list[Example] = []
    index = 0
    while index < len(body):
        if not body[index].startswith("$ "):
            index += 1
            continue
        where = f"{name}:{first_line + index + 1}"
        command = [body[index][2:]]
        while command[-1].endswith("\\"):
            index += 1
            command.append(body[index])
        index += 1
        shown: list[str] = []
        while index < len(body) and not body[index].startswith("$ "):
            shown.append(body[index])
            index += 1
        commands.append(Example(where, "console", "\n".join(command) + "\n", "\n".join(shown)))
    return commands


def fill_in(code: str, token_for: Callable[[str], str]) -> str:
    """Replace `NAME=...` placeholders with the token of the user that NAME suggests."""
    return _PLACEHOLDER.sub(
        lambda m: f"{m.group(1)}{m.group(2)}={token_for(m.group(2))}{m.group(3) or ''}", code
    )


def masked(text: str) -> tuple[str, list[str]]:
    """The text with ids and times replaced by placeholders, and the ids, in order."""
    ids = _UUID.findall(text)
    return _TIME.sub("<time>", _UUID.sub("<id>", text)).strip(), ids


class Shell:
    """One bash session for a document: what an example sets (PATH, variables) stays for the
    next, as in a reader's terminal."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process
        self.ids: dict[str, str] = {}  # an id the document shows -> the one this run printed

    @classmethod
    async def start(cls, cwd: Path, env: dict[str, str]) -> Shell:
        process = await asyncio.create_subprocess_exec(
            "bash",
            "--norc",
            "--noprofile",
            cwd=cwd,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # its own process group, so that close() ends what it left
        )
        return cls(process)

    async def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGKILL)
        await self._process.wait()

    async def run(self, code: str) -> tuple[int, str]:
        """Run `code` in the session (stdin closed, stderr with stdout); its status and output."""
        for shown, real in self.ids.items():
            code = code.replace(shown, real)
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        # `(exit $status)` keeps the status for an example that reads `$?` next.
        self._process.stdin.write(
            f"{{\n{code}\n}} </dev/null\n__status=$?\n"
            f"printf '\\n{_DONE}%s\\n' $__status\n(exit $__status)\n".encode()
        )
        await self._process.stdin.drain()
        output: list[str] = []
        async with asyncio.timeout(STEP_TIMEOUT):
            while True:
                line = (await self._process.stdout.readline()).decode()
                if not line:
                    raise AssertionError("the shell exited:\n" + "".join(output))
                if line.startswith(_DONE):
                    return int(line[len(_DONE) :]), "".join(output).removesuffix("\n")
                output.append(line)

    def learn_ids(self, shown: str, printed: str) -> None:
        """The ids of output shown in the document stand for those the run printed."""
        self.ids.update(zip(masked(shown)[1], masked(printed)[1], strict=True))
