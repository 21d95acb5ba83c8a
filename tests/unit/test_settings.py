"""Configuration from OPENCHAT_* variables: parsed into typed sections, every invalid value
reported by its variable's name, and `openchat-server config` never prints a secret."""

from __future__ import annotations

import os
import pathlib

import pytest

from openchat.server.cli import main
from openchat.server.settings import SettingsError, load_settings

STRONG_SECRET = "s3cret-" * 6  # 42 bytes


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No OPENCHAT_* setting from the surrounding environment (the test suite's own
    OPENCHAT_TEST_* variables are not settings and stay)."""
    for name in os.environ:
        if name.startswith("OPENCHAT_") and not name.startswith("OPENCHAT_TEST_"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_defaults_need_no_environment() -> None:
    settings = load_settings()
    assert settings.server.listen == "127.0.0.1:50051"
    assert settings.database.url == "sqlite+aiosqlite:///openchat.db"
    assert settings.database.max_in_flight == 1
    assert settings.redis.url is None
    assert settings.redis.sequence_allocator == "transactional"
    assert settings.auth.jwt_secret is None
    assert settings.limits.max_content_bytes == 64 * 1024
    limits = settings.limits
    assert (limits.send_rate, limits.send_burst, limits.max_sessions_per_user) == (20, 100, 32)
    assert (limits.groups_per_hour, limits.max_conversations_per_user) == (100, 10_000)


def test_variables_are_parsed_into_typed_values(environment: pytest.MonkeyPatch) -> None:
    for name, value in {
        "OPENCHAT_LISTEN": "0.0.0.0:6000",
        "OPENCHAT_DATABASE_URL": "postgresql://chat@db.internal:5433/chat",
        "OPENCHAT_DATABASE_POOL_SIZE": "3",
        "OPENCHAT_AUTO_MIGRATE": "false",
        "OPENCHAT_COMMIT_TIMEOUT": "2.5",
        "OPENCHAT_GROUP_COMMIT_IN_FLIGHT": "3",
        "OPENCHAT_REDIS_URL": "redis://cache:6379/2",
        "OPENCHAT_SEQUENCE_ALLOCATOR": "redis",
        "OPENCHAT_JWT_SECRET": STRONG_SECRET,
        "OPENCHAT_MAX_CONTENT_BYTES": "1024",
        "OPENCHAT_LOG_LEVEL": "debug",
        "OPENCHAT_LOG_FORMAT": "json",
    }.items():
        environment.setenv(name, value)
    settings = load_settings()
    assert settings.server.listen == "0.0.0.0:6000"
    assert settings.database.url == "postgresql://chat@db.internal:5433/chat"
    assert settings.database.max_in_flight == 3
    assert settings.database.pool_size == 3
    assert settings.database.auto_migrate is False
    assert settings.database.commit_timeout == 2.5
    assert settings.redis.url is not None
    assert settings.redis.url.get_secret_value() == "redis://cache:6379/2"
    assert settings.redis.sequence_allocator == "redis"
    assert settings.auth.jwt_secret is not None
    assert settings.auth.jwt_secret.get_secret_value() == STRONG_SECRET
    assert settings.limits.max_content_bytes == 1024
    assert (settings.logging.level, settings.logging.format) == ("debug", "json")


def test_overrides_from_flags_win_over_the_environment(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("OPENCHAT_LISTEN", "0.0.0.0:6000")
    settings = load_settings({"server": {"listen": "127.0.0.1:7000"}})
    assert settings.server.listen == "127.0.0.1:7000"


def test_sections_are_frozen() -> None:
    settings = load_settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.server.listen = "0.0.0.0:1"  # type: ignore[misc]  # the point of the test


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("OPENCHAT_LISTEN", "nonsense"),
        ("OPENCHAT_LISTEN", "127.0.0.1:99999"),
        ("OPENCHAT_LISTEN", ":50051"),
        ("OPENCHAT_DATABASE_URL", "mysql://root@localhost/chat"),
        ("OPENCHAT_DATABASE_URL", "not a url"),
        ("OPENCHAT_DATABASE_POOL_SIZE", "0"),
        ("OPENCHAT_DATABASE_POOL_SIZE", "many"),
        ("OPENCHAT_GROUP_COMMIT_MAX_BATCH", "-1"),
        ("OPENCHAT_COMMIT_TIMEOUT", "0"),
        ("OPENCHAT_AUTO_MIGRATE", "maybe"),
        ("OPENCHAT_SEQUENCE_ALLOCATOR", "zookeeper"),
        ("OPENCHAT_MAX_GROUP_MEMBERS", "1"),
        ("OPENCHAT_RESPONSE_BUDGET_BYTES", "1000"),
        ("OPENCHAT_SHUTDOWN_GRACE", "-5"),
        ("OPENCHAT_LOG_LEVEL", "loud"),
        ("OPENCHAT_LOG_FORMAT", "xml"),
        ("OPENCHAT_TLS_CERT_FILE", "/nonexistent/server.crt"),
        ("OPENCHAT_TLS_CLIENT_CA_FILE", "/nonexistent/clients.crt"),
        ("OPENCHAT_JWT_JWKS_URL", "ftp://id.example/jwks.json"),
        ("OPENCHAT_JWT_JWKS_TTL", "0"),
        ("OPENCHAT_SEND_RATE", "-1"),
        ("OPENCHAT_SEND_BURST", "0"),
        ("OPENCHAT_MAX_SESSIONS_PER_USER", "lots"),
        ("OPENCHAT_GROUPS_PER_HOUR", "-1"),
        ("OPENCHAT_MAX_CONVERSATIONS_PER_USER", "1.5"),
        ("OPENCHAT_SESSION_FRAME_RATE", "-0.5"),
        ("OPENCHAT_SESSION_FRAME_BURST", "0"),
    ],
)
def test_an_invalid_value_is_reported_by_its_variable(
    environment: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    environment.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert variable in str(raised.value)


def test_every_invalid_value_is_reported_at_once(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("OPENCHAT_LISTEN", "nonsense")
    environment.setenv("OPENCHAT_LOG_LEVEL", "loud")
    environment.setenv("OPENCHAT_DATABASE_POOL_SIZE", "0")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    for variable in ("OPENCHAT_LISTEN", "OPENCHAT_LOG_LEVEL", "OPENCHAT_DATABASE_POOL_SIZE"):
        assert variable in message


@pytest.mark.parametrize("secret", ["short", "x" * 31, "€" * 10])
def test_a_secret_shorter_than_32_bytes_is_rejected(
    environment: pytest.MonkeyPatch, secret: str
) -> None:
    environment.setenv("OPENCHAT_JWT_SECRET", secret)
    with pytest.raises(SettingsError, match="OPENCHAT_JWT_SECRET") as raised:
        load_settings()
    assert "32 bytes" in str(raised.value)
    assert secret not in str(raised.value), "the error must not repeat the secret"


@pytest.mark.parametrize("secret", ["x" * 32, "€" * 11])
def test_a_secret_of_32_bytes_or_more_is_accepted(
    environment: pytest.MonkeyPatch, secret: str
) -> None:
    """Bytes, not characters: eleven euro signs are 33 bytes of UTF-8."""
    environment.setenv("OPENCHAT_JWT_SECRET", secret)
    settings = load_settings()
    assert settings.auth.jwt_secret is not None
    assert settings.auth.jwt_secret.get_secret_value() == secret


def test_tls_files_must_be_readable_pem(
    environment: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    not_pem = tmp_path / "server.crt"
    not_pem.write_text("not a certificate")
    environment.setenv("OPENCHAT_TLS_CERT_FILE", str(not_pem))
    environment.setenv("OPENCHAT_TLS_KEY_FILE", str(tmp_path / "missing.key"))
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert "OPENCHAT_TLS_CERT_FILE: Value error, " in message
    assert "holds no PEM block" in message
    assert "OPENCHAT_TLS_KEY_FILE: Value error, cannot read" in message


@pytest.mark.parametrize(
    ("variables", "needed"),
    [
        ({"OPENCHAT_TLS_CERT_FILE": "server.crt"}, "OPENCHAT_TLS_KEY_FILE"),
        ({"OPENCHAT_TLS_KEY_FILE": "server.key"}, "OPENCHAT_TLS_CERT_FILE"),
        ({"OPENCHAT_TLS_CLIENT_CA_FILE": "clients.crt"}, "OPENCHAT_TLS_CERT_FILE"),
        ({"OPENCHAT_JWT_JWKS_URL": "https://id.example/jwks"}, "OPENCHAT_JWT_AUDIENCE"),
    ],
)
def test_settings_that_need_another_say_which(
    environment: pytest.MonkeyPatch,
    tmp_path: pathlib.Path,
    variables: dict[str, str],
    needed: str,
) -> None:
    for variable, value in variables.items():
        if variable.startswith("OPENCHAT_TLS_"):
            (tmp_path / value).write_text("-----BEGIN PLACEHOLDER-----\n")
        environment.setenv(variable, str(tmp_path / value) if "TLS" in variable else value)
    with pytest.raises(SettingsError, match=needed):
        load_settings()


def test_config_prints_every_setting_with_secrets_masked(
    environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.setenv("OPENCHAT_JWT_SECRET", STRONG_SECRET)
    environment.setenv("OPENCHAT_REDIS_URL", "redis://:redis-password@cache:6379/0")
    environment.setenv("OPENCHAT_DATABASE_URL", "postgresql://chat:db-password@db:5432/chat")

    assert main(["config"]) == 0

    printed = capsys.readouterr().out
    for secret in (STRONG_SECRET, "redis-password", "db-password"):
        assert secret not in printed
    assert "OPENCHAT_LISTEN = 127.0.0.1:50051" in printed
    assert "OPENCHAT_DATABASE_URL = postgresql://chat:***@db:5432/chat" in printed
    assert "OPENCHAT_JWT_SECRET = **********" in printed
    for variable in ("OPENCHAT_TLS_CERT_FILE", "OPENCHAT_JWT_JWKS_URL", "OPENCHAT_JWT_AUDIENCE"):
        assert f"{variable} = None" in printed


def test_config_with_an_invalid_setting_exits_2_naming_it(
    environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.setenv("OPENCHAT_LISTEN", "nonsense")
    assert main(["config"]) == 2
    assert "OPENCHAT_LISTEN" in capsys.readouterr().err
