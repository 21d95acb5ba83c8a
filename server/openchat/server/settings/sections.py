"""The settings sections, one class each, with their OPENCHAT_* variables, defaults and checks."""

from __future__ import annotations

import os
import urllib.parse
from typing import Literal

from pydantic import (
    Field,
    SecretStr,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)
from sqlalchemy.exc import ArgumentError

from openchat.server.settings.base import Section, SettingsConflict, async_url, masked_url

JWKS_URL_SCHEMES = ("https", "http", "file")


class ServerSettings(Section):
    """The gRPC listener and its lifecycle."""

    listen: str = Field("127.0.0.1:50051", validation_alias="OPENCHAT_LISTEN")
    # Seconds that SIGTERM gives in-flight RPCs and queued sends to finish.
    shutdown_grace: float = Field(10.0, gt=0, validation_alias="OPENCHAT_SHUTDOWN_GRACE")
    # Seconds between health probes of the database (and Redis).
    health_interval: float = Field(2.0, gt=0, validation_alias="OPENCHAT_HEALTH_INTERVAL")
    # Where Prometheus scrapes /metrics; empty turns the endpoint off.
    metrics_listen: str = Field("127.0.0.1:9464", validation_alias="OPENCHAT_METRICS_LISTEN")
    # Where browsers call the same services over Connect and gRPC-Web; empty turns it off.
    web_listen: str = Field("", validation_alias="OPENCHAT_WEB_LISTEN")
    # Browser origins (scheme://host[:port], comma-separated; `*` for any) allowed to call the
    # web listener; none when empty.
    web_allowed_origins: str = Field("", validation_alias="OPENCHAT_WEB_ALLOWED_ORIGINS")
    # Server processes on the one port, under a supervisor (docs/operations.md, "Worker
    # processes"): a number, or `auto` for the cores this process may run on.
    workers: str = Field("1", validation_alias="OPENCHAT_WORKERS")
    # Bind the port with SO_REUSEPORT, so that other processes (the supervisor's other workers)
    # share it; off otherwise, so a second server on the port fails instead of stealing calls.
    share_port: bool = Field(False, validation_alias="OPENCHAT_SHARE_PORT")

    @field_validator("workers")
    @classmethod
    def _worker_count(cls, value: str) -> str:
        if value != "auto" and not (value.isdigit() and int(value) >= 1):
            raise ValueError(f"expected a number of processes (1 or more) or 'auto', got {value!r}")
        return value

    def worker_count(self) -> int:
        """The number of server processes: `auto` is the cores this process may run on."""
        return len(os.sched_getaffinity(0)) if self.workers == "auto" else int(self.workers)

    @property
    def allowed_origins(self) -> list[str]:
        return [origin.strip() for origin in self.web_allowed_origins.split(",") if origin.strip()]

    @field_validator("listen", "metrics_listen", "web_listen")
    @classmethod
    def _host_and_port(cls, value: str, info: ValidationInfo) -> str:
        if info.field_name != "listen" and not value:
            return value
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError(f"expected HOST:PORT, got {value!r}")
        return value


class DatabaseSettings(Section):
    """Where messages live, and how sends are grouped into transactions."""

    url: str = Field("sqlite+aiosqlite:///openchat.db", validation_alias="OPENCHAT_DATABASE_URL")
    pool_size: int = Field(10, ge=1, validation_alias="OPENCHAT_DATABASE_POOL_SIZE")
    # Most drafts stored by one transaction.
    max_batch: int = Field(256, ge=1, validation_alias="OPENCHAT_GROUP_COMMIT_MAX_BATCH")
    # Transactions committing at once. One is fastest while the server's CPU is the limit: every
    # further writer takes a small batch as soon as one draft arrives, and per-transaction costs
    # then dominate (docs/benchmarks.md). More can help with a database far away.
    max_in_flight: int = Field(1, ge=1, validation_alias="OPENCHAT_GROUP_COMMIT_IN_FLIGHT")
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


class RedisSettings(Section):
    """Redis, for running several nodes. Unset: in-process implementations."""

    url: SecretStr | None = Field(None, validation_alias="OPENCHAT_REDIS_URL")
    # Prefix of every key and channel OpenChat uses, so several deployments can share a Redis.
    key_prefix: str = Field("openchat:", validation_alias="OPENCHAT_REDIS_PREFIX")
    # Which SequenceAllocator stores messages: see openchat.server.storage.sequences.
    sequence_allocator: Literal["transactional", "redis"] = Field(
        "transactional", validation_alias="OPENCHAT_SEQUENCE_ALLOCATOR"
    )

    @model_validator(mode="after")
    def _redis_for_redis_sequences(self) -> RedisSettings:
        if self.sequence_allocator == "redis" and self.url is None:
            raise ValueError("OPENCHAT_SEQUENCE_ALLOCATOR=redis needs OPENCHAT_REDIS_URL")
        return self


class TlsSettings(Section):
    """TLS on the gRPC listener. With a certificate and key the listener speaks TLS only; with a
    client CA it also requires client certificates signed by that CA (mutual TLS). The files
    are read again when they change, so certificates rotate without a restart."""

    cert_file: str | None = Field(None, validation_alias="OPENCHAT_TLS_CERT_FILE")
    key_file: str | None = Field(None, validation_alias="OPENCHAT_TLS_KEY_FILE")
    client_ca_file: str | None = Field(None, validation_alias="OPENCHAT_TLS_CLIENT_CA_FILE")

    @field_validator("cert_file", "key_file", "client_ca_file")
    @classmethod
    def _readable_pem(cls, value: str | None) -> str | None:
        # Checked at start, so that a typo fails here with the variable's name rather than at
        # the first handshake.
        if value is None:
            return None
        try:
            with open(value, "rb") as file:
                text = file.read()
        except OSError as error:
            raise ValueError(f"cannot read {value!r}: {error.strerror}") from None
        if b"-----BEGIN " not in text:
            raise ValueError(f"{value!r} holds no PEM block (-----BEGIN ...)")
        return value

    @model_validator(mode="after")
    def _complete(self) -> TlsSettings:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("OPENCHAT_TLS_CERT_FILE and OPENCHAT_TLS_KEY_FILE go together")
        if self.client_ca_file is not None and self.cert_file is None:
            raise ValueError(
                "OPENCHAT_TLS_CLIENT_CA_FILE needs OPENCHAT_TLS_CERT_FILE and OPENCHAT_TLS_KEY_FILE"
            )
        return self

    @property
    def enabled(self) -> bool:
        return self.cert_file is not None


class AuthSettings(Section):
    """Bearer-token verification: HS256 with a shared secret, and/or asymmetric tokens of an
    identity provider verified against its JWKS."""

    jwt_secret: SecretStr | None = Field(None, validation_alias="OPENCHAT_JWT_SECRET")
    # The identity provider's JSON Web Key Set: https://... (its jwks_uri), or file:///PATH.
    jwks_url: str | None = Field(None, validation_alias="OPENCHAT_JWT_JWKS_URL")
    # Seconds a fetched key set is used before it is fetched again.
    jwks_ttl: float = Field(300.0, gt=0, validation_alias="OPENCHAT_JWT_JWKS_TTL")
    # A token naming a key the set lacks (a rotation) fetches the set again, but at most once
    # per this many seconds, so that made-up key ids cannot make the server hammer the provider.
    jwks_min_refetch: float = Field(10.0, ge=0, validation_alias="OPENCHAT_JWT_JWKS_MIN_REFETCH")
    # Required `iss` and `aud` of every token, when set.
    issuer: str | None = Field(None, validation_alias="OPENCHAT_JWT_ISSUER")
    audience: str | None = Field(None, validation_alias="OPENCHAT_JWT_AUDIENCE")

    @field_validator("jwks_url")
    @classmethod
    def _fetchable(cls, value: str | None) -> str | None:
        if value is not None and urllib.parse.urlsplit(value).scheme not in JWKS_URL_SCHEMES:
            raise ValueError(f"expected an https://, http:// or file:// URL, got {value!r}")
        return value

    @model_validator(mode="after")
    def _audience_with_jwks(self) -> AuthSettings:
        # An identity provider signs tokens for many applications with the same keys: without
        # an audience check, a token it issued to any of them would be accepted here.
        if self.jwks_url is not None and self.audience is None:
            raise ValueError(
                "OPENCHAT_JWT_JWKS_URL needs OPENCHAT_JWT_AUDIENCE (the audience the identity "
                "provider puts in tokens meant for OpenChat)"
            )
        return self

    @field_validator("jwt_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        # RFC 7518 section 3.2: an HS256 key must have at least 256 bits.
        if value is not None and len(value.get_secret_value().encode()) < 32:
            raise ValueError("must be at least 32 bytes (RFC 7518: HS256 keys have 256 bits)")
        return value

    def secret_to_serve(self) -> str | None:
        """The HS256 secret that tokens are verified with (None when an identity provider's
        JWKS is the only source of keys). Serving with neither is a SettingsConflict; the other
        commands, `config` and `migrate`, need none."""
        if self.jwt_secret is None and self.jwks_url is None:
            raise SettingsConflict(
                "OPENCHAT_JWT_SECRET (at least 32 bytes) or OPENCHAT_JWT_JWKS_URL is required; "
                "for local development, `openchat-server serve --dev` generates a secret"
            )
        return self.jwt_secret.get_secret_value() if self.jwt_secret is not None else None


class LimitsSettings(Section):
    """Request limits; each violation is answered INVALID_ARGUMENT or RESOURCE_EXHAUSTED (the
    per-user limits with google.rpc.RetryInfo). For the per-user limits, 0 turns the limit off.
    They are shared across the cluster when OPENCHAT_REDIS_URL is set (docs/security.md)."""

    max_content_bytes: int = Field(64 * 1024, ge=1, validation_alias="OPENCHAT_MAX_CONTENT_BYTES")
    max_group_members: int = Field(5000, ge=2, validation_alias="OPENCHAT_MAX_GROUP_MEMBERS")
    # Bytes of messages one ListMessages or Sync response carries at most, under the 4 MiB
    # that gRPC clients accept by default.
    response_budget_bytes: int = Field(
        3 * 1024 * 1024, ge=64 * 1024, validation_alias="OPENCHAT_RESPONSE_BUDGET_BYTES"
    )
    # Messages per second one user may send (SendMessage and stream sends together), as a
    # token bucket holding `send_burst`: far above a person typing, and a burst large enough
    # for an offline outbox that flushes at once; a flood of one user cannot starve others.
    send_rate: float = Field(20.0, ge=0, validation_alias="OPENCHAT_SEND_RATE")
    send_burst: int = Field(100, ge=1, validation_alias="OPENCHAT_SEND_BURST")
    # Session streams one user may hold at once (one per device; a phone, a tablet, browsers).
    max_sessions_per_user: int = Field(32, ge=0, validation_alias="OPENCHAT_MAX_SESSIONS_PER_USER")
    # Groups one user may create per hour (a token bucket holding this many).
    groups_per_hour: int = Field(100, ge=0, validation_alias="OPENCHAT_GROUPS_PER_HOUR")
    # Conversations a user may be a member of; also bounds how many groups others can add
    # them to without their consent.
    max_conversations_per_user: int = Field(
        10_000, ge=0, validation_alias="OPENCHAT_MAX_CONVERSATIONS_PER_USER"
    )
    # typing, delivery_ack and watch_presence frames one session may send per second, each
    # kind in a token bucket holding `session_frame_burst`; frames over it are dropped.
    session_frame_rate: float = Field(20.0, ge=0, validation_alias="OPENCHAT_SESSION_FRAME_RATE")
    session_frame_burst: int = Field(100, ge=1, validation_alias="OPENCHAT_SESSION_FRAME_BURST")
    # Seconds after sending during which a sender may edit a message, and recall it (a group's
    # owner may recall at any time).
    edit_window: float = Field(48 * 3600.0, ge=0, validation_alias="OPENCHAT_EDIT_WINDOW")
    recall_window: float = Field(24 * 3600.0, ge=0, validation_alias="OPENCHAT_RECALL_WINDOW")


class SessionSettings(Section):
    """The session stream: heartbeats, keepalive, queues and presence."""

    # Application heartbeat, from the design document: clients ping every interval, and a
    # session that sends nothing for the timeout is closed. Fractions are allowed (tests).
    heartbeat_interval: float = Field(30.0, gt=0, validation_alias="OPENCHAT_HEARTBEAT_INTERVAL")
    heartbeat_timeout: float = Field(60.0, gt=0, validation_alias="OPENCHAT_HEARTBEAT_TIMEOUT")
    # HTTP/2 keepalive: the server PINGs a connection idle this long and closes it when the
    # PING is not answered within the timeout (a frozen process, a pulled cable).
    keepalive_time: float = Field(20.0, gt=0, validation_alias="OPENCHAT_KEEPALIVE_TIME")
    keepalive_timeout: float = Field(10.0, gt=0, validation_alias="OPENCHAT_KEEPALIVE_TIMEOUT")
    # Clients may PING this often without being told GOAWAY (grpc's default is 5 minutes, which
    # punishes mobile clients that keep NAT mappings alive).
    min_client_ping_interval: float = Field(
        10.0, gt=0, validation_alias="OPENCHAT_MIN_CLIENT_PING_INTERVAL"
    )
    # Connections are recycled after this age (plus up to 10% jitter), with a grace period for
    # their streams: it rebalances clients across nodes and reaps connections whose client stopped
    # reading. Clients reconnect and resume without losing anything.
    max_connection_age: float = Field(1800.0, gt=0, validation_alias="OPENCHAT_MAX_CONNECTION_AGE")
    max_connection_age_grace: float = Field(
        60.0, gt=0, validation_alias="OPENCHAT_MAX_CONNECTION_AGE_GRACE"
    )
    # Frames a session may have waiting before its client counts as too slow and is cut off.
    queue_capacity: int = Field(1024, ge=16, validation_alias="OPENCHAT_SESSION_QUEUE_CAPACITY")
    # Presence changes of one user within this window reach watchers as at most two events.
    presence_coalesce: float = Field(1.0, ge=0, validation_alias="OPENCHAT_PRESENCE_COALESCE")
    # Pushback: while the event loop is at least this many seconds behind (a storm of hellos,
    # a garbage collection), a new session gets Reconnect{retry_after} instead of its welcome,
    # so clients wait on their side instead of queueing on the server's. 0 pushes back every
    # new session (tests).
    # Above the lag of a server that keeps up (a few ms; 50 ms is already a bad tail), below that
    # of a storm or a full collection of 10,000 sessions (0.5 s and more).
    admission_lag: float = Field(0.25, ge=0, validation_alias="OPENCHAT_SESSION_ADMISSION_LAG")
    # The retry_after of a pushback: at least this many seconds, plus a uniform share of the
    # spread, so that the clients pushed back together come back spread over time.
    pushback_retry_after: float = Field(
        1.0, ge=0, validation_alias="OPENCHAT_SESSION_PUSHBACK_RETRY_AFTER"
    )
    pushback_spread: float = Field(4.0, ge=0, validation_alias="OPENCHAT_SESSION_PUSHBACK_SPREAD")
    # This node's name in the presence registry; generated when unset.
    node_id: str = Field("", validation_alias="OPENCHAT_NODE_ID")

    @model_validator(mode="after")
    def _timeout_exceeds_interval(self) -> SessionSettings:
        if self.heartbeat_timeout <= self.heartbeat_interval:
            raise ValueError(
                "OPENCHAT_HEARTBEAT_TIMEOUT must exceed OPENCHAT_HEARTBEAT_INTERVAL "
                f"({self.heartbeat_timeout:g} <= {self.heartbeat_interval:g})"
            )
        return self


class RoutingSettings(Section):
    """Durable routes (webhooks, pushes, external providers): retries and the push provider."""

    # "log" logs what would be pushed; "http" POSTs to OPENCHAT_PUSH_GATEWAY_URL; "none" turns
    # push notifications off.
    push_provider: Literal["log", "http", "none"] = Field(
        "log", validation_alias="OPENCHAT_PUSH_PROVIDER"
    )
    push_gateway_url: str | None = Field(None, validation_alias="OPENCHAT_PUSH_GATEWAY_URL")
    # Seconds a member with an online session has to acknowledge a message before it is pushed
    # to them anyway (members with no session are pushed at the next sweep).
    push_grace: float = Field(5.0, ge=0, validation_alias="OPENCHAT_PUSH_GRACE")
    # Seconds between the push sweeper's looks for conversations with push work: how late a
    # push to an offline member may be.
    push_sweep_interval: float = Field(0.5, gt=0, validation_alias="OPENCHAT_PUSH_SWEEP_INTERVAL")
    # Seconds one delivery attempt (an HTTP call) may take.
    attempt_timeout: float = Field(5.0, gt=0, validation_alias="OPENCHAT_ROUTE_ATTEMPT_TIMEOUT")
    # Attempts before a job becomes a dead letter.
    max_attempts: int = Field(8, ge=1, validation_alias="OPENCHAT_ROUTE_MAX_ATTEMPTS")
    # Backoff between attempts: full jitter below min(cap, base * 2**(attempt-1)) seconds.
    backoff_base: float = Field(1.0, gt=0, validation_alias="OPENCHAT_ROUTE_BACKOFF_BASE")
    backoff_cap: float = Field(300.0, gt=0, validation_alias="OPENCHAT_ROUTE_BACKOFF_CAP")
    # Jobs of one route attempted at once.
    concurrency: int = Field(16, ge=1, validation_alias="OPENCHAT_ROUTE_CONCURRENCY")
    # Seconds between looks for due jobs (retries, other nodes' leftovers) when not woken.
    poll_interval: float = Field(1.0, gt=0, validation_alias="OPENCHAT_ROUTE_POLL_INTERVAL")
    # Days delivery history (finished route jobs, receipt events) stays for delivery
    # timelines, and days dead letters stay for AdminService.
    history_days: float = Field(7.0, gt=0, validation_alias="OPENCHAT_DELIVERY_HISTORY_DAYS")
    dead_letter_days: float = Field(30.0, gt=0, validation_alias="OPENCHAT_DEAD_LETTER_DAYS")

    @model_validator(mode="after")
    def _gateway_for_http(self) -> RoutingSettings:
        if self.push_provider == "http" and not self.push_gateway_url:
            raise ValueError("OPENCHAT_PUSH_PROVIDER=http needs OPENCHAT_PUSH_GATEWAY_URL")
        return self


class LoggingSettings(Section):
    """Structured logs."""

    level: Literal["debug", "info", "warning", "error"] = Field(
        "info", validation_alias="OPENCHAT_LOG_LEVEL"
    )
    # json for machines, console for people, auto: console on a terminal, json otherwise.
    format: Literal["json", "console", "auto"] = Field(
        "auto", validation_alias="OPENCHAT_LOG_FORMAT"
    )
