"""Configuration: one frozen, typed object per section, read from the environment (OPENCHAT_*)
and command-line flags in this one place, and validated before anything starts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_serializer, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.exc import ArgumentError

from openchat.server.storage.database import async_url, masked_url


class _Section(BaseSettings):
    # Environment variable names are given per field (validation_alias) so that they stay the
    # documented, flat OPENCHAT_* names; flags pass values by field name.
    model_config = SettingsConfigDict(frozen=True, populate_by_name=True, extra="forbid")


class ServerSettings(_Section):
    """The gRPC listener and its lifecycle."""

    listen: str = Field("127.0.0.1:50051", validation_alias="OPENCHAT_LISTEN")
    # Seconds that SIGTERM gives in-flight RPCs and queued sends to finish.
    shutdown_grace: float = Field(10.0, gt=0, validation_alias="OPENCHAT_SHUTDOWN_GRACE")
    # Seconds between health probes of the database (and Redis).
    health_interval: float = Field(2.0, gt=0, validation_alias="OPENCHAT_HEALTH_INTERVAL")

    @field_validator("listen")
    @classmethod
    def _host_and_port(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError(f"expected HOST:PORT, got {value!r}")
        return value


class DatabaseSettings(_Section):
    """Where messages live, and how sends are grouped into transactions."""

    url: str = Field("sqlite+aiosqlite:///openchat.db", validation_alias="OPENCHAT_DATABASE_URL")
    pool_size: int = Field(10, ge=1, validation_alias="OPENCHAT_DATABASE_POOL_SIZE")
    # Most drafts stored by one transaction.
    max_batch: int = Field(256, ge=1, validation_alias="OPENCHAT_GROUP_COMMIT_MAX_BATCH")
    # Transactions committing at once; None picks 1 for SQLite (one writer) and 4 otherwise.
    max_in_flight: int | None = Field(
        None, ge=1, validation_alias="OPENCHAT_GROUP_COMMIT_IN_FLIGHT"
    )
    # Seconds a send waits for its transaction before answering UNAVAILABLE.
    commit_timeout: float = Field(10.0, gt=0, validation_alias="OPENCHAT_COMMIT_TIMEOUT")
    # Apply pending migrations at start (off when an operator runs `openchat-server migrate`).
    auto_migrate: bool = Field(True, validation_alias="OPENCHAT_AUTO_MIGRATE")

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        try:
            async_url(value)
        except ArgumentError:
            # Not repeated in the message: the text may hold a password.
            raise ValueError(
                "is not a database URL; expected postgresql://USER@HOST:PORT/DB or sqlite:///PATH"
            ) from None
        return value

    @field_serializer("url")
    def _without_password(self, value: str) -> str:
        # Like the SecretStr fields, a dumped URL never shows its password.
        return masked_url(value)

    @property
    def is_sqlite(self) -> bool:
        return async_url(self.url).get_backend_name() == "sqlite"


class RedisSettings(_Section):
    """Redis, for running several nodes. Unset: in-process implementations."""

    url: SecretStr | None = Field(None, validation_alias="OPENCHAT_REDIS_URL")
    # Which SequenceAllocator stores messages: see openchat.server.storage.sequences.
    sequence_allocator: Literal["transactional", "redis"] = Field(
        "transactional", validation_alias="OPENCHAT_SEQUENCE_ALLOCATOR"
    )


class AuthSettings(_Section):
    """Bearer-token verification."""

    jwt_secret: SecretStr | None = Field(None, validation_alias="OPENCHAT_JWT_SECRET")

    @field_validator("jwt_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        # RFC 7518 section 3.2: an HS256 key must have at least 256 bits.
        if value is not None and len(value.get_secret_value().encode()) < 32:
            raise ValueError("must be at least 32 bytes (RFC 7518: HS256 keys have 256 bits)")
        return value


class LimitsSettings(_Section):
    """Request limits; each violation is answered INVALID_ARGUMENT or RESOURCE_EXHAUSTED."""

    max_content_bytes: int = Field(64 * 1024, ge=1, validation_alias="OPENCHAT_MAX_CONTENT_BYTES")
    max_group_members: int = Field(5000, ge=2, validation_alias="OPENCHAT_MAX_GROUP_MEMBERS")
    # Bytes of messages one ListMessages or Sync response carries at most, under the 4 MiB
    # that gRPC clients accept by default.
    response_budget_bytes: int = Field(
        3 * 1024 * 1024, ge=64 * 1024, validation_alias="OPENCHAT_RESPONSE_BUDGET_BYTES"
    )


class LoggingSettings(_Section):
    """Structured logs."""

    level: Literal["debug", "info", "warning", "error"] = Field(
        "info", validation_alias="OPENCHAT_LOG_LEVEL"
    )
    # json for machines, console for people, auto: console on a terminal, json otherwise.
    format: Literal["json", "console", "auto"] = Field(
        "auto", validation_alias="OPENCHAT_LOG_FORMAT"
    )


@dataclass(frozen=True)
class Settings:
    """The whole configuration."""

    server: ServerSettings
    database: DatabaseSettings
    redis: RedisSettings
    auth: AuthSettings
    limits: LimitsSettings
    logging: LoggingSettings


class SettingsError(Exception):
    """The configuration is invalid; the message names each bad setting."""


_SECTIONS: dict[str, type[_Section]] = {
    "server": ServerSettings,
    "database": DatabaseSettings,
    "redis": RedisSettings,
    "auth": AuthSettings,
    "limits": LimitsSettings,
    "logging": LoggingSettings,
}


def load_settings(overrides: dict[str, dict[str, Any]] | None = None) -> Settings:
    """Read every section from the environment, with `overrides[section][field]` (from flags)
    taking precedence. Raises SettingsError naming each invalid setting by its variable."""
    overrides = overrides or {}
    sections: dict[str, _Section] = {}
    problems: list[str] = []
    for name, section in _SECTIONS.items():
        try:
            sections[name] = section(**overrides.get(name, {}))
        except ValidationError as error:
            for issue in error.errors():
                field = str(issue["loc"][0]) if issue["loc"] else name
                known = section.model_fields.get(field)
                problems.append(f"{known.validation_alias if known else field}: {issue['msg']}")
    if problems:
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(problems))
    return Settings(**sections)  # type: ignore[arg-type]  # each key is its section's type
