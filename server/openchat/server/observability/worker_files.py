"""The host's metrics, merged from the files its worker processes write (prometheus_client's
multiprocess mode), robust to a file a worker created but never sized.

prometheus_client creates each metric file at 0 bytes and sizes it a moment later
(prometheus/client_python#1199, open). A scrape in between fails, and since MultiProcessCollector
reads every file in one merge, it fails whole: the supervisor's /metrics answered 500. A worker
killed in that moment leaves the empty file behind, and every later scrape failed too, until a
restart of the host (seen here: a worker killed by `kill -9` in the workers test). An empty file
holds no values, so leaving it out loses nothing.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable

from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector


class WorkerFilesCollector(Collector):
    """MultiProcessCollector's merge over the non-empty metric files of `path`."""

    def __init__(self, path: str, registry: CollectorRegistry) -> None:
        self._path = path
        registry.register(self)

    def collect(self) -> Iterable[Metric]:
        merged: Iterable[Metric] = MultiProcessCollector.merge(  # type: ignore[no-untyped-call]
            _sized(glob.glob(os.path.join(self._path, "*.db"))), accumulate=True
        )
        return merged


def _sized(files: list[str]) -> list[str]:
    """The files with something in them (a file can also vanish: a dead worker's gauges)."""
    sized = []
    for name in files:
        try:
            if os.path.getsize(name) > 0:
                sized.append(name)
        except OSError:
            continue
    return sized
