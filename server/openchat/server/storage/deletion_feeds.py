"""Deleting messages for oneself, as a feed: each message a user hides takes the next position
of that user's deletion feed, so that a device that was offline asks for the deletions after
its cursor, as it asks for the messages after its seqs.

The feed has the guarantees of a conversation's sequence, by the same means: the user's row in
deletion_feeds is locked and advanced in the transaction that inserts the hidden_messages rows,
so a user's deletions commit one at a time, positions have no gaps (a rolled-back transaction
gives its positions back), and position N is visible only once every position below it is. A
reader that has seen N has seen, or can read, everything up to it; on any number of nodes.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from openchat.server.domain.errors import MessageNotFound
from openchat.server.domain.model import MessageKind, MessagesDeleted
from openchat.server.storage.tables import deletion_feeds, hidden_messages, messages


async def hide_in_feed(
    connection: AsyncConnection, user_id: str, conversation_id: str, message_ids: Sequence[str]
) -> MessagesDeleted:
    """Hide the messages from the user in the connection's transaction, appending those not
    hidden before to the user's feed in seq order (see MessageStore.hide)."""
    rows = await connection.execute(
        select(messages.c.message_id, messages.c.seq).where(
            messages.c.message_id.in_(set(message_ids)),
            messages.c.conversation_id == conversation_id,
            messages.c.kind == MessageKind.MESSAGE.value,
        )
    )
    seqs = {message_id: seq for message_id, seq in rows}
    missing = [message_id for message_id in message_ids if message_id not in seqs]
    if missing:
        raise MessageNotFound(missing[0])
    # From here the user's feed row is locked until commit: a concurrent deletion of the same
    # user waits, so the check below sees every one committed before it.
    head = await _lock_feed(connection, user_id)
    taken = set(
        (
            await connection.execute(
                select(hidden_messages.c.seq).where(
                    hidden_messages.c.user_id == user_id,
                    hidden_messages.c.conversation_id == conversation_id,
                    hidden_messages.c.seq.in_(set(seqs.values())),
                )
            )
        ).scalars()
    )
    new = sorted(set(seqs.values()) - taken)
    if new:
        await connection.execute(
            insert(hidden_messages),
            [
                {
                    "user_id": user_id,
                    "conversation_id": conversation_id,
                    "seq": seq,
                    "position": head + offset,
                }
                for offset, seq in enumerate(new, start=1)
            ],
        )
        await connection.execute(
            update(deletion_feeds)
            .where(deletion_feeds.c.user_id == user_id)
            .values(last_position=head + len(new))
        )
    named = sorted(seqs, key=seqs.__getitem__)
    return MessagesDeleted(
        conversation_id,
        tuple(named),
        tuple(seqs[message_id] for message_id in named),
        newly_hidden=len(new),
        deletions_position=head + len(new),
    )


async def _lock_feed(connection: AsyncConnection, user_id: str) -> int:
    """The user's feed position, with the user's feed row locked until commit (created at 0 on
    the user's first deletion). An upsert, so that two first deletions cannot both create it:
    the second waits for the first and then takes the existing row."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(deletion_feeds)
        .values(user_id=user_id, last_position=0)
        .on_conflict_do_update(
            index_elements=[deletion_feeds.c.user_id],
            # Rewriting the row as it is takes its lock (SELECT ... FOR UPDATE cannot create).
            set_={"last_position": deletion_feeds.c.last_position},
        )
        .returning(deletion_feeds.c.last_position)
    )
    return int((await connection.execute(statement)).scalar_one())
