"""What every settings section shares: the section base class, the settings errors and the URL
helpers."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url

_ASYNC_DRIVERS = {"postgresql": "postgresql+asyncpg", "sqlite": "sqlite+aiosqlite"}


def async_url(url: str) -> URL:
    """The URL with an async driver: plain `postgresql://` and `sqlite://` URLs are accepted."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"unsupported database {backend!r}: use postgresql:// or sqlite://")
    if parsed.drivername == backend:  # no explicit driver: pick the async one we ship
        parsed = parsed.set(drivername=_ASYNC_DRIVERS[backend])
    return parsed


def masked_url(url: str) -> str:
    """The URL for display: its password, if any, replaced by ***."""
    return make_url(url).render_as_string(hide_password=True)


class SettingsError(Exception):
    """The configuration is invalid; the message names each bad setting."""


class SettingsConflict(ValueError):
    """Settings that are valid when read but not enough for what is asked of them."""


class Section(BaseSettings):
    """A settings section: frozen, read from its OPENCHAT_* variables."""

    # Environment variable names are given per field (validation_alias) so that they stay the
    # documented, flat OPENCHAT_* names; flags pass values by field name.
    model_config = SettingsConfigDict(frozen=True, populate_by_name=True, extra="forbid")
