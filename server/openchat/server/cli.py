"""`openchat-server`: serve, issue tokens, migrate, and show the effective configuration."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import Any

from openchat.server.settings import SettingsError, load_settings

DAY = 24 * 3600


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    args.argv = argv
    try:
        settings = load_settings(_overrides(args))
    except SettingsError as error:
        print(f"openchat-server: {error}", file=sys.stderr)
        return 2
    # Imported only now: parsing alone (--help, --version, a wrong flag) needs none of it.
    from openchat.server.commands import COMMANDS  # noqa: PLC0415

    return COMMANDS[args.command](settings, args)


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
    serve.add_argument(
        "--workers",
        dest="server__workers",
        metavar="N",
        help="server processes on the port, N or auto (OPENCHAT_WORKERS; N > 1 needs Redis)",
    )
    serve.set_defaults(command="serve")

    token = commands.add_parser("token", help="print a bearer token for a user")
    token.add_argument("user_id", help="the user the token identifies (its sub claim)")
    token.add_argument(
        "--ttl", type=_seconds, default=DAY, metavar="SECONDS", help="lifetime (1 day)"
    )
    token.add_argument("--role", action="append", default=[], help="a role claim (repeatable)")
    token.set_defaults(command="token")

    migrate_command = commands.add_parser("migrate", help="apply pending database migrations")
    migrate_command.add_argument(
        "--database-url", dest="database__url", metavar="URL", help="(OPENCHAT_DATABASE_URL)"
    )
    migrate_command.set_defaults(command="migrate")

    config = commands.add_parser("config", help="print the effective configuration")
    _add_server_flags(config)
    config.set_defaults(command="config")
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
        (
            "--web-listen",
            "server__web_listen",
            "HOST:PORT",
            "Connect and gRPC-Web address, empty for none (OPENCHAT_WEB_LISTEN)",
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


if __name__ == "__main__":
    sys.exit(main())
