"""Fixtures of the integration tests, which run servers as child processes."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def scratch_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of this test's own, on each backend: a server killed mid-write must
    not share its files or tables with any other test. Plain URLs, as an operator writes them."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'openchat.db'}"
    url: str = request.getfixturevalue("fresh_postgres_url")
    return url
