"""The example clients under clients/, one per language, each run against a real server process.

`make stubs-test` builds them first (Go binary, compiled TypeScript, Java jar, installed Ruby gem)
with the toolchains it installs; `make test` leaves this module out (the `stubs` marker). An
example exits 0 only when everything it received was right (and 3 when a server answers
UNIMPLEMENTED to the session stream, which this one must not).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from openchat.server.auth.tokens import issue_token
from tests.support.processes import ServerProcess, free_port, serve, server_environment
from tests.support.settings import TEST_SECRET

pytestmark = pytest.mark.stubs

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "clients"
# How each example runs once `make stubs-build` has built it (paths as in the Makefile).
EXAMPLES = {
    "go": [str(BUILD / "go" / "openchat-example")],
    "typescript": ["node", str(ROOT / "clients" / "typescript" / "dist" / "main.js")],
    "java": ["java", "-jar", str(BUILD / "java" / "openchat-example.jar")],
    "ruby": ["ruby", str(ROOT / "clients" / "ruby" / "openchat_example.rb")],
}
# The Ruby example loads the generated code as an installed gem, from here.
RUBY_GEM_HOME = BUILD / "ruby" / "gems"
EXIT_USAGE = 2


def run_example(language: str, *args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*EXAMPLES[language], *args],
        env={**os.environ, "GEM_HOME": str(RUBY_GEM_HOME), **environment},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
async def openchat_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[ServerProcess]:
    """`openchat-server serve` on SQLite, as a person following the README would run it."""
    directory = tmp_path_factory.mktemp("server")
    database_url = f"sqlite+aiosqlite:///{directory / 'openchat.db'}"
    async with serve(
        server_environment(database_url, free_port()), directory / "server.log"
    ) as server:
        yield server


def token(user_id: str) -> str:
    return issue_token(TEST_SECRET, user_id, ttl_seconds=3600)


@pytest.mark.parametrize("language", sorted(EXAMPLES))
def test_example_client_without_tokens_explains_its_usage(language: str) -> None:
    result = run_example(
        language, "--target", "127.0.0.1:1", OPENCHAT_TOKEN="", OPENCHAT_PEER_TOKEN=""
    )
    assert result.returncode == EXIT_USAGE, result.stdout + result.stderr
    assert "usage: OPENCHAT_TOKEN=... OPENCHAT_PEER_TOKEN=..." in result.stderr


@pytest.mark.parametrize("language", sorted(EXAMPLES))
def test_example_client_gets_right_answers_from_a_real_server(
    language: str, openchat_server: ServerProcess, user_ids: Iterator[str]
) -> None:
    user, peer = next(user_ids), next(user_ids)
    result = run_example(
        language,
        "--target",
        openchat_server.target,
        "--peer",
        peer,
        OPENCHAT_TOKEN=token(user),
        OPENCHAT_PEER_TOKEN=token(peer),
    )
    report = f"the {language} example exited {result.returncode}\n{result.stdout}{result.stderr}"
    assert result.returncode == 0, report
    assert result.stdout.splitlines()[-1].startswith("OK"), report
