"""What each `openchat-server` command does, once cli.py has parsed its arguments and settings.

Apart from cli.py so that `--help`, `--version` and argument errors answer without importing
the server (grpc, SQLAlchemy, OpenTelemetry: seconds on a busy machine).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import structlog
from opentelemetry.sdk.trace import TracerProvider
from pydantic import SecretStr

from openchat.server.app import build_app
from openchat.server.auth.tokens import issue_token
from openchat.server.cli import DAY
from openchat.server.domain.errors import InvalidArgument, OpenChatError
from openchat.server.logging import configure_logging
from openchat.server.observability import tracing
from openchat.server.observability.garbage_collector import tune_for_long_lived_sessions
from openchat.server.settings import Settings, SettingsConflict, masked_url
from openchat.server.startup import StartupError, check_database, check_dependencies
from openchat.server.storage import migrate
from openchat.server.storage.database import connect
from openchat.server.supervisor import Supervisor, WorkersRefused, check_cluster_settings
from openchat.server.transport.validation import require_id

DEV_USERS = ("alice", "bob")


def serve(settings: Settings, args: argparse.Namespace) -> int:
    configure_logging(settings.logging)
    workers = settings.server.worker_count()
    try:
        check_cluster_settings(settings, workers)
    except WorkersRefused as error:
        print(f"openchat-server: cannot start: {error}", file=sys.stderr)
        return 2
    if settings.auth.jwt_secret is None and args.dev:
        settings = _with_dev_secret(settings)
    if workers > 1:
        serve_args = args.argv[args.argv.index("serve") + 1 :]
        try:
            return asyncio.run(Supervisor(settings, workers, serve_args).run())
        except StartupError as error:
            print(f"openchat-server: cannot start: {error}", file=sys.stderr)
            return 2
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
    if settings.server.web_listen:
        print(f"Connect and gRPC-Web for browsers on http://{settings.server.web_listen}")
    print(f"Try: grpcurl -plaintext {listen} list", flush=True)
    return replace(settings, auth=auth)


def token(settings: Settings, args: argparse.Namespace) -> int:
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


def migrate_database(settings: Settings, args: argparse.Namespace) -> int:
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


def show_config(settings: Settings, args: argparse.Namespace) -> int:
    for section, values in vars(settings).items():
        print(f"[{section}]")
        for field, value in values.model_dump().items():
            alias = type(values).model_fields[field].validation_alias
            print(f"  {alias} = {value}")
    return 0


# The commands by the name cli.py's subcommands give them.
COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "serve": serve,
    "token": token,
    "migrate": migrate_database,
    "config": show_config,
}
