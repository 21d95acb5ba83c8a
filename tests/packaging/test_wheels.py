"""The wheels `make dist` built (openchat-api, openchat-client, openchat-server), installed into
a new virtualenv as a user would install them, and run against each other: the server they
install serves, the `openchat` they install talks to it, and mypy sees their packages as typed.
Slow (a virtualenv and its dependencies): `make dist-test`, not `make test`."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support.processes import (
    ROOT,
    Completed,
    environment,
    free_port,
    run_cli,
    serve,
    server_environment,
)
from tests.support.settings import TEST_SECRET

# Installing the virtualenv (the first test that needs it pays) takes minutes on a busy machine.
pytestmark = [pytest.mark.dist, pytest.mark.timeout(600)]

DIST = ROOT / "dist"
DISTRIBUTIONS = ("openchat_api", "openchat_client", "openchat_server")
INSTALL_TIMEOUT = 480.0


def wheels() -> dict[str, Path]:
    found = {path.name.split("-")[0]: path for path in DIST.glob("*.whl")}
    assert sorted(found) == sorted(DISTRIBUTIONS), f"run `make dist` first (found {found})"
    return found


@pytest.fixture(scope="module")
async def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtualenv with the three wheels (and their dependencies, at the versions the
    repository pins) installed; its bin/ directory."""
    directory = tmp_path_factory.mktemp("venv")
    await run(sys.executable, "-m", "venv", str(directory))
    bin_dir = directory / "bin"
    constraints = str(ROOT / "constraints.txt")
    await run(
        str(bin_dir / "pip"), "install", "--quiet", "-c", constraints, *map(str, wheels().values())
    )
    return bin_dir


async def run(*command: str) -> str:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    async with asyncio.timeout(INSTALL_TIMEOUT):
        output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    return output.decode()


def test_the_wheels_share_one_version_and_the_stubs_are_typed() -> None:
    built = wheels()
    versions = {path.name.split("-")[1] for path in built.values()}
    assert len(versions) == 1, versions
    with zipfile.ZipFile(built["openchat_api"]) as api:
        assert "openchat/v1/py.typed" in api.namelist()
        metadata = api.read(f"openchat_api-{versions.pop()}.dist-info/METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata


async def test_the_installed_cli_talks_to_the_installed_server(venv: Path, tmp_path: Path) -> None:
    client = str(venv / "openchat")
    version = await run_cli("--version", env=environment(), program=client)
    assert re.fullmatch(r"openchat \S+ \(openchat-client\)\n", version.stdout), version

    env = server_environment(f"sqlite:///{tmp_path / 'openchat.db'}", free_port())
    program = str(venv / "openchat-server")
    async with serve(env, tmp_path / "server.log", program=program) as server:
        issued = await run_cli(
            "token", "alice", env=environment(OPENCHAT_JWT_SECRET=TEST_SECRET), program=program
        )
        flags = ["--json", "--target", server.target, "--token", issued.stdout.strip()]

        async def openchat(*args: str) -> Completed:
            result = await run_cli(*flags, *args, env=environment(), program=client)
            assert result.returncode == 0, result.stderr
            return result

        group = json.loads((await openchat("groups", "create", "team", "bob")).stdout)
        ack = json.loads((await openchat("send", group["conversation_id"], "hi")).stdout)
        assert (group["member_ids"], ack["seq"]) == (["alice", "bob"], 1)
        assert await server.terminate() == 0


async def test_mypy_sees_the_installed_packages_as_typed(venv: Path, tmp_path: Path) -> None:
    program = tmp_path / "app.py"
    program.write_text(
        "from openchat.client import Client\n"
        "from openchat.v1 import messaging_service_pb2\n"
        "request = messaging_service_pb2.SendMessageRequest(conversation_id='c')\n"
        "reveal_type(request.conversation_id)\n"
        "reveal_type(Client)\n"
    )
    mypy = Path(sys.executable).with_name("mypy")
    output = await run(
        str(mypy), "--strict", "--no-incremental", "--python-executable", str(venv / "python"),
        "--config-file", "", str(program),
    )  # fmt: skip
    # Untyped packages would fail the run ("missing library stubs or py.typed marker").
    assert re.search(r'Revealed type is "(builtins\.)?str"', output), output
    assert "openchat.client._client.Client" in output
