"""A report of every asyncio task's awaits, printed shortly before pytest-timeout fails a test.

pytest-timeout prints the threads' stacks when a test runs out of time, and for a test hung
in an await they only show the event loop waiting in `select`. Ten seconds before the limit
this prints, for each task of the loop, the chain of awaits it is suspended in (coroutine by
coroutine, down to the future it waits for), into the test's captured output, so that a hang
seen once in CI says where it hung.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import sys
import threading
import types
from collections.abc import Iterator
from types import FrameType
from typing import Any

import pytest

# Seconds before the test's timeout at which the report is printed.
REPORT_AHEAD_SECONDS = 10.0


def _frame_of(awaitable: Any) -> FrameType | None:
    for attribute in ("cr_frame", "ag_frame", "gi_frame"):
        frame = getattr(awaitable, attribute, None)
        if frame is not None:
            return frame  # type: ignore[no-any-return]
    return None


def _awaited_by(awaitable: Any) -> Any:
    for attribute in ("cr_await", "ag_await", "gi_yieldfrom"):
        awaited = getattr(awaitable, attribute, None)
        if awaited is not None:
            return awaited
    return None


def _generator_of(awaitable: Any) -> Any:
    """The async generator behind an `async_generator_asend` (what `async with` on an
    asynccontextmanager awaits), which exposes no attribute for it."""
    for referent in gc.get_referents(awaitable):
        if isinstance(referent, types.AsyncGeneratorType):
            return referent
    return None


def await_chain(task: asyncio.Task[Any]) -> Iterator[str]:
    """Where the task is suspended: each coroutine or generator it awaits through, outermost
    first, then what the innermost one waits for."""
    awaitable: Any = task.get_coro()
    while awaitable is not None:
        frame = _frame_of(awaitable)
        if frame is None:
            generator = _generator_of(awaitable)
            if generator is not None:
                awaitable = generator
                continue
            yield f"    waiting for {awaitable!r}"
            return
        code = frame.f_code
        yield f'    File "{code.co_filename}", line {frame.f_lineno}, in {code.co_name}'
        awaitable = _awaited_by(awaitable)


def _report(_signal: int, _frame: FrameType | None) -> None:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        print("hang report: no event loop is running", file=sys.stderr)
        return
    tasks = asyncio.all_tasks(loop)
    print(f"hang report: {len(tasks)} tasks", file=sys.stderr)
    for task in tasks:
        print(f"  task {task.get_name()}:", file=sys.stderr)
        try:
            for line in await_chain(task):
                print(line, file=sys.stderr)
        except Exception as error:  # noqa: BLE001 - a report must never fail the test itself
            print(f"    (not walkable: {error!r})", file=sys.stderr)
    sys.stderr.flush()


def _timeout_of(item: pytest.Item) -> float:
    marker = item.get_closest_marker("timeout")
    if marker is not None and marker.args:
        return float(marker.args[0])
    return float(item.config.getini("timeout") or 0)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    timeout = _timeout_of(item)
    if timeout <= REPORT_AHEAD_SECONDS or threading.current_thread() is not threading.main_thread():
        yield
        return
    # The report runs in the main thread (a signal handler), where the test's loop runs: a
    # timer thread cannot walk another thread's running tasks safely.
    previous = signal.signal(signal.SIGUSR1, _report)
    main = threading.main_thread().ident
    assert main is not None
    timer = threading.Timer(
        timeout - REPORT_AHEAD_SECONDS, signal.pthread_kill, (main, signal.SIGUSR1)
    )
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        signal.signal(signal.SIGUSR1, previous)
