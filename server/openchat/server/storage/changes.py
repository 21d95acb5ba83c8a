"""Changes to stored messages (edits, recalls, reactions), applied in the transaction that
stores them as entries of the conversation's sequence.

The message row keeps the current state (latest content, edit count, recalled) and the
reactions table the current set, so history reads one row per message; the change entries
themselves carry the same changes to Sync and live sessions. A recall erases content in
place: the recalled message and every stored edit of it lose their text, data and extras.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from openchat.server.domain.errors import OpenChatError
from openchat.server.domain.ids import new_id
from openchat.server.domain.lifecycle import ChangeRules, Reactions, edited, judge
from openchat.server.domain.model import Appended, Content, Message, MessageDraft, MessageKind
from openchat.server.storage.message_rows import content_columns, message_from_row
from openchat.server.storage.tables import mentions, messages, reactions

Outcome = Appended | OpenChatError

# What a recall leaves of a message's content (and of its edits').
ERASED_CONTENT = Content()
ERASED: dict[str, Any] = content_columns(ERASED_CONTENT)


async def apply_changes(
    connection: AsyncConnection,
    drafts: Sequence[MessageDraft],
    candidates: list[int],
    outcomes: dict[int, Outcome],
    *,
    rules: ChangeRules,
    now: datetime,
) -> tuple[list[int], set[str]]:
    """Judge and apply the changes among `candidates` in order, recording refusals in
    `outcomes`. Returns the candidates still to store and the ids of the messages recalled
    (their edits stored by this batch must be stored erased)."""
    changes = [i for i in candidates if drafts[i].kind is not MessageKind.MESSAGE]
    if not changes:
        return candidates, set()
    wanted = {drafts[i].target_message_id for i in changes}
    query = select(messages).where(messages.c.message_id.in_(wanted))
    if connection.dialect.name == "postgresql":
        # Concurrent changes of one message (from other nodes) are judged one after the other.
        query = query.with_for_update()
    targets = {row.message_id: message_from_row(row) for row in await connection.execute(query)}
    pairs: dict[str, set[tuple[str, str]]] = {message_id: set() for message_id in wanted}
    rows = await connection.execute(
        select(reactions.c.message_id, reactions.c.user_id, reactions.c.emoji).where(
            reactions.c.message_id.in_(wanted)
        )
    )
    for message_id, user_id, emoji in rows:
        pairs[message_id].add((user_id, emoji))
    refused: set[int] = set()
    recalled: set[str] = set()
    for index in changes:
        draft = drafts[index]
        target = targets.get(draft.target_message_id)
        reacted = pairs[draft.target_message_id]
        error = judge(draft, target, Reactions(reacted), rules, now)
        if error is not None:
            outcomes[index] = error
            refused.add(index)
            continue
        assert target is not None  # judge refuses a missing target
        targets[target.message_id] = await _apply(connection, draft, target, reacted, now)
        if draft.kind is MessageKind.RECALL:
            recalled.add(target.message_id)
    return [i for i in candidates if i not in refused], recalled


async def _apply(
    connection: AsyncConnection,
    draft: MessageDraft,
    target: Message,
    reacted: set[tuple[str, str]],
    now: datetime,
) -> Message:
    """Apply one judged change; returns the target as it now is."""
    by_id = messages.c.message_id == target.message_id
    key = (draft.sender_id, draft.emoji)
    match draft.kind:
        case MessageKind.EDIT:
            content = edited(target.content, draft.content)
            await connection.execute(
                update(messages)
                .where(by_id)
                .values(
                    **content_columns(content),
                    edit_count=messages.c.edit_count + 1,
                    edited_at=now,
                )
            )
            return replace(target, content=content, edit_count=target.edit_count + 1, edit_time=now)
        case MessageKind.RECALL:
            if not target.recalled:
                await connection.execute(
                    update(messages).where(by_id).values(**ERASED, recalled=True)
                )
                await connection.execute(
                    update(messages)
                    .where(
                        messages.c.target_message_id == target.message_id,
                        messages.c.kind == MessageKind.EDIT.value,
                    )
                    .values(**ERASED, recalled=True)
                )
                await connection.execute(
                    delete(reactions).where(reactions.c.message_id == target.message_id)
                )
                reacted.clear()
                await _forget_mentions(connection, target)
            return replace(target, content=Content(), recalled=True)
        case MessageKind.REACTION_ADDED:
            if key not in reacted:
                await connection.execute(
                    insert(reactions).values(
                        message_id=target.message_id,
                        emoji=draft.emoji,
                        user_id=draft.sender_id,
                        created_at=now,
                    )
                )
                reacted.add(key)
        case MessageKind.REACTION_REMOVED:
            if key in reacted:
                await connection.execute(
                    delete(reactions).where(
                        reactions.c.message_id == target.message_id,
                        reactions.c.emoji == draft.emoji,
                        reactions.c.user_id == draft.sender_id,
                    )
                )
                reacted.discard(key)
        case MessageKind.MESSAGE:
            pass
    return target


async def _forget_mentions(connection: AsyncConnection, target: Message) -> None:
    """A recalled message no longer counts as mentioning anyone (who it mentioned was part of
    its content)."""
    mentioned = set(target.content.mention_user_ids)
    if mentioned:
        await connection.execute(
            delete(mentions).where(
                mentions.c.user_id.in_(mentioned),
                mentions.c.conversation_id == target.conversation_id,
                mentions.c.seq == target.seq,
            )
        )


def stored_entry(draft: MessageDraft, seq: int, now: datetime, *, erased: bool) -> Message:
    """The entry a draft is stored as. An edit whose target the same batch recalled is stored
    without its content."""
    erased = erased and draft.kind is MessageKind.EDIT
    return Message(
        message_id=new_id(),
        conversation_id=draft.conversation_id,
        seq=seq,
        sender_id=draft.sender_id,
        client_msg_id=draft.client_msg_id,
        content=ERASED_CONTENT if erased else draft.content,
        server_time=now,
        kind=draft.kind,
        target_message_id=draft.target_message_id,
        emoji=draft.emoji,
        recalled=erased,
        forwarded_from=draft.forwarded_from,
    )
