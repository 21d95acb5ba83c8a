"""Holding a real database connection of a running server at one point of its work (before a
statement, inside COMMIT) until the test releases it, to make an interleaving happen every time
instead of once in a while. The hooks are SQLAlchemy's connection events on the server's own
engines; they run inside the async engine's greenlet, where `await_only` may wait on the event
loop, so the held connection waits while everything else keeps running."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_only

# Whether a statement (its SQL text and bound parameters) is the one to hold.
StatementMatch = Callable[[str, Any], bool]


class Gate:
    """A point that connections stop at: `arrived` is set when the first one does, and each
    waits there until `release()`."""

    def __init__(self) -> None:
        self.arrived = asyncio.Event()
        self._open = asyncio.Event()

    def release(self) -> None:
        self._open.set()

    def hold(self) -> None:
        """Called from a synchronous event hook: wait (on the event loop) until released."""
        self.arrived.set()
        await_only(self._open.wait())


def inserts_messages_of(conversation_id: str) -> StatementMatch:
    """Matches the INSERT that stores messages of `conversation_id`."""

    def match(statement: str, parameters: Any) -> bool:
        return statement.lstrip().upper().startswith("INSERT INTO MESSAGES") and (
            conversation_id in repr(parameters)
        )

    return match


@contextlib.contextmanager
def statement_held(engine: AsyncEngine, match: StatementMatch) -> Iterator[Gate]:
    """Hold the first statement of `engine` that `match`es, before it runs, until released
    (released anyway when the block ends)."""
    gate = Gate()

    def before(_connection: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if not gate.arrived.is_set() and match(statement, parameters):
            gate.hold()

    with _hooked(engine, gate, {"before_cursor_execute": before}):
        yield gate


@contextlib.contextmanager
def commit_held(engine: AsyncEngine, match: StatementMatch) -> Iterator[Gate]:
    """Hold the COMMIT of the first transaction of `engine` that ran a statement `match`ing,
    before the database commits it, until released (released anyway when the block ends)."""
    gate = Gate()
    mark = f"held-commit-{id(gate)}"

    def before(connection: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if not gate.arrived.is_set() and match(statement, parameters):
            connection.info[mark] = True

    def commit(connection: Any) -> None:
        if connection.info.pop(mark, False):
            gate.hold()

    with _hooked(engine, gate, {"before_cursor_execute": before, "commit": commit}):
        yield gate


@contextlib.contextmanager
def _hooked(
    engine: AsyncEngine, gate: Gate, hooks: dict[str, Callable[..., None]]
) -> Iterator[None]:
    """`engine`'s events call `hooks` (by event name) while the block runs; the gate opens
    when it ends, so that no connection stays held after a failed test."""
    for name, hook in hooks.items():
        event.listen(engine.sync_engine, name, hook)
    try:
        yield
    finally:
        gate.release()
        for name, hook in hooks.items():
            event.remove(engine.sync_engine, name, hook)
