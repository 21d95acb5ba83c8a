# PYTHON_ARGCOMPLETE_OK
"""`openchat`: the OpenChat command line, built on the client SDK.

Configuration comes from flags or the environment: --target (OPENCHAT_TARGET, default
127.0.0.1:50051), --token (OPENCHAT_TOKEN), --device (OPENCHAT_DEVICE) and --store
(OPENCHAT_STORE: a local store file, which keeps the outbox and the cursors between runs).
TLS: --ca-file (OPENCHAT_CA_FILE) or --tls (system roots), and for mutual TLS --cert-file and
--key-file (OPENCHAT_CLIENT_CERT_FILE, OPENCHAT_CLIENT_KEY_FILE).
Output is for people by default; --json prints one JSON object per line, for scripts. These
options go before or after the command.

Exit status: 0 success, 1 the server refused the request, 2 bad usage, 69 the server could not
be reached, 75 a message was not acknowledged (with --store it stays pending in the store's
outbox and goes out on the next run).

Shell completion: eval "$(register-python-argcomplete openchat)".
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import dataclasses
import enum
import json
import os
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import argcomplete
import grpc

from openchat.client import (
    CaughtUp,
    Client,
    Connected,
    Conversation,
    Disconnected,
    Event,
    Message,
    MessageAck,
    MessageKind,
    MessageReceived,
    MessagesDeleted,
    OutboxChanged,
    OutboxEntry,
    OutboxState,
    Presence,
    PresenceChanged,
    ReceiptReceived,
    Reconnecting,
    SendTimeout,
    ServiceError,
    TypingChanged,
    Unavailable,
    tls_credentials,
)
from openchat.client._reachability import unreachable
from openchat.client._version import DISTRIBUTION, version

DEFAULT_TARGET = "127.0.0.1:50051"
DEFAULT_CONNECT_TIMEOUT = 5.0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 69  # EX_UNAVAILABLE: the server could not be reached
EXIT_PENDING = 75  # EX_TEMPFAIL: try again later
EXIT_BROKEN_PIPE = 141  # what a shell reports for a process killed by SIGPIPE

Command = Callable[[Client, argparse.Namespace, "Printer"], Awaitable[int]]


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    argcomplete.autocomplete(parser)
    args = parser.parse_args(argv)
    if not args.token:
        print("openchat: a token is required (--token or OPENCHAT_TOKEN)", file=sys.stderr)
        return EXIT_USAGE
    printer = Printer(json_output=args.json)
    try:
        credentials = _credentials(args)
    except (OSError, ValueError) as error:
        print(f"openchat: TLS: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return asyncio.run(_run(args, printer, credentials))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`openchat ... | head -1`): stop quietly, as other tools do, and
        # keep Python from failing again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


async def _run(
    args: argparse.Namespace, printer: Printer, credentials: grpc.ChannelCredentials | None
) -> int:
    command: Command = args.command
    if args.needs_server(args):
        problem = await unreachable(
            args.target, credentials=credentials, within=args.connect_timeout
        )
        if problem is not None:
            printer.unreachable(args.target, problem)
            command = args.offline
    client = Client(
        args.target,
        credentials=credentials,
        token=args.token,
        device_id=args.device or f"openchat-cli-{uuid.uuid4().hex[:8]}",
        store_path=args.store,
        live=command is _listen,
        catch_up_history=getattr(args, "history", True),
        app="openchat-cli",
    )
    try:
        async with client:
            return await command(client, args, printer)
    except Unavailable as error:
        printer.error(error)
        return EXIT_UNAVAILABLE
    except ServiceError as error:
        printer.error(error)
        return EXIT_REFUSED


def _always(args: argparse.Namespace) -> bool:
    return True


async def _server_needed(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    """What a command that needs the server does when it is unreachable (already said)."""
    return EXIT_UNAVAILABLE


# --- commands --------------------------------------------------------------------------------


async def _send(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    try:
        ack = await client.send(args.conversation_id, args.text, timeout=args.timeout)
    except SendTimeout as pending:
        printer.pending(
            pending.client_msg_id, args.store, f"not acknowledged within {args.timeout:g} s"
        )
        return EXIT_PENDING
    printer.ack(ack)
    return 0


async def _send_later(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    """The server is unreachable: with a store the message waits in its outbox for a later
    run; without one nothing is written, and saying otherwise would lose it silently."""
    if args.store is None:
        printer.note("the message was not sent; with --store it would wait for a later run")
        return EXIT_UNAVAILABLE
    entry = await client.enqueue(args.conversation_id, args.text)
    printer.pending(entry.client_msg_id, args.store, "not sent")
    return EXIT_PENDING


async def _listen(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    """Print events until interrupted (SIGINT or SIGTERM), reconnecting as needed."""
    if args.watch:
        await client.watch_presence(args.watch)

    async def print_events() -> int:
        async for event in client.events():
            printer.event(event)
            if isinstance(event, Disconnected) and not event.will_reconnect:
                # Refused for good (a bad or expired token, say): reconnecting cannot help.
                if isinstance(event.error, ServiceError):
                    printer.error(event.error)
                return EXIT_REFUSED
        return 0

    printing = asyncio.create_task(print_events())
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, printing.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        return await printing
    return 0


async def _sync(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    await client.sync()
    for event in await client.poll_events():
        printer.event(event)
    return 0


async def _history(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    for message in await client.history(
        args.conversation_id, before_seq=args.before, limit=args.limit
    ):
        printer.message(message)
    return 0


async def _edit(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    printer.ack(await client.edit_message(args.conversation_id, args.message_id, args.text))
    return 0


async def _recall(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    printer.ack(await client.recall_message(args.conversation_id, args.message_id))
    return 0


async def _delete(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    deleted = await client.delete_messages(args.conversation_id, args.message_ids)
    printer.count("deleted", deleted)
    return 0


async def _react(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    change = client.remove_reaction if args.remove else client.add_reaction
    printer.ack(await change(args.conversation_id, args.message_id, args.emoji))
    return 0


async def _forward(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    for ack in await client.forward_messages(args.conversation_id, args.message_ids, args.to):
        printer.ack(ack)
    return 0


async def _read_by(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    readers, others = await client.get_read_by(args.conversation_id, args.message_id)
    printer.read_by(readers, others)
    return 0


async def _mute(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    if args.off:
        printer.conversation(await client.unmute(args.conversation_id))
    else:
        until = datetime.fromisoformat(args.until) if args.until else None
        printer.conversation(await client.mute(args.conversation_id, until))
    return 0


async def _pin(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    printer.conversation(await client.pin(args.conversation_id, not args.off))
    return 0


async def _groups_create(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    printer.conversation(await client.create_group(args.title, args.members))
    return 0


async def _groups_add(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    printer.conversation(await client.add_members(args.conversation_id, args.members))
    return 0


async def _groups_remove(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    printer.conversation(await client.remove_members(args.conversation_id, args.members))
    return 0


async def _groups_list(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    for conversation in await client.list_conversations():
        printer.conversation(conversation)
    return 0


async def _direct(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    printer.conversation(await client.get_or_create_direct(args.peer_id))
    return 0


async def _presence(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    for presence in await client.get_presence(args.user_ids):
        printer.presence(presence)
    return 0


async def _outbox(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    """List the store's outbox; with --flush, first wait until nothing is pending."""
    if args.flush:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(args.timeout):
                await client.outbox.flush()
    return await _list_outbox(client, args, printer)


async def _list_outbox(client: Client, args: argparse.Namespace, printer: Printer) -> int:
    entries = await client.outbox.entries()
    for entry in entries:
        printer.outbox_entry(entry)
    pending = any(entry.state is OutboxState.PENDING for entry in entries)
    return EXIT_PENDING if args.flush and pending else 0


# --- arguments -------------------------------------------------------------------------------


def _add_global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """The options every command takes. They are added to the main parser (with their
    defaults) and to each command's (without: SUPPRESS keeps a value given before the command
    from being overwritten), so that they work before and after the command."""

    def default(value: Any) -> Any:
        return value if defaults else argparse.SUPPRESS

    env = os.environ
    parser.add_argument(
        "--target",
        default=default(env.get("OPENCHAT_TARGET", DEFAULT_TARGET)),
        help=f"server HOST:PORT (OPENCHAT_TARGET, default {DEFAULT_TARGET})",
    )
    parser.add_argument(
        "--token", default=default(env.get("OPENCHAT_TOKEN")), help="bearer token (OPENCHAT_TOKEN)"
    )
    parser.add_argument(
        "--device",
        default=default(env.get("OPENCHAT_DEVICE")),
        help="device id (OPENCHAT_DEVICE; a new one per run by default)",
    )
    parser.add_argument(
        "--store",
        default=default(env.get("OPENCHAT_STORE")),
        help="local store file: outbox and cursors kept between runs (OPENCHAT_STORE)",
    )
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=default(DEFAULT_CONNECT_TIMEOUT),
        metavar="S",
        help=f"seconds to wait for the server to answer at all ({DEFAULT_CONNECT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--json", action="store_true", default=default(False), help="one JSON object per line"
    )
    tls = parser.add_argument_group("TLS (plaintext unless one of these is given)")
    tls.add_argument(
        "--tls",
        action="store_true",
        default=default(env.get("OPENCHAT_TLS", "").lower() in ("1", "true", "yes")),
        help="connect over TLS, trusting the system's roots (OPENCHAT_TLS=true)",
    )
    tls.add_argument(
        "--ca-file",
        default=default(env.get("OPENCHAT_CA_FILE")),
        help="connect over TLS, trusting the CA in this PEM file (OPENCHAT_CA_FILE)",
    )
    tls.add_argument(
        "--cert-file",
        default=default(env.get("OPENCHAT_CLIENT_CERT_FILE")),
        help="client certificate (PEM), for mutual TLS (OPENCHAT_CLIENT_CERT_FILE)",
    )
    tls.add_argument(
        "--key-file",
        default=default(env.get("OPENCHAT_CLIENT_KEY_FILE")),
        help="the client certificate's key (PEM) (OPENCHAT_CLIENT_KEY_FILE)",
    )


def _credentials(args: argparse.Namespace) -> grpc.ChannelCredentials | None:
    if not (args.tls or args.ca_file or args.cert_file or args.key_file):
        return None
    return tls_credentials(ca_file=args.ca_file, cert_file=args.cert_file, key_file=args.key_file)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    _add_global_options(common, defaults=False)

    parser = argparse.ArgumentParser(
        prog="openchat", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {version()} ({DISTRIBUTION})"
    )
    _add_global_options(parser, defaults=True)
    # needs_server: whether to check first that the server answers; offline: what to do
    # instead when it does not.
    parser.set_defaults(needs_server=_always, offline=_server_needed)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, run: Command, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help_text, description=help_text)
        sub.set_defaults(command=run)
        return sub

    send = command("send", _send, "send a message and print its ack")
    send.add_argument("conversation_id")
    send.add_argument("text")
    send.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to wait for the ack (30)"
    )
    send.set_defaults(offline=_send_later)

    listen = command("listen", _listen, "print messages, receipts and presence live")
    listen.add_argument("--watch", nargs="+", metavar="USER", help="also watch their presence")
    listen.add_argument(
        "--history",
        action="store_true",
        help="on a new store, first print every conversation's earlier messages",
    )
    listen.set_defaults(history=False)

    command("sync", _sync, "print what is new since the last sync (all history without --store)")

    history = command("history", _history, "print a conversation's messages, oldest first")
    history.add_argument("conversation_id")
    history.add_argument("--before", type=int, help="only messages with a lower seq")
    history.add_argument("--limit", type=int, default=50, help="at most this many (50)")

    _add_change_commands(command)

    groups = commands.add_parser("groups", help="create, change and list groups")
    group_commands = groups.add_subparsers(required=True, metavar="ACTION")

    def group_command(name: str, run: Command, help_text: str) -> argparse.ArgumentParser:
        sub = group_commands.add_parser(name, parents=[common], help=help_text)
        sub.set_defaults(command=run)
        return sub

    create = group_command("create", _groups_create, "create a group")
    create.add_argument("title")
    create.add_argument("members", nargs="*", metavar="MEMBER")
    add = group_command("add", _groups_add, "add members to a group")
    add.add_argument("conversation_id")
    add.add_argument("members", nargs="+", metavar="MEMBER")
    remove = group_command("remove", _groups_remove, "remove members (or yourself)")
    remove.add_argument("conversation_id")
    remove.add_argument("members", nargs="+", metavar="MEMBER")
    group_command("list", _groups_list, "list your conversations")

    direct = command("direct", _direct, "print the direct conversation with a user")
    direct.add_argument("peer_id")

    presence = command("presence", _presence, "print users' presence")
    presence.add_argument("user_ids", nargs="+", metavar="USER")

    outbox = command("outbox", _outbox, "list the store's outbox (pending, sent, failed)")
    outbox.add_argument("--flush", action="store_true", help="first send what is pending")
    outbox.add_argument("--timeout", type=float, default=30.0, help="seconds --flush may take (30)")
    # Listing works offline; --flush reports an unreachable server and lists what is pending.
    outbox.set_defaults(needs_server=lambda args: args.flush, offline=_list_outbox)
    return parser


def _add_change_commands(
    command: Callable[[str, Command, str], argparse.ArgumentParser],
) -> None:
    """The commands that change messages and conversation settings."""
    edit = command("edit", _edit, "replace the text of a message you sent")
    edit.add_argument("conversation_id")
    edit.add_argument("message_id")
    edit.add_argument("text")
    recall = command("recall", _recall, "recall a message for everyone")
    recall.add_argument("conversation_id")
    recall.add_argument("message_id")
    delete = command("delete", _delete, "delete messages from your own history")
    delete.add_argument("conversation_id")
    delete.add_argument("message_ids", nargs="+", metavar="MESSAGE_ID")
    react = command("react", _react, "react to a message with an emoji")
    react.add_argument("conversation_id")
    react.add_argument("message_id")
    react.add_argument("emoji")
    react.add_argument("--remove", action="store_true", help="take the reaction back")
    forward = command("forward", _forward, "copy messages into another conversation")
    forward.add_argument("conversation_id")
    forward.add_argument("message_ids", nargs="+", metavar="MESSAGE_ID")
    forward.add_argument("--to", required=True, help="the conversation to copy them into")
    read_by = command("read-by", _read_by, "print who read a message you sent")
    read_by.add_argument("conversation_id")
    read_by.add_argument("message_id")
    mute = command("mute", _mute, "no push notifications except mentions (forever by default)")
    mute.add_argument("conversation_id")
    mute.add_argument("--until", help="an ISO 8601 time with its offset, e.g. 2027-01-01T08:00Z")
    mute.add_argument("--off", action="store_true", help="unmute")
    pin = command("pin", _pin, "pin a conversation to the top of your list")
    pin.add_argument("conversation_id")
    pin.add_argument("--off", action="store_true", help="unpin")


# --- output ----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A JSON-ready copy of an SDK value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, BaseException):
        return str(value)
    return value


_EVENT_NAMES: dict[type[Any], str] = {
    Connected: "connected",
    Disconnected: "disconnected",
    Reconnecting: "reconnecting",
    CaughtUp: "caught_up",
    MessageReceived: "message",
    MessagesDeleted: "messages_deleted",
    ReceiptReceived: "receipt",
    PresenceChanged: "presence",
    TypingChanged: "typing",
    OutboxChanged: "outbox",
}


class Printer:
    """Writes results for people, or as JSON lines."""

    def __init__(self, *, json_output: bool) -> None:
        self._json = json_output

    def _emit(self, kind: str, value: Any, human: str) -> None:
        if self._json:
            print(json.dumps({"type": kind, **_plain(value)}, sort_keys=True), flush=True)
        else:
            print(human, flush=True)

    def message(self, message: Message) -> None:
        text = message.content.text or f"[{message.content.mime_type or 'attachment'}]"
        if message.recalled:
            text = "[recalled]"
        elif message.kind is not MessageKind.MESSAGE:
            change = message.kind.value.replace("_", " ")
            detail = message.emoji or message.content.text
            text = f"[{change} {message.target_message_id}] {detail}".rstrip()
        when = message.server_time.strftime("%Y-%m-%d %H:%M:%S")
        self._emit(
            "message",
            message,
            f"{when} {message.conversation_id} #{message.seq} {message.sender_id}: {text}",
        )

    def ack(self, ack: MessageAck) -> None:
        repeat = " (already stored)" if ack.duplicate else ""
        self._emit("ack", ack, f"sent: {ack.conversation_id} #{ack.seq} {ack.message_id}{repeat}")

    def conversation(self, conversation: Conversation) -> None:
        title = conversation.title or "(direct)"
        members = ", ".join(conversation.member_ids)
        self._emit(
            "conversation",
            conversation,
            f"{conversation.conversation_id} {conversation.kind.value} {title!r} "
            f"last #{conversation.last_seq}, {conversation.unread_count} unread: {members}",
        )

    def count(self, kind: str, count: int) -> None:
        self._emit(kind, {"count": count}, f"{kind}: {count}")

    def read_by(self, readers: list[str], others: list[str]) -> None:
        self._emit(
            "read_by",
            {"reader_ids": readers, "unread_member_ids": others},
            f"read by: {', '.join(readers) or '-'}; not yet: {', '.join(others) or '-'}",
        )

    def presence(self, presence: Presence) -> None:
        state = f"online ({presence.device_count})" if presence.online else "offline"
        seen = f", last seen {presence.last_seen:%Y-%m-%d %H:%M:%S}" if presence.last_seen else ""
        self._emit("presence", presence, f"{presence.user_id}: {state}{seen}")

    def outbox_entry(self, entry: OutboxEntry) -> None:
        outcome = f" #{entry.ack.seq}" if entry.ack else f" {entry.error}" if entry.error else ""
        self._emit(
            "outbox",
            entry,
            f"{entry.state.value:<7} {entry.conversation_id} {entry.client_msg_id}{outcome}: "
            f"{entry.content.text}",
        )

    def event(self, event: Event) -> None:
        match event:
            case MessageReceived(message=message):
                self.message(message)
            case PresenceChanged(presence=presence):
                self.presence(presence)
            case OutboxChanged(entry=entry):
                self.outbox_entry(entry)
            case _:
                self._emit(_EVENT_NAMES[type(event)], event, f"* {_describe(event)}")

    def pending(self, client_msg_id: str, store: str | None, outcome: str) -> None:
        """A message that was not acknowledged: say where it is, and what happens to it."""
        if self._json:
            print(json.dumps({"type": "pending", "client_msg_id": client_msg_id}), flush=True)
        if store is None:
            later = "it may or may not have been stored; nothing retries it after this run"
        else:
            later = f"it waits in {store} and goes out on the next run with this --store"
        self.note(f"message {client_msg_id} {outcome}: {later}")

    def note(self, text: str) -> None:
        print(f"openchat: {text}", file=sys.stderr)

    def unreachable(self, target: str, problem: Unavailable) -> None:
        if self._json:
            detail = {"code": problem.code.name, "target": target, "message": problem.message}
            print(json.dumps({"type": "error", **detail}), file=sys.stderr)
        else:
            self.note(
                f"cannot reach the server at {target}: {problem.message} "
                "(is it running? --target or OPENCHAT_TARGET says where it is)"
            )

    def error(self, error: ServiceError) -> None:
        if self._json:
            detail = {"code": error.code.name, "reason": error.reason, "message": error.message}
            print(json.dumps({"type": "error", **detail}), file=sys.stderr)
        else:
            self.note(str(error))


def _describe(event: Event) -> str:
    match event:
        case Connected(session_id=session_id, user_id=user_id):
            return f"connected as {user_id} (session {session_id})"
        case Disconnected(error=error, will_reconnect=will_reconnect):
            then = "reconnecting" if will_reconnect else "giving up"
            return f"disconnected: {error or 'closed by the server'}; {then}"
        case Reconnecting(attempt=attempt, delay=delay):
            return f"reconnecting (attempt {attempt}) in {delay:.1f} s"
        case CaughtUp(message_count=count):
            return f"caught up ({count} missed messages)"
        case ReceiptReceived(receipt=r):
            return f"{r.user_id} {r.kind.value} {r.conversation_id} up to #{r.seq}"
        case MessagesDeleted(conversation_id=conversation_id, seqs=seqs):
            deleted = ", ".join(f"#{seq}" for seq in seqs)
            return f"deleted for you in {conversation_id}: {deleted}"
        case TypingChanged(typing=t):
            doing = "is typing" if t.typing else "stopped typing"
            return f"{t.user_id} {doing} in {t.conversation_id}"
        case _:
            return repr(event)
