"""Which failures mean a dependency (the database, Redis) is down, restarting or too slow,
rather than a bug: clients are told UNAVAILABLE (retry later) for them, and they are logged as
warnings, without a traceback. The transport's error table and background loops both ask here.
"""

from __future__ import annotations

import redis.exceptions
import sqlalchemy.exc

_TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # includes ConnectionError (refused, reset) and TimeoutError
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
    redis.exceptions.ConnectionError,  # includes BusyLoadingError (Redis starting up)
    redis.exceptions.TimeoutError,
)

# SQLSTATE classes and codes a PostgreSQL restart causes. asyncpg's errors for them arrive
# wrapped in a generic DBAPIError (or unwrapped, from the direct reads of
# storage/direct_reads.py), so they are recognised by their code: connection exceptions
# (08), insufficient resources (53: too many connections while others reconnect), operator
# intervention (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now: "the
# database system is starting up / shutting down").
_TRANSIENT_SQLSTATES = ("08", "53", "57P")


def is_transient(error: BaseException) -> bool:
    """Whether `error` is a dependency's failure that a later retry may well not meet."""
    if isinstance(error, _TRANSIENT_ERRORS):
        return True
    driver_error: BaseException | None = error
    if isinstance(error, sqlalchemy.exc.DBAPIError):
        if error.connection_invalidated:  # SQLAlchemy saw the connection die
            return True
        driver_error = error.orig
    sqlstate = getattr(driver_error, "sqlstate", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(_TRANSIENT_SQLSTATES)
