"""message_from_row builds its dataclasses with positional arguments: a message with every
field set comes back from its row unchanged, so a field moved or added in the model cannot
land silently in another one's place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from openchat.server.domain.model import (
    Content,
    ForwardOrigin,
    Message,
    MessageKind,
    ReactionSummary,
)
from openchat.server.storage.message_rows import MESSAGE_COLUMNS, message_from_row, message_to_row
from tests.support.databases import rich_content


def _row(message: Message) -> tuple[object, ...]:
    """The row a statement selecting MESSAGE_COLUMNS returns for the message, with a column
    after them, as the history statement's rows have."""
    columns = message_to_row(message)
    return (*(columns[column.key] for column in MESSAGE_COLUMNS), "a column after them")


def test_a_message_with_every_field_set_reads_back_unchanged() -> None:
    sent = datetime(2026, 12, 7, 13, 30, 1, 123456, tzinfo=UTC)
    message = Message(
        message_id="m1",
        conversation_id="c1",
        seq=42,
        sender_id="alice",
        client_msg_id="k1",
        content=rich_content(),
        server_time=sent,
        kind=MessageKind.EDIT,
        target_message_id="m0",
        emoji="👍",
        edit_count=3,
        edit_time=sent + timedelta(seconds=5),
        recalled=True,
        forwarded_from=ForwardOrigin("c0", "m-origin", "bob"),
        reactions=(ReactionSummary("🎉", 2, reacted_by_me=True),),
    )
    assert message_from_row(_row(message), message.reactions) == message


def test_a_plain_message_reads_back_with_the_defaults() -> None:
    message = Message(
        message_id="m2",
        conversation_id="c1",
        seq=1,
        sender_id="alice",
        client_msg_id="k2",
        content=Content(text="hi"),
        server_time=datetime(2026, 12, 7, tzinfo=UTC),
    )
    assert message_from_row(_row(message)) == message
