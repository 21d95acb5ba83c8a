"""The `openchat` command line against a real server: JSON output for scripts, human output,
errors and exit codes, and `listen`."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.api import Api
from tests.support.clients import token
from tests.support.listener import JsonLines, Line, messages, of_type
from tests.support.processes import (
    CLIENT_COMMAND,
    Completed,
    environment,
    free_port,
    python_process,
    run_cli,
)
from tests.support.servers import RunningServer

# However the server fails, a command ends within this (the issue: "never hangs").
CLI_DEADLINE = 10.0


async def openchat(
    *args: str, target: str, user_id: str | None, stdout: int = asyncio.subprocess.PIPE
) -> Completed:
    """`openchat ARGS...` configured through the environment, as a script would."""
    env = environment(OPENCHAT_TARGET=target)
    if user_id is not None:
        env["OPENCHAT_TOKEN"] = token(user_id)
    return await run_cli(*args, env=env, program=CLIENT_COMMAND, within=CLI_DEADLINE, stdout=stdout)


def lines(result: Completed) -> list[Line]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


async def test_groups_send_history_sync_and_presence_as_json(
    chat_server: RunningServer, user_ids: Iterator[str]
) -> None:
    alice, bob, carol = next(user_ids), next(user_ids), next(user_ids)
    target = chat_server.target

    (group,) = lines(
        await openchat("groups", "create", "--json", "team", bob, target=target, user_id=alice)
    )
    assert (group["type"], group["kind"], group["title"]) == ("conversation", "group", "team")
    assert group["member_ids"] == sorted([alice, bob])
    conversation_id = str(group["conversation_id"])

    (ack,) = lines(
        await openchat("send", "--json", conversation_id, "hello", target=target, user_id=alice)
    )
    assert (ack["type"], ack["seq"], ack["duplicate"]) == ("ack", 1, False)

    (added,) = lines(
        await openchat(
            "groups", "add", "--json", conversation_id, carol, target=target, user_id=alice
        )
    )
    assert carol in added["member_ids"]
    (removed,) = lines(
        await openchat(
            "groups", "remove", "--json", conversation_id, carol, target=target, user_id=alice
        )
    )
    assert carol not in removed["member_ids"]

    (listed,) = lines(await openchat("groups", "list", "--json", target=target, user_id=bob))
    assert listed["conversation_id"] == conversation_id
    (message,) = lines(
        await openchat("history", "--json", conversation_id, target=target, user_id=bob)
    )
    assert (message["seq"], message["sender_id"]) == (1, alice)
    assert message["content"] == {
        "attachments": [],
        "attributes": {},
        "data": "",
        "mention_user_ids": [],
        "mime_type": "",
        "reply_to_message_id": "",
        "text": "hello",
    }
    synced = lines(await openchat("sync", "--json", target=target, user_id=bob))
    assert [(m["type"], m["message_id"]) for m in synced] == [("message", ack["message_id"])]
    (presence,) = lines(await openchat("presence", "--json", carol, target=target, user_id=bob))
    assert (presence["user_id"], presence["online"]) == (carol, False)
    (direct,) = lines(await openchat("direct", "--json", carol, target=target, user_id=bob))
    assert (direct["kind"], direct["member_ids"]) == ("direct", sorted([bob, carol]))


async def test_human_output_errors_and_exit_codes(
    chat_server: RunningServer, chat_api: Api, user_ids: Iterator[str]
) -> None:
    alice, mallory = next(user_ids), next(user_ids)
    group = await chat_api.create_group(alice, [])
    target = chat_server.target

    sent = await openchat("send", group.conversation_id, "hi", target=target, user_id=alice)
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.startswith(f"sent: {group.conversation_id} #1 ")

    refused = await openchat(
        "send", "--json", group.conversation_id, "hi", target=target, user_id=mallory
    )
    assert refused.returncode == 1
    error = json.loads(refused.stderr)
    assert (error["code"], error["reason"]) == ("PERMISSION_DENIED", "NOT_A_MEMBER")

    no_token = await openchat("send", group.conversation_id, "hi", target=target, user_id=None)
    assert no_token.returncode == 2
    assert "token is required" in no_token.stderr


async def test_a_message_written_offline_waits_in_the_store_for_a_later_run(
    chat_server: RunningServer, chat_api: Api, user_ids: Iterator[str], tmp_path: Path
) -> None:
    alice = next(user_ids)
    group = await chat_api.create_group(alice, [])
    store = str(tmp_path / "alice.db")
    nowhere = f"127.0.0.1:{free_port()}"  # nothing listens there: the server is down

    offline = await openchat(
        "send", "--json", "--store", store, "--timeout", "0.5", group.conversation_id, "later",
        target=nowhere, user_id=alice,
    )  # fmt: skip
    assert offline.returncode == 75, offline.stderr
    (pending,) = [json.loads(line) for line in offline.stdout.splitlines()]
    assert pending["type"] == "pending"
    (entry,) = lines(
        await openchat("outbox", "--json", "--store", store, target=nowhere, user_id=alice)
    )
    assert (entry["state"], entry["client_msg_id"]) == ("pending", pending["client_msg_id"])

    flushed = lines(
        await openchat(
            "outbox",
            "--json",
            "--flush",
            "--store",
            store,
            target=chat_server.target,
            user_id=alice,
        )
    )
    assert [(e["state"], e["client_msg_id"]) for e in flushed] == [
        ("sent", pending["client_msg_id"])
    ]
    (stored,) = await chat_api.history(alice, group.conversation_id)
    assert (stored.client_msg_id, stored.content.text) == (pending["client_msg_id"], "later")


async def test_listen_prints_messages_presence_and_deletions_live_until_sigterm(
    chat_server: RunningServer, chat_api: Api, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    group = await chat_api.create_group(bob, [alice])
    args = ["listen", "--json", "--target", chat_server.target, "--token", token(alice)]
    async with python_process("openchat.client", [*args, "--watch", bob]) as listener:
        output = JsonLines(listener)
        await output.until(of_type("caught_up"))
        offline = await output.until(of_type("presence"))
        await chat_api.send(bob, group.conversation_id, "are you there?")
        received = await output.until(of_type("message"))
        (message,) = messages(received)
        # Alice deletes it for herself elsewhere (another device): the listener hears of it.
        await chat_api.delete_for_me(alice, group.conversation_id, [message["message_id"]])
        deleted = await output.until(of_type("messages_deleted"))
        listener.send_signal(signal.SIGTERM)
        assert await listener.wait() == 0

    assert (offline[-1]["user_id"], offline[-1]["online"]) == (bob, False)
    assert (message["sender_id"], message["seq"]) == (bob, 1)
    assert message["content"]["text"] == "are you there?"
    assert deleted[-1] == {
        "type": "messages_deleted",
        "conversation_id": group.conversation_id,
        "message_ids": [message["message_id"]],
        "seqs": [1],
    }


async def test_edit_react_recall_delete_forward_read_by_mute_and_pin(
    chat_server: RunningServer, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    target = chat_server.target

    async def as_user(user_id: str, *args: str) -> list[Line]:
        return lines(await openchat(*args, "--json", target=target, user_id=user_id))

    (group,) = await as_user(alice, "groups", "create", "team", bob)
    conversation_id = str(group["conversation_id"])
    (other,) = await as_user(bob, "groups", "create", "elsewhere")
    (sent,) = await as_user(alice, "send", conversation_id, "helo")
    message_id = str(sent["message_id"])
    (edit,) = await as_user(alice, "edit", conversation_id, message_id, "hello")
    (react,) = await as_user(bob, "react", conversation_id, message_id, "👍")
    assert [edit["seq"], react["seq"]] == [2, 3]
    (forwarded,) = await as_user(
        bob, "forward", conversation_id, message_id, "--to", str(other["conversation_id"])
    )
    assert forwarded["seq"] == 1
    (shown,) = await as_user(bob, "history", conversation_id)
    assert shown["content"]["text"] == "hello"
    assert shown["reactions"] == [{"emoji": "👍", "count": 1, "reacted_by_me": True}]
    (read_by,) = await as_user(alice, "read-by", conversation_id, message_id)
    assert read_by["reader_ids"] == []
    (muted,) = await as_user(bob, "mute", conversation_id)
    assert muted["muted_until"].startswith("9999-12-31")
    (pinned,) = await as_user(bob, "pin", conversation_id)
    assert pinned["pinned"]
    (recall,) = await as_user(alice, "recall", conversation_id, message_id)
    assert recall["seq"] == 4
    (deleted,) = await as_user(bob, "delete", conversation_id, message_id)
    assert deleted == {"type": "deleted", "count": 1}
    assert await as_user(bob, "history", conversation_id) == []


@pytest.mark.parametrize(
    "ttl_seconds", [pytest.param(None, id="bad-token"), pytest.param(-60, id="expired-token")]
)
async def test_listen_refused_for_good_exits_1_naming_the_reason(
    chat_server: RunningServer, user_ids: Iterator[str], ttl_seconds: float | None
) -> None:
    alice = next(user_ids)
    bad = "not-a-token" if ttl_seconds is None else token(alice, ttl_seconds=ttl_seconds)
    env = environment(OPENCHAT_TARGET=chat_server.target, OPENCHAT_TOKEN=bad)
    result = await run_cli("listen", env=env, program=CLIENT_COMMAND, within=CLI_DEADLINE)
    assert result.returncode == 1, result.stderr
    assert "giving up" in result.stdout
    assert "UNAUTHENTICATED" in result.stderr


COMMANDS = {
    "send": ["send", "c-1", "hi"],
    "listen": ["listen"],
    "sync": ["sync"],
    "history": ["history", "c-1"],
    "groups create": ["groups", "create", "team"],
    "groups list": ["groups", "list"],
    "direct": ["direct", "bob"],
    "presence": ["presence", "bob"],
}


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
async def test_every_command_says_at_once_that_the_server_refuses_connections(
    command: list[str],
) -> None:
    nowhere = f"127.0.0.1:{free_port()}"  # nothing listens there: the server is down
    result = await openchat(*command, target=nowhere, user_id="alice")
    assert result.returncode == 69, result.stderr
    assert f"cannot reach the server at {nowhere}: connection refused" in result.stderr
    # Nothing was written without --store, so nothing may promise a later delivery.
    assert "will be sent" not in result.stderr
    assert "never retrieved" not in result.stderr
    assert "Traceback" not in result.stderr


async def test_a_server_that_never_answers_is_reported_after_the_connect_timeout() -> None:
    with socket.socket() as silent:  # accepts connections (the kernel's backlog), says nothing
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        target = "{}:{}".format(*silent.getsockname())
        result = await openchat(
            "groups", "list", "--connect-timeout", "1", target=target, user_id="alice"
        )
    assert result.returncode == 69, result.stderr
    assert f"cannot reach the server at {target}: no answer within 1 s" in result.stderr


async def test_send_to_a_down_server_with_a_store_keeps_the_message_at_once(
    tmp_path: Path,
) -> None:
    nowhere = f"127.0.0.1:{free_port()}"
    store = str(tmp_path / "alice.db")
    result = await openchat("send", "--store", store, "c-1", "later", target=nowhere, user_id="a")
    assert result.returncode == 75, result.stderr
    assert "connection refused" in result.stderr
    assert f"waits in {store} and goes out on the next run" in result.stderr
    assert "never retrieved" not in result.stderr

    flush = await openchat("outbox", "--flush", "--store", store, target=nowhere, user_id="a")
    assert flush.returncode == 75, flush.stderr
    assert "connection refused" in flush.stderr
    assert flush.stdout.startswith("pending c-1 ")


async def test_global_options_work_before_and_after_the_command(
    chat_server: RunningServer, user_ids: Iterator[str]
) -> None:
    alice, bob = next(user_ids), next(user_ids)
    env = environment()  # no OPENCHAT_* variable: everything comes from the flags
    flags = ["--json", "--target", chat_server.target, "--token", token(alice)]
    before = await run_cli(
        *flags, "groups", "create", "before", bob, env=env, program=CLIENT_COMMAND
    )
    after = await run_cli("groups", "create", *flags, "after", bob, env=env, program=CLIENT_COMMAND)
    titles = [json.loads(result.stdout)["title"] for result in (before, after)]
    assert titles == ["before", "after"]


async def test_a_closed_output_pipe_ends_quietly(
    chat_server: RunningServer, chat_api: Api, user_ids: Iterator[str]
) -> None:
    alice = next(user_ids)
    group = await chat_api.create_group(alice, [])
    reader, writer = os.pipe()
    os.close(reader)  # like `| head -1` once it has its line: every write fails with EPIPE
    try:
        result = await openchat(
            "groups", "list", target=chat_server.target, user_id=alice, stdout=writer
        )
    finally:
        os.close(writer)
    assert group.conversation_id
    assert result.returncode == 141
    assert result.stderr == ""


async def test_version_and_shell_completion(tmp_path: Path) -> None:
    version = await run_cli("--version", env=environment(), program=CLIENT_COMMAND)
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("openchat ")
    assert "openchat-client" in version.stdout

    completions = tmp_path / "completions"
    line = "openchat gro"
    env = environment(
        _ARGCOMPLETE="1",
        COMP_LINE=line,
        COMP_POINT=str(len(line)),
        _ARGCOMPLETE_STDOUT_FILENAME=str(completions),
    )
    completed = await run_cli(env=env, program=CLIENT_COMMAND)
    assert completed.returncode == 0, completed.stderr
    assert completions.read_text().split("\v") == ["groups "]  # the space ends the word
