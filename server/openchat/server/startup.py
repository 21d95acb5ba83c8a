"""Start-up failures an operator can fix, told in a few lines that name the setting and the fix.

Before the server builds anything, `check_dependencies` opens one connection to the database and
one to Redis, each within a few seconds, and turns what goes wrong (nothing listens, no such
database or role, a SQLite directory that is missing or read-only, ...) into a StartupError. The
listeners translate their own failures the same way through `listening`. Anything else is a bug,
and keeps its traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import redis.exceptions
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from openchat.server.settings import Settings, masked_url
from openchat.server.storage.database import connect

# Seconds each dependency gets to answer at start: long enough for a database across a region,
# short enough that a wrong address is reported while the operator is still looking.
CONNECT_TIMEOUT_SECONDS = 5.0

DATABASE = "OPENCHAT_DATABASE_URL"
REDIS = "OPENCHAT_REDIS_URL"

# PostgreSQL error codes (SQLSTATE) of failures the URL can fix.
_NO_SUCH_DATABASE = "3D000"  # invalid_catalog_name
_ROLE_REFUSED = "28000"  # invalid_authorization_specification
_WRONG_PASSWORD = "28P01"  # invalid_password  # noqa: S105 - an error code


class StartupError(Exception):
    """The server cannot start for a reason the operator can fix; the message says which
    setting and how."""


async def check_dependencies(settings: Settings) -> None:
    """Raise StartupError unless both listening addresses are free and the database, and Redis
    when configured, answer. (The listeners still report a bind that fails later.)"""
    for variable, address in (
        ("OPENCHAT_LISTEN", settings.server.listen),
        ("OPENCHAT_METRICS_LISTEN", settings.server.metrics_listen),
    ):
        reason = _bind_reason(address) if address else None
        if reason is not None:
            raise _cannot_listen(variable, address, reason)
    await check_database(settings.database.url)
    if settings.redis.url is not None:
        await check_redis(settings.redis.url.get_secret_value())


async def check_database(url: str) -> None:
    """Connect once to the database at `url` (creating a SQLite file, as the server would)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite(parsed.database or "")
        return
    database = connect(url, pool_size=1)
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS), database.writer.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except TimeoutError:
        raise StartupError(
            f"{DATABASE}: {masked_url(url)} did not answer within {CONNECT_TIMEOUT_SECONDS:g} s."
            f"\nCheck that the host and port are right and that a firewall lets them through."
        ) from None
    except OSError as error:
        raise StartupError(
            f"{DATABASE}: cannot reach {_where(parsed.host, parsed.port or 5432)} "
            f"({_reason(error)}).\n"
            f"Start PostgreSQL there, or set {DATABASE} to where it runs."
        ) from None
    except DBAPIError as error:
        raise StartupError(_database_refusal(error, parsed.database, parsed.username)) from None
    finally:
        await database.dispose()


def _check_sqlite(path: str) -> None:
    """Open the SQLite file as the server will (in WAL mode, which writes beside it). Done with
    the standard library's blocking driver: it is one file on a local disk."""
    if not path or path == ":memory:":
        return
    directory = Path(path).absolute().parent
    if not directory.is_dir():
        problem = "is not a directory" if directory.exists() else "does not exist"
        raise StartupError(
            f"{DATABASE}: the directory {directory} of the SQLite file {problem}.\n"
            f"Create it (mkdir -p {directory}), or set {DATABASE} to a file in another one."
        )
    try:
        with contextlib.closing(sqlite3.connect(path)) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as error:
        raise StartupError(
            f"{DATABASE}: SQLite cannot open {path} ({error}).\n"
            f"Make the file and {directory} writable for this user, or set {DATABASE} to a file "
            f"elsewhere."
        ) from None


def _database_refusal(error: DBAPIError, name: str | None, user: str | None) -> str:
    code = getattr(error.orig, "sqlstate", None)
    if code == _NO_SUCH_DATABASE:
        return (
            f'{DATABASE}: PostgreSQL has no database "{name}".\n'
            f"Create it (createdb {name}), or fix the name at the end of {DATABASE}."
        )
    if code in (_ROLE_REFUSED, _WRONG_PASSWORD):
        return (
            f'{DATABASE}: PostgreSQL refused the user "{user}" ({_first_line(error.orig)}).\n'
            f"Fix the user name or password in {DATABASE}, or create the role (createuser {user})."
        )
    return (
        f"{DATABASE}: PostgreSQL refused the connection ({_first_line(error.orig)}).\n"
        f"Fix {DATABASE}, or the database's settings for this user."
    )


async def check_redis(url: str) -> None:
    """PING the Redis at `url` once."""
    client = Redis.from_url(
        url,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_timeout=CONNECT_TIMEOUT_SECONDS,
    )
    parsed = make_url(url)
    where = _where(parsed.host, parsed.port or 6379)
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS):
            await client.ping()
    except (TimeoutError, redis.exceptions.TimeoutError):
        raise StartupError(
            f"{REDIS}: Redis at {where} did not answer within {CONNECT_TIMEOUT_SECONDS:g} s.\n"
            f"Check the host and port, or unset {REDIS} to run a single node without Redis."
        ) from None
    except redis.exceptions.AuthenticationError as error:
        raise StartupError(
            f"{REDIS}: Redis at {where} refused the credentials ({error}).\n"
            f"Fix the user name or password in {REDIS}."
        ) from None
    except (redis.exceptions.ConnectionError, OSError) as error:
        raise StartupError(
            f"{REDIS}: cannot reach Redis at {where} ({_reason(error)}).\n"
            f"Start Redis there, set {REDIS} to where it runs, or unset it to run a single node."
        ) from None
    finally:
        await client.aclose()


@contextlib.contextmanager
def listening(variable: str, address: str) -> Iterator[None]:
    """Turn a failure to listen on `address` (HOST:PORT, from `variable`) into a StartupError
    that says why (grpc only says that binding failed, so the reason is asked of the OS)."""
    try:
        yield
    except (OSError, RuntimeError) as error:
        raise _cannot_listen(variable, address, _bind_reason(address) or str(error)) from None


def _cannot_listen(variable: str, address: str, reason: str) -> StartupError:
    return StartupError(
        f"{variable}: cannot listen on {address} ({reason}).\n"
        f"Stop the process that holds it (another openchat-server?), or set {variable} "
        f"to a free HOST:PORT."
    )


def _bind_reason(address: str) -> str | None:
    """Why binding `address` fails right now, in the OS's words; None when it would succeed."""
    host, _, port = address.rpartition(":")
    try:
        infos = socket.getaddrinfo(host.strip("[]"), int(port), type=socket.SOCK_STREAM)
    except OSError as error:
        return _reason(error)
    family, kind, _, _, sockaddr = infos[0]
    with socket.socket(family, kind) as probe:
        # As the servers do, so that a port whose old connections linger in TIME_WAIT counts
        # as free, and one that a process listens on does not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(sockaddr)
        except OSError as error:
            return _reason(error)
    return None


def _reason(error: BaseException) -> str:
    # Client libraries wrap the OS's error (redis' ConnectionError): its words are clearer.
    cause = error.__cause__ or error.__context__
    if not isinstance(error, OSError) and isinstance(cause, OSError):
        error = cause
    code = getattr(error, "errno", None)
    if code == errno.EADDRINUSE:
        return "address already in use"
    if isinstance(code, int) and code > 0:
        return os.strerror(code).lower()
    if isinstance(error, socket.gaierror):
        return f"unknown host: {error.strerror}"
    return _first_line(error) or type(error).__name__


def _first_line(error: object) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else ""


def _where(host: str | None, port: int) -> str:
    return f"{host or 'localhost'}:{port}"
