"""The `openchat-server` command line: tokens, configuration, validation, dev mode."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from openchat.server.auth.tokens import issue_token
from openchat.v1 import conversation_service_pb2
from tests.support.api import Api
from tests.support.processes import environment, free_port, run_cli, serve, server_environment
from tests.support.servers import start_app
from tests.support.settings import TEST_SECRET, settings_for

pytestmark = pytest.mark.slow

DATABASE_PASSWORD = "db-pa55word"
REDIS_PASSWORD = "redis-pa55word"


async def test_token_prints_a_token_the_server_accepts(tmp_path: Path) -> None:
    result = await run_cli("token", "carol", env=environment(OPENCHAT_JWT_SECRET=TEST_SECRET))
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    async with start_app(settings_for(f"sqlite:///{tmp_path / 'openchat.db'}")) as server:
        response = await Api(server.channel).conversations.CreateGroup(
            conversation_service_pb2.CreateGroupRequest(title="by cli token"),
            metadata=(("authorization", f"Bearer {token}"),),
        )
    assert response.conversation.creator_id == "carol"


async def test_token_without_a_secret_exits_2() -> None:
    result = await run_cli("token", "alice", env=environment())
    assert result.returncode == 2
    assert "OPENCHAT_JWT_SECRET" in result.stderr
    assert result.stdout == ""


async def test_config_shows_the_settings_with_every_secret_masked() -> None:
    env = environment(
        OPENCHAT_JWT_SECRET=TEST_SECRET,
        OPENCHAT_DATABASE_URL=f"postgresql://openchat:{DATABASE_PASSWORD}@db.example:5432/chat",
        OPENCHAT_REDIS_URL=f"redis://:{REDIS_PASSWORD}@cache.example:6379/0",
        OPENCHAT_MAX_GROUP_MEMBERS="77",
    )
    result = await run_cli("config", env=env)
    assert result.returncode == 0, result.stderr
    for secret in (TEST_SECRET, DATABASE_PASSWORD, REDIS_PASSWORD):
        assert secret not in result.stdout
    assert re.search(r"OPENCHAT_MAX_GROUP_MEMBERS = 77$", result.stdout, re.MULTILINE)
    # The non-secret parts of the database URL stay visible, so an operator can check them.
    assert "db.example:5432/chat" in result.stdout


@pytest.mark.parametrize(
    ("command", "variable", "value"),
    [
        ("serve", "OPENCHAT_LISTEN", "nonsense"),
        ("serve", "OPENCHAT_JWT_SECRET", "too-short"),
        ("serve", "OPENCHAT_DATABASE_URL", "mysql://db/chat"),
        ("serve", "OPENCHAT_MAX_CONTENT_BYTES", "lots"),
        ("config", "OPENCHAT_LISTEN", "127.0.0.1:99999"),
    ],
)
async def test_an_invalid_setting_exits_2_naming_the_variable(
    command: str, variable: str, value: str
) -> None:
    env = environment(OPENCHAT_JWT_SECRET=TEST_SECRET)
    env[variable] = value
    result = await run_cli(command, env=env)
    assert result.returncode == 2, result.stdout
    assert variable in result.stderr
    if variable == "OPENCHAT_JWT_SECRET":
        assert value not in result.stderr, "the message must not echo the secret"


async def test_serve_without_a_secret_or_dev_mode_exits_2(tmp_path: Path) -> None:
    env = environment(
        OPENCHAT_LISTEN=f"127.0.0.1:{free_port()}",
        OPENCHAT_DATABASE_URL=f"sqlite:///{tmp_path / 'openchat.db'}",
    )
    result = await run_cli("serve", env=env)
    assert result.returncode == 2
    assert "OPENCHAT_JWT_SECRET (at least 32 bytes) or OPENCHAT_JWT_JWKS_URL is required" in (
        result.stderr
    )
    assert "--dev" in result.stderr, "the message should say how to start without a secret"


async def test_dev_mode_prints_tokens_that_work(tmp_path: Path) -> None:
    env = server_environment(f"sqlite:///{tmp_path / 'openchat.db'}", free_port())
    del env["OPENCHAT_JWT_SECRET"]
    async with serve(env, tmp_path / "server.log", "--dev") as server:
        printed = server.log()
        tokens = dict(re.findall(r"Token for (\w+) \(valid 1 day\):\s+(\S+)", printed))
        assert set(tokens) == {"alice", "bob"}, printed
        api = Api(server.channel)
        response = await api.conversations.CreateGroup(
            conversation_service_pb2.CreateGroupRequest(title="dev", member_ids=["bob"]),
            metadata=(("authorization", f"Bearer {tokens['alice']}"),),
        )
        assert list(response.conversation.member_ids) == ["alice", "bob"]
        listed = await api.conversations.ListConversations(
            conversation_service_pb2.ListConversationsRequest(),
            metadata=(("authorization", f"Bearer {tokens['bob']}"),),
        )
        assert [c.title for c in listed.conversations] == ["dev"]
        assert await server.terminate() == 0


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (("token", ""), "user_id: is required"),
        (("token", "a\tb"), "user_id: must not contain control characters"),
        (("token", "x" * 129), "user_id: has 129 characters"),
        (("token", "alice", "--ttl", "-5"), "--ttl: must be a finite number above 0"),
        (("token", "alice", "--ttl", "0"), "--ttl: must be a finite number above 0"),
        (("token", "alice", "--ttl", "soon"), "--ttl: expected a number of seconds"),
    ],
)
async def test_token_refuses_what_would_make_an_unusable_token(
    args: tuple[str, ...], complaint: str
) -> None:
    result = await run_cli(*args, env=environment(OPENCHAT_JWT_SECRET=TEST_SECRET))
    assert result.returncode == 2
    assert complaint in result.stderr
    assert result.stdout == "", "no token is printed"


async def test_version() -> None:
    result = await run_cli("--version", env=environment())
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"openchat-server \d+\.\d+\.\S+\n", result.stdout)


async def test_serve_help_names_flags_and_variables_not_internal_fields() -> None:
    result = await run_cli("serve", "--help", env=environment())
    assert result.returncode == 0, result.stderr
    assert "__" not in result.stdout, result.stdout
    assert "--metrics-listen HOST:PORT" in result.stdout
    assert "OPENCHAT_METRICS_LISTEN" in result.stdout


async def test_the_metrics_flag_overrides_the_variable() -> None:
    env = environment(OPENCHAT_JWT_SECRET=TEST_SECRET, OPENCHAT_METRICS_LISTEN="127.0.0.1:9464")
    result = await run_cli("config", "--metrics-listen", "127.0.0.1:9999", env=env)
    assert result.returncode == 0, result.stderr
    assert "OPENCHAT_METRICS_LISTEN = 127.0.0.1:9999" in result.stdout


async def test_otel_variables_turn_tracing_on(tmp_path: Path) -> None:
    env = server_environment(
        f"sqlite:///{tmp_path / 'openchat.db'}",
        free_port(),
        OTEL_TRACES_EXPORTER="console",
        OTEL_SERVICE_NAME="openchat-under-test",
    )
    async with serve(env, tmp_path / "server.log") as server:
        await Api(server.channel).conversations.CreateGroup(
            conversation_service_pb2.CreateGroupRequest(title="traced"),
            metadata=(
                ("authorization", f"Bearer {issue_token(TEST_SECRET, 'ann', ttl_seconds=60)}"),
            ),
        )
        assert await server.terminate() == 0  # which exports what is still batched
        printed = server.log()
    assert '"name": "/openchat.v1.ConversationService/CreateGroup"' in printed, printed
    assert '"service.name": "openchat-under-test"' in printed


async def test_an_unknown_otel_exporter_exits_2_naming_the_variable(tmp_path: Path) -> None:
    env = server_environment(
        f"sqlite:///{tmp_path / 'openchat.db'}", free_port(), OTEL_TRACES_EXPORTER="zipkin"
    )
    result = await run_cli("serve", env=env)
    assert result.returncode == 2
    assert "OTEL_TRACES_EXPORTER" in result.stderr
