"""The documentation's examples, run as written: README.md, then docs/client.md, then
docs/grpcurl.md, one after the other against one server on a fresh database, as a new user would
follow them (see tests/support/doc_examples.py for what runs and how). A command the reader
cannot run as pasted (one not on the PATH the document sets, a NameError, a client_msg_id
reused across documents) fails here."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.clients import token
from tests.support.doc_examples import Example, Shell, examples, fill_in, masked
from tests.support.processes import ROOT, ServerProcess, free_port, serve, server_environment

pytestmark = pytest.mark.slow

DOCUMENTS = ["README.md", "docs/client.md", "docs/grpcurl.md"]
DOCUMENTED_TARGET = "127.0.0.1:50051"  # where `make run` listens; the test's server is elsewhere


@pytest.fixture(scope="module")
async def docs_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ServerProcess]:
    """`openchat-server serve` on a free port and a new SQLite database, for all documents."""
    directory = tmp_path_factory.mktemp("docs")
    env = server_environment(f"sqlite:///{directory / 'openchat.db'}", free_port())
    async with serve(env, directory / "server.log") as server:
        yield server
        assert await server.terminate() == 0


def reader_environment(home: Path, target: str) -> dict[str, str]:
    """A reader's shell: no venv on the PATH (the documents must say how to get one), no
    OPENCHAT_* configuration except the server's address, and a home of its own."""
    venv_bin = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != venv_bin)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENCHAT_", "VIRTUAL_ENV"))}
    env.update(PATH=path, HOME=str(home), OPENCHAT_TARGET=target)
    return env


def token_for(variable: str) -> str:
    """`BOB=...` is bob's token; every other placeholder is alice's, who follows the docs."""
    return token("bob" if "BOB" in variable else "alice")


@pytest.mark.parametrize("document", DOCUMENTS)
async def test_examples_run_as_written(
    docs_server: ServerProcess, document: str, tmp_path: Path
) -> None:
    found = examples(ROOT / document)
    assert found, f"{document} has no runnable example"
    shell = await Shell.start(ROOT, reader_environment(tmp_path, docs_server.target))
    try:
        for number, example in enumerate(found):
            code = fill_in(example.code, token_for).replace(DOCUMENTED_TARGET, docs_server.target)
            await run(shell, example, code, tmp_path / f"example_{number}.py")
    finally:
        await shell.close()


async def run(shell: Shell, example: Example, code: str, script: Path) -> None:
    if example.language == "python":
        script.write_text(code)  # noqa: ASYNC240 - a few bytes
        code = f"{sys.executable} {script}"
    elif example.language == "sh":
        code = f"set -eo pipefail\n{code}\nset +eo pipefail"
    status, printed = await shell.run(code)
    assert status == 0 or example.shown, f"{example.where} exited {status}:\n{printed}"
    if example.shown is not None:
        assert masked(printed)[0] == masked(example.shown)[0], (
            f"{example.where} printed something else than the document shows:\n{printed}"
        )
        shell.learn_ids(example.shown, printed)
