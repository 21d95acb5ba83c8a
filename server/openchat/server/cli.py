"""`openchat-server`: serve, issue tokens, migrate, and show the effective configuration."""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import secrets
import signal
import sys
from collections.abc import Sequence
from dataclasses import replace
from importlib import metadata
from typing import Any

import structlog
from opentelemetry.sdk.trace import TracerProvider
from pydantic import SecretStr

from openchat.server.app import build_app
from openchat.server.auth.tokens import issue_token
from openchat.server.domain.errors import InvalidArgument, OpenChatError
from openchat.server.logging import configure_logging
from openchat.server.observability import tracing
from openchat.server.observability.garbage_collector import tune_for_long_lived_sessions
from openchat.server.settings import (
    Settings,
    SettingsConflict,
    SettingsError,
    load_settings,
    masked_url,
)
from openchat.server.startup import StartupError, check_database, check_dependencies
from openchat.server.storage import migrate
from openchat.server.storage.database import connect
from openchat.server.transport.validation import require_id

DEV_USERS = ("alice", "bob")
DAY = 24 * 3600


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(_overrides(args))
    except SettingsError as error:
        print(f"openchat-server: {error}", file=sys.stderr)
        return 2
    result: int = args.command(settings, args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="openchat-server", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the gRPC server")
    _add_server_flags(serve)
    serve.add_argument(
        "--dev",
        action="store_true",
        help="development mode: without OPENCHAT_JWT_SECRET, generate one and print tokens",
    )
    serve.set_defaults(command=_serve)

    token = commands.add_parser("token", help="print a bearer token for a user")
    token.add_argument("user_id", help="the user the token identifies (its sub claim)")
    token.add_argument(
        "--ttl", type=_seconds, default=DAY, metavar="SECONDS", help="lifetime (1 day)"
    )
    token.add_argument("--role", action="append", default=[], help="a role claim (repeatable)")
    token.set_defaults(command=_token)

    migrate_command = commands.add_parser("migrate", help="apply pending database migrations")
    migrate_command.add_argument(
        "--database-url", dest="database__url", metavar="URL", help="(OPENCHAT_DATABASE_URL)"
    )
    migrate_command.set_defaults(command=_migrate)

    config = commands.add_parser("config", help="print the effective configuration")
    _add_server_flags(config)
    config.set_defaults(command=_config)
    return parser


def _add_server_flags(parser: argparse.ArgumentParser) -> None:
    # Each flag's dest is SECTION__FIELD (see _overrides); the metavar keeps it out of --help.
    flags = [
        ("--listen", "server__listen", "HOST:PORT", "gRPC address (OPENCHAT_LISTEN)"),
        (
            "--metrics-listen",
            "server__metrics_listen",
            "HOST:PORT",
            "Prometheus /metrics address, empty for none (OPENCHAT_METRICS_LISTEN)",
        ),
        ("--database-url", "database__url", "URL", "(OPENCHAT_DATABASE_URL)"),
        ("--redis-url", "redis__url", "URL", "(OPENCHAT_REDIS_URL)"),
        ("--log-level", "logging__level", "LEVEL", "debug, info, ... (OPENCHAT_LOG_LEVEL)"),
        ("--log-format", "logging__format", "FORMAT", "json, console, auto (OPENCHAT_LOG_FORMAT)"),
    ]
    for flag, dest, metavar, help_text in flags:
        parser.add_argument(flag, dest=dest, metavar=metavar, help=help_text)


def _seconds(value: str) -> float:
    """A positive number of seconds (argparse type)."""
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {value!r}") from None
    if not 0 < seconds < math.inf:
        raise argparse.ArgumentTypeError(f"must be a finite number above 0, got {value}")
    return seconds


def _version() -> str:
    """The installed distribution's version (whatever the distribution is called)."""
    scripts = metadata.entry_points(group="console_scripts", name="openchat-server")
    for script in scripts:
        if script.dist is not None:
            return script.dist.version
    return "unknown"


def _overrides(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Flags named SECTION__FIELD, as settings overrides."""
    overrides: dict[str, dict[str, Any]] = {}
    for name, value in vars(args).items():
        if "__" in name and value is not None:
            section, field = name.split("__", 1)
            overrides.setdefault(section, {})[field] = value
    return overrides


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    configure_logging(settings.logging)
    if settings.auth.jwt_secret is None and args.dev:
        settings = _with_dev_secret(settings)
    try:
        tracer_provider = tracing.tracer_provider(os.environ)
        _run(_serve_until_signalled(settings, tracer_provider))
    except (SettingsConflict, OpenChatError, StartupError, tracing.TracingError) as error:
        print(f"openchat-server: cannot start: {error}", file=sys.stderr)
        return 2
    return 0


def _run(coroutine: Any) -> None:
    try:
        import uvloop  # noqa: PLC0415 - optional accelerator (not on Windows)
    except ImportError:
        asyncio.run(coroutine)
    else:
        uvloop.run(coroutine)


async def _serve_until_signalled(
    settings: Settings, tracer_provider: TracerProvider | None
) -> None:
    await check_dependencies(settings)
    app = await build_app(settings, tracer_provider=tracer_provider)
    try:
        await app.start()
    except StartupError:
        await app.database.dispose()
        raise
    tune_for_long_lived_sessions()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    structlog.get_logger(__name__).info("signal_received")
    await app.stop()
    if tracer_provider is not None:
        # Export the spans still batched (the exporter waits for its own timeout at most).
        tracer_provider.shutdown()


def _with_dev_secret(settings: Settings) -> Settings:
    secret = secrets.token_urlsafe(32)
    auth = settings.auth.model_copy(update={"jwt_secret": SecretStr(secret)})
    listen = settings.server.listen
    print(f"OpenChat development server on {listen} ({masked_url(settings.database.url)})")
    print("A development secret was generated; keep it for another run with:")
    print(f"  export OPENCHAT_JWT_SECRET={secret}")
    for user in DEV_USERS:
        print(f"Token for {user} (valid 1 day):")
        token = issue_token(
            secret, user, ttl_seconds=DAY, issuer=auth.issuer, audience=auth.audience
        )
        print(f"  {token}")
    print("More tokens: OPENCHAT_JWT_SECRET=... openchat-server token USER_ID")
    print(f"Try: grpcurl -plaintext {listen} list", flush=True)
    return replace(settings, auth=auth)


def _token(settings: Settings, args: argparse.Namespace) -> int:
    if settings.auth.jwt_secret is None:
        print("openchat-server: OPENCHAT_JWT_SECRET is required to sign tokens", file=sys.stderr)
        return 2
    try:
        require_id("user_id", args.user_id)
    except InvalidArgument as error:
        print(f"openchat-server: {error}", file=sys.stderr)
        return 2
    secret = settings.auth.jwt_secret.get_secret_value()
    auth = settings.auth
    print(
        issue_token(
            secret,
            args.user_id,
            ttl_seconds=args.ttl,
            roles=args.role,
            issuer=auth.issuer,
            audience=auth.audience,
        )
    )
    return 0


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    configure_logging(settings.logging)

    async def run() -> None:
        await check_database(settings.database.url)
        database = connect(settings.database.url)
        try:
            await migrate.upgrade(database)
        finally:
            await database.dispose()

    try:
        asyncio.run(run())
    except StartupError as error:
        print(f"openchat-server: cannot migrate: {error}", file=sys.stderr)
        return 2
    return 0


def _config(settings: Settings, args: argparse.Namespace) -> int:
    for section, values in vars(settings).items():
        print(f"[{section}]")
        for field, value in values.model_dump().items():
            alias = type(values).model_fields[field].validation_alias
            print(f"  {alias} = {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
