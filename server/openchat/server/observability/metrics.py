"""Every metric the server exports, following Prometheus naming (openchat_ prefix, base units,
_total counters; the gRPC server metrics carry the ecosystem's grpc_server_ names instead).
Labels never carry user, conversation or message ids: each label has a small, fixed set of
values, so the number of series does not grow with traffic.

One Metrics object per server, on a registry of its own (tests run several servers in one
process), built by the composition root and handed to the components that record.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Latencies of an in-memory hop to a slow disk commit.
LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
    10.0,
)  # fmt: skip
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
# Set by the supervisor for its workers: prometheus_client then keeps every value in a file of
# this directory, where the supervisor's /metrics reads all workers' values together.
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


_Series = TypeVar("_Series", Counter, Gauge, Histogram)


def series_by_label(metric: _Series, *fixed: str) -> Callable[[str], _Series]:
    """metric.labels(*fixed, value) for a last label's value, each series looked up once: on a
    hot path a labels() lookup costs more than the increment or observation it serves."""
    return functools.cache(functools.partial(metric.labels, *fixed))


class Metrics:
    """The server's Prometheus instruments."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self._tracked: list[tuple[Gauge, Callable[[], float]]] = []

        def counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
            return Counter(name, doc, labels, registry=registry)

        def histogram(
            name: str,
            doc: str,
            labels: tuple[str, ...] = (),
            buckets: tuple[float, ...] = LATENCY_BUCKETS,
        ) -> Histogram:
            return Histogram(name, doc, labels, registry=registry, buckets=buckets)

        def gauge(
            name: str,
            doc: str,
            labels: tuple[str, ...] = (),
            across_processes: Literal["livesum", "livemax", "liveall"] = "livesum",
        ) -> Gauge:
            # `across_processes` says how the supervisor's /metrics combines its workers' values
            # (prometheus_client's multiprocess mode; ignored in a single process). The "live"
            # modes drop a worker's values when it exits.
            return Gauge(name, doc, labels, registry=registry, multiprocess_mode=across_processes)

        # The gRPC server metrics under the names and labels of go-grpc-prometheus (and its
        # Java and Python ports), which the ecosystem's dashboards and alerts query.
        rpc = ("grpc_type", "grpc_service", "grpc_method")
        self.rpc_started = counter(
            "grpc_server_started", "Total number of RPCs started on the server.", rpc
        )
        self.rpc_handled = counter(
            "grpc_server_handled",
            "Total number of RPCs completed on the server, regardless of success or failure.",
            (*rpc, "grpc_code"),
        )
        self.rpc_duration = histogram(
            "grpc_server_handling_seconds",
            "Histogram of response latency (seconds) of gRPC that had been application-level "
            "handled by the server.",
            rpc,
        )
        self.rpc_received = counter(
            "grpc_server_msg_received",
            "Total number of RPC stream messages received on the server.",
            rpc,
        )
        self.rpc_sent = counter(
            "grpc_server_msg_sent", "Total number of gRPC stream messages sent by the server.", rpc
        )
        self.streams_active = gauge("openchat_grpc_streams_active", "Streaming RPCs in progress.")

        self.messages_sent = counter(
            "openchat_messages_sent",
            "Messages clients asked to send (unary or on a session stream).",
            ("transport",),
        )
        self.messages_persisted = counter(
            "openchat_messages_persisted", "New messages committed to the database."
        )
        self.changes_persisted = counter(
            "openchat_message_changes_persisted",
            "New edits, recalls and reactions committed to the database, by kind.",
            ("kind",),
        )
        self.messages_duplicate = counter(
            "openchat_messages_duplicate", "Sends answered with the original ack (retries)."
        )
        self.messages_failed = counter(
            "openchat_messages_failed", "Sends that stored nothing, by error reason.", ("reason",)
        )
        self.messages_delivered = counter(
            "openchat_messages_delivered", "Messages pushed onto session streams."
        )
        self.send_latency = histogram(
            "openchat_send_latency_seconds", "From receiving a send to answering its ack."
        )
        self.deliver_latency = histogram(
            "openchat_send_to_deliver_latency_seconds",
            "From a message's commit to its push onto a recipient's session stream.",
        )

        self.commit_batch_size = histogram(
            "openchat_group_commit_batch_size",
            "Messages stored per transaction.",
            buckets=BATCH_BUCKETS,
        )
        self.commit_duration = histogram(
            "openchat_group_commit_duration_seconds", "Time of one group-commit transaction."
        )
        self.commit_queue_depth = gauge(
            "openchat_group_commit_queue_depth", "Sends waiting for a transaction."
        )

        # Per worker (a `pid` label on the supervisor's /metrics): how the port spreads them.
        self.sessions_active = gauge(
            "openchat_sessions_active", "Open session streams.", across_processes="liveall"
        )
        self.session_disconnects = counter(
            "openchat_session_disconnects", "Sessions that ended, by reason.", ("reason",)
        )
        self.session_frames_dropped = counter(
            "openchat_session_frames_dropped",
            "Session frames dropped unhandled: over the session's frame rate (limit) or naming "
            "a conversation the user is not in (not_member), by frame kind.",
            ("frame", "cause"),
        )
        self.gc_pauses = histogram(
            "openchat_gc_pause_seconds",
            "Garbage collections of the server process, which stop its event loop, by generation.",
            ("generation",),
        )
        self.event_loop_lag = histogram(
            "openchat_event_loop_lag_seconds",
            "How much later than asked a timer on the event loop woke (every callback waited).",
        )
        self.session_pushbacks = counter(
            "openchat_session_pushbacks",
            "New sessions asked to come back later (Reconnect{retry_after}) as the loop lagged.",
        )
        self.heartbeat_timeouts = counter(
            "openchat_heartbeat_timeouts", "Sessions closed for sending nothing in time."
        )
        self.session_queue_depth_max = gauge(
            "openchat_session_queue_depth_max",
            "Frames waiting in the fullest session queue.",
            across_processes="livemax",
        )
        self.session_queue_depth_total = gauge(
            "openchat_session_queue_depth_total", "Frames waiting in all session queues."
        )
        self.presence_changes = counter(
            "openchat_presence_changes", "Presence changes published, by new state.", ("state",)
        )

        self.route_outcomes = counter(
            "openchat_route_outcomes",
            "Router route runs per message, by outcome.",
            ("route", "outcome"),
        )
        self.route_duration = histogram(
            "openchat_route_duration_seconds", "Time of a router route run.", ("route",)
        )
        self.route_attempts = counter(
            "openchat_route_attempts",
            "Durable route delivery attempts (webhook, push, providers), by outcome.",
            ("route", "outcome"),
        )
        self.route_attempt_duration = histogram(
            "openchat_route_attempt_duration_seconds",
            "Time of one durable route delivery attempt.",
            ("route",),
        )
        self.route_jobs = gauge(
            "openchat_route_jobs",
            "Durable route jobs in the outbox, by state.",
            ("route", "status"),
            # Every worker counts the same shared table.
            across_processes="livemax",
        )

        self.database_query_duration = histogram(
            "openchat_database_query_duration_seconds",
            "Time of one SQL statement, by kind.",
            ("operation",),
        )
        self.redis_operation_duration = histogram(
            "openchat_redis_operation_duration_seconds",
            "Time of one Redis operation (a command, pipeline or script), by operation.",
            ("operation",),
        )
        self.event_bus_backlog = gauge(
            "openchat_event_bus_backlog", "Events waiting for their subscribers.", ("bus",)
        )

    @contextmanager
    def redis_timer(self, operation: str) -> Iterator[None]:
        """Time a Redis operation."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.redis_operation_duration.labels(operation).observe(time.perf_counter() - started)

    def track(self, gauge: Gauge, read: Callable[[], float]) -> None:
        """Have `gauge` read its value at each scrape, or, in a worker whose values the
        supervisor scrapes from files, at each `publish_tracked()`: a scrape of the files
        cannot call into the worker."""
        if MULTIPROCESS:
            self._tracked.append((gauge, read))
        else:
            gauge.set_function(read)

    def publish_tracked(self) -> None:
        """Write the tracked gauges' current values (multiprocess mode only)."""
        for gauge, read in self._tracked:
            gauge.set(read())
