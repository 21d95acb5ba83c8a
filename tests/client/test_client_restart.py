"""A client process killed (SIGKILL) while messages arrive resumes from its store when it
starts again: everything it missed, in order, before anything new, and nothing it already
handed to the app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tests.support.api import Api
from tests.support.clients import token
from tests.support.listener import JsonLines, Line, messages, of_type
from tests.support.processes import python_process
from tests.support.servers import RunningServer
from tests.support.traffic import send_round_robin


def seqs(lines: list[Line], conversation_id: str) -> list[int]:
    return [int(m["seq"]) for m in messages(lines) if m["conversation_id"] == conversation_id]


async def test_a_killed_client_process_resumes_from_its_store(
    chat_server: RunningServer, chat_api: Api, user_ids: Iterator[str], tmp_path: Path
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    groups = [(await chat_api.create_group(bob, [alice])).conversation_id for _ in range(2)]
    await send_round_robin(chat_api, bob, groups, 4)
    args = [
        "listen", "--json", "--history",
        "--target", chat_server.target, "--token", token(alice),
        "--store", str(tmp_path / "alice.db"), "--device", "laptop",
    ]  # fmt: skip

    async with python_process("openchat.client", args) as first_run:
        output = JsonLines(first_run)
        history = await output.until(of_type("caught_up"))
        await send_round_robin(chat_api, bob, groups, 2)
        live = await output.until(lambda line: len(messages(output.seen)) == 6)
        first_run.kill()  # no goodbye: the store is all that is left
        await first_run.wait()
    assert [seqs(history, g) for g in groups] == [[1, 2], [1, 2]]
    assert [seqs(live, g) for g in groups] == [[3], [3]]

    await send_round_robin(chat_api, bob, groups, 200)

    async with python_process("openchat.client", args) as second_run:
        output = JsonLines(second_run)
        resumed = await output.until(of_type("caught_up"))
        await send_round_robin(chat_api, bob, groups, 4)
        new = await output.until(lambda line: len(messages(output.seen)) == 204)

    assert resumed[-1]["message_count"] == 200
    assert [seqs(resumed, g) for g in groups] == [list(range(4, 104))] * 2
    assert [seqs(new, g) for g in groups] == [[104, 105]] * 2
