"""Start-up failures an operator causes: the real `openchat-server serve` exits 2 within a few
seconds, in a few lines that name the variable (or path) at fault and say what to do."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.support.processes import Completed, free_port, run_cli, server_environment

pytestmark = pytest.mark.slow

# Seconds a refusal may take beyond starting the process (the interpreter and the imports,
# which `openchat-server --version` measures under the machine's load of the moment): each
# dependency gets openchat.server.startup.CONNECT_TIMEOUT_SECONDS (5 s) to answer.
SECONDS_BEYOND_START = 10.0
MOST_LINES = 5


async def _timed(*args: str, env: dict[str, str]) -> tuple[Completed, float]:
    started = time.monotonic()
    result = await run_cli(*args, env=env)
    return result, time.monotonic() - started


async def _refused(env: dict[str, str], *named: str) -> str:
    """Run `serve` with `env`; assert how it fails and return what it printed."""
    # What a person at a terminal reads: info-level logs, readable lines.
    env.update(OPENCHAT_LOG_LEVEL="info", OPENCHAT_LOG_FORMAT="console")
    _, start_cost = await _timed("--version", env=env)
    result, elapsed = await _timed("serve", env=env)
    printed = (result.stdout + result.stderr).strip()
    assert result.returncode == 2, printed
    assert len(printed.splitlines()) <= MOST_LINES, printed
    assert "Traceback" not in printed
    for name in named:
        assert name in result.stderr, printed
    beyond = elapsed - start_cost
    assert beyond < SECONDS_BEYOND_START, f"took {beyond:.1f} s beyond the start: {printed}"
    return result.stderr


def _sqlite_env(tmp_path: Path) -> dict[str, str]:
    return server_environment(f"sqlite:///{tmp_path / 'openchat.db'}", free_port())


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port another process (here: a socket of this one) listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.mark.parametrize(
    ("variable", "url"),
    [
        ("OPENCHAT_DATABASE_URL", "postgresql://openchat@127.0.0.1:{port}/openchat"),
        ("OPENCHAT_REDIS_URL", "redis://127.0.0.1:{port}/0"),
    ],
)
async def test_a_dependency_where_nothing_listens(tmp_path: Path, variable: str, url: str) -> None:
    port = free_port()
    env = _sqlite_env(tmp_path)
    env[variable] = url.format(port=port)
    stderr = await _refused(env, variable, f"127.0.0.1:{port}")
    assert "connection refused" in stderr


@pytest.mark.postgres
@pytest.mark.parametrize(("part", "fix"), [("database", "createdb"), ("username", "createuser")])
async def test_a_database_or_role_postgresql_does_not_know(
    tmp_path: Path, fresh_postgres_url: str, part: str, fix: str
) -> None:
    # Names nobody created on the shared server, which the test leaves as it found it.
    unknown = f"openchat_unknown_{uuid.uuid4().hex[:8]}"
    env = _sqlite_env(tmp_path)
    known = make_url(fresh_postgres_url)
    url = known.set(database=unknown) if part == "database" else known.set(username=unknown)
    env["OPENCHAT_DATABASE_URL"] = url.render_as_string(hide_password=False)
    stderr = await _refused(env, "OPENCHAT_DATABASE_URL", unknown)
    assert f"{fix} {unknown}" in stderr, "the fix is suggested"


async def test_a_sqlite_directory_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "directory"
    env = _sqlite_env(tmp_path)
    env["OPENCHAT_DATABASE_URL"] = f"sqlite:///{missing / 'openchat.db'}"
    stderr = await _refused(env, "OPENCHAT_DATABASE_URL", str(missing))
    assert "mkdir -p" in stderr
    assert not missing.exists(), "nothing was created on the way"


async def test_a_sqlite_directory_nobody_may_write(tmp_path: Path) -> None:
    # /proc refuses new files even to root (who may write into any directory chmod forbids).
    env = _sqlite_env(tmp_path)
    env["OPENCHAT_DATABASE_URL"] = "sqlite:////proc/openchat-test.db"
    await _refused(env, "OPENCHAT_DATABASE_URL", "/proc")


@pytest.mark.parametrize(
    "variable",
    [
        "OPENCHAT_LISTEN",
        # What a second `make run` meets: 9464 is taken by the first.
        "OPENCHAT_METRICS_LISTEN",
    ],
)
async def test_a_port_in_use(tmp_path: Path, taken_port: int, variable: str) -> None:
    env = _sqlite_env(tmp_path)
    env[variable] = f"127.0.0.1:{taken_port}"
    stderr = await _refused(env, variable, str(taken_port))
    assert "address already in use" in stderr


async def test_migrate_names_the_database_too(tmp_path: Path) -> None:
    port = free_port()
    env = _sqlite_env(tmp_path)
    env["OPENCHAT_DATABASE_URL"] = f"postgresql://openchat@127.0.0.1:{port}/openchat"
    result = await run_cli("migrate", env=env)
    assert result.returncode == 2, result.stderr
    assert "OPENCHAT_DATABASE_URL" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= MOST_LINES, result.stderr
