"""The rules of changing a stored message: who may edit, recall or react, and until when.

They are judged inside the transaction that stores the change, against the target as it is
committed, so two concurrent changes cannot both pass a rule that only one of them may.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime, timedelta

from openchat.server.domain.errors import (
    ActionNotAllowed,
    EditWindowClosed,
    MessageNotFound,
    MessageRecalled,
    OpenChatError,
    ReactionLimitExceeded,
    RecallWindowClosed,
)
from openchat.server.domain.model import Content, Message, MessageDraft, MessageKind

# Reactions are short strings (an emoji with its modifiers, or a short code such as ":+1:").
MAX_EMOJI_BYTES = 32
# A message carries at most this many distinct emojis, and one user at most this many of them:
# enough for any chat screen, and a bound on what each ListMessages summary can grow to.
MAX_EMOJIS_PER_MESSAGE = 32
MAX_EMOJIS_PER_USER = 8


@dataclass(frozen=True, slots=True)
class ChangeRules:
    """The windows operators configure (OPENCHAT_EDIT_WINDOW, OPENCHAT_RECALL_WINDOW)."""

    edit_window_seconds: float
    recall_window_seconds: float


DEFAULT_RULES = ChangeRules(edit_window_seconds=48 * 3600, recall_window_seconds=24 * 3600)


@dataclass(frozen=True, slots=True)
class Reactions:
    """The reactions stored for one message: (user, emoji) pairs."""

    pairs: Set[tuple[str, str]]

    def emojis(self) -> set[str]:
        return {emoji for _, emoji in self.pairs}

    def of_user(self, user_id: str) -> set[str]:
        return {emoji for user, emoji in self.pairs if user == user_id}


def judge(
    draft: MessageDraft,
    target: Message | None,
    reactions: Reactions,
    rules: ChangeRules,
    now: datetime,
) -> OpenChatError | None:
    """Why `draft` (a change) may not be applied to `target`, or None when it may."""
    if (
        target is None
        or target.conversation_id != draft.conversation_id
        or target.kind is not MessageKind.MESSAGE
    ):
        return MessageNotFound(draft.target_message_id)
    age = now - target.server_time
    match draft.kind:
        case MessageKind.EDIT:
            return _judge_edit(draft, target, age, rules)
        case MessageKind.RECALL:
            return _judge_recall(draft, target, age, rules)
        case MessageKind.REACTION_ADDED:
            return _judge_reaction(draft, target, reactions)
        case MessageKind.REACTION_REMOVED | MessageKind.MESSAGE:
            return None


def _judge_edit(
    draft: MessageDraft, target: Message, age: timedelta, rules: ChangeRules
) -> OpenChatError | None:
    if target.sender_id != draft.sender_id:
        return ActionNotAllowed("only the sender of a message may edit it")
    if target.recalled:
        return MessageRecalled(target.message_id)
    if age > timedelta(seconds=rules.edit_window_seconds):
        return EditWindowClosed(target.message_id, rules.edit_window_seconds)
    return None


def _judge_recall(
    draft: MessageDraft, target: Message, age: timedelta, rules: ChangeRules
) -> OpenChatError | None:
    # Recalling twice changes nothing and is allowed, like any repeated change.
    if target.recalled or draft.moderator:
        return None
    if target.sender_id != draft.sender_id:
        return ActionNotAllowed(
            "only the sender of a message, or the owner of its group, may recall it"
        )
    if age > timedelta(seconds=rules.recall_window_seconds):
        return RecallWindowClosed(target.message_id, rules.recall_window_seconds)
    return None


def _judge_reaction(
    draft: MessageDraft, target: Message, reactions: Reactions
) -> OpenChatError | None:
    if target.recalled:
        return MessageRecalled(target.message_id)
    if (draft.sender_id, draft.emoji) in reactions.pairs:
        return None
    emojis = reactions.emojis()
    if draft.emoji not in emojis and len(emojis) >= MAX_EMOJIS_PER_MESSAGE:
        return ReactionLimitExceeded(
            f"message {target.message_id!r} already has {MAX_EMOJIS_PER_MESSAGE} distinct reactions"
        )
    if len(reactions.of_user(draft.sender_id)) >= MAX_EMOJIS_PER_USER:
        return ReactionLimitExceeded(
            f"a user may react to one message with at most {MAX_EMOJIS_PER_USER} emojis"
        )
    return None


def edited(original: Content, edit: Content) -> Content:
    """The content after an edit: its text and attributes replace the original's; data,
    attachments, mentions and reply-to stay."""
    return Content(
        text=edit.text,
        mime_type=original.mime_type,
        data=original.data,
        attachments=original.attachments,
        attributes=edit.attributes,
        mention_user_ids=original.mention_user_ids,
        reply_to_message_id=original.reply_to_message_id,
    )
