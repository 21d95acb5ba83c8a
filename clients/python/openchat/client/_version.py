"""The SDK's version: that of the installed `openchat-client` distribution."""

from __future__ import annotations

from importlib import metadata

DISTRIBUTION = "openchat-client"


def version() -> str:
    """The installed version, "0" when running from a source tree that was never installed."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "0"
