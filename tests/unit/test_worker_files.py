"""The supervisor's merge of its workers' metric files (observability/worker_files.py): a file
a worker created but never sized (prometheus/client_python#1199) fails prometheus_client's own
collector, and must not fail the host's /metrics."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from openchat.server.observability.worker_files import WorkerFilesCollector

# A worker's life in prometheus_client's multiprocess mode: a counter counted three times.
_WORKER = """
from prometheus_client import Counter
Counter("openchat_test_events", "Events.").inc(3)
"""


@pytest.fixture
def metrics_dir(tmp_path: Path) -> Path:
    """The files of one worker that counted, and the empty file of one killed while it was
    creating its own."""
    subprocess.run(
        [sys.executable, "-c", _WORKER],
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)},
        check=True,
    )
    (tmp_path / "counter_99999.db").touch()
    return tmp_path


def test_prometheus_clients_collector_fails_on_the_empty_file(metrics_dir: Path) -> None:
    """The bug this works around (if prometheus_client fixes it, worker_files.py can go)."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(metrics_dir))  # type: ignore[no-untyped-call]
    with pytest.raises(Exception, match="unpack"):
        generate_latest(registry)


def test_the_hosts_collector_leaves_the_empty_file_out_and_keeps_the_rest(
    metrics_dir: Path,
) -> None:
    registry = CollectorRegistry()
    WorkerFilesCollector(str(metrics_dir), registry)
    assert registry.get_sample_value("openchat_test_events_total") == 3.0
    assert b"openchat_test_events_total 3.0" in generate_latest(registry)
