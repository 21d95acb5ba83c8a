"""Configuration: one frozen, typed object per section, read from the environment (OPENCHAT_*)
and command-line flags in this one place, and validated before anything starts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from openchat.server.settings.base import (
    Section,
    SettingsConflict,
    SettingsError,
    async_url,
    masked_url,
)
from openchat.server.settings.sections import (
    AuthSettings,
    DatabaseSettings,
    LimitsSettings,
    LoggingSettings,
    RedisSettings,
    RoutingSettings,
    ServerSettings,
    SessionSettings,
    TlsSettings,
)

__all__ = [
    "AuthSettings",
    "DatabaseSettings",
    "LimitsSettings",
    "LoggingSettings",
    "RedisSettings",
    "RoutingSettings",
    "ServerSettings",
    "SessionSettings",
    "Settings",
    "SettingsConflict",
    "SettingsError",
    "TlsSettings",
    "async_url",
    "load_settings",
    "masked_url",
]


@dataclass(frozen=True)
class Settings:
    """The whole configuration."""

    server: ServerSettings
    tls: TlsSettings
    database: DatabaseSettings
    redis: RedisSettings
    auth: AuthSettings
    limits: LimitsSettings
    sessions: SessionSettings
    routing: RoutingSettings
    logging: LoggingSettings


_SECTIONS: dict[str, type[Section]] = {
    "server": ServerSettings,
    "tls": TlsSettings,
    "database": DatabaseSettings,
    "redis": RedisSettings,
    "auth": AuthSettings,
    "limits": LimitsSettings,
    "sessions": SessionSettings,
    "routing": RoutingSettings,
    "logging": LoggingSettings,
}


def load_settings(overrides: dict[str, dict[str, Any]] | None = None) -> Settings:
    """Read every section from the environment, with `overrides[section][field]` (from flags)
    taking precedence. Raises SettingsError naming each invalid setting by its variable."""
    overrides = overrides or {}
    sections: dict[str, Section] = {}
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
