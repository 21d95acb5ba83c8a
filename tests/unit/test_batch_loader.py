"""BatchLoader: lookups asked while a load runs form the next batch; equal keys share a result;
a failure reaches every caller of its batch; a caller that gives up does not cancel the others."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import pytest

from openchat.server.sessions.batch_loader import BatchLoader

DEADLINE_SECONDS = 5.0


class GatedLoad:
    """A load function that records its batches and, when gated, waits until released."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()
        self.failure: Exception | None = None

    async def __call__(self, keys: Sequence[str]) -> Mapping[str, str]:
        self.batches.append(list(keys))
        self.started.set()
        await self.release.wait()
        if self.failure is not None:
            raise self.failure
        return {key: key.upper() for key in keys}


async def test_a_lookup_alone_runs_at_once_as_a_batch_of_one() -> None:
    load = GatedLoad()
    loader = BatchLoader(load)
    assert await loader.get("a") == "A"
    assert load.batches == [["a"]]


async def test_lookups_asked_during_a_load_form_the_next_batch() -> None:
    load = GatedLoad()
    load.release.clear()
    loader = BatchLoader(load)
    first = asyncio.create_task(loader.get("a"))
    async with asyncio.timeout(DEADLINE_SECONDS):
        await load.started.wait()
    later = [asyncio.create_task(loader.get(key)) for key in ("b", "c", "b")]
    load.release.set()
    async with asyncio.timeout(DEADLINE_SECONDS):
        results = await asyncio.gather(first, *later)
    assert results == ["A", "B", "C", "B"]
    assert load.batches == [["a"], ["b", "c"]], "equal keys are loaded once"


async def test_lingering_gathers_lookups_that_arrive_one_by_one() -> None:
    load = GatedLoad()
    loader = BatchLoader(load, linger=0.3)
    first = asyncio.create_task(loader.get("a"))
    await asyncio.sleep(0)  # the first lookup is registered, and the loader lingers
    second = asyncio.create_task(loader.get("b"))
    async with asyncio.timeout(DEADLINE_SECONDS):
        assert list(await asyncio.gather(first, second)) == ["A", "B"]
    assert load.batches == [["a", "b"]]


async def test_batches_are_capped() -> None:
    load = GatedLoad()
    load.release.clear()
    loader = BatchLoader(load, max_batch=2)
    tasks = [asyncio.create_task(loader.get(key)) for key in "wxyz"]
    load.release.set()
    async with asyncio.timeout(DEADLINE_SECONDS):
        assert await asyncio.gather(*tasks) == list("WXYZ")
    assert load.batches == [["w", "x"], ["y", "z"]]


async def test_a_failed_load_fails_its_whole_batch_and_not_the_next() -> None:
    load = GatedLoad()
    load.release.clear()
    load.failure = ConnectionError("database unreachable")
    loader = BatchLoader(load)
    tasks = [asyncio.create_task(loader.get(key)) for key in ("a", "b")]
    load.release.set()
    async with asyncio.timeout(DEADLINE_SECONDS):
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(outcome, ConnectionError) for outcome in outcomes)
    load.failure = None
    assert await loader.get("a") == "A"


async def test_a_caller_that_gives_up_does_not_cancel_the_others() -> None:
    load = GatedLoad()
    load.release.clear()
    loader = BatchLoader(load)
    impatient = asyncio.create_task(loader.get("a"))
    patient = asyncio.create_task(loader.get("a"))
    async with asyncio.timeout(DEADLINE_SECONDS):
        await load.started.wait()
    impatient.cancel()
    load.release.set()
    async with asyncio.timeout(DEADLINE_SECONDS):
        assert await patient == "A"
    with pytest.raises(asyncio.CancelledError):
        await impatient
