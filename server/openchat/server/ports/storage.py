"""The ports of durable storage: messages, conversations, receipts, the route outbox and
its planner, the push ledger and the bots."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from openchat.server.domain.delivery import (
    Bot,
    PlannedJob,
    PushBacklog,
    PushSettlement,
    ReceiptAdvance,
    RouteJob,
    RouteJobRecord,
)
from openchat.server.domain.errors import OpenChatError
from openchat.server.domain.model import (
    Appended,
    Conversation,
    ConversationView,
    Deletion,
    InboxPosition,
    Message,
    MessageDraft,
    MessagesDeleted,
    SettingsChange,
    UserHeads,
)


class MessageStore(Protocol):
    """Durable storage of messages."""

    async def append_batch(self, drafts: Sequence[MessageDraft]) -> list[Appended | OpenChatError]:
        """Store drafts in one transaction and return, per draft, its outcome once committed.

        A draft whose (sender_id, client_msg_id) is already stored comes back as a duplicate of
        the stored message (or ClientMsgIdReused if its content or conversation differs); a draft
        for a missing conversation or from a non-member comes back as that error. Raises when
        the transaction itself fails, in which case nothing of the batch is stored.
        """
        ...

    async def get(self, message_id: str) -> Message | None:
        """The message with this id, or None."""
        ...

    async def get_many(self, message_ids: Sequence[str]) -> dict[str, Message]:
        """The messages with these ids, by id (missing ids are left out)."""
        ...

    async def read_ranges(
        self, ranges: Sequence[tuple[str, int, int]]
    ) -> dict[tuple[str, int, int], list[Message]]:
        """For each (conversation_id, after, until), the messages with after < seq <= until,
        in seq order (every range is a key)."""
        ...

    async def list_range(
        self,
        conversation_id: str,
        *,
        after_seq: int,
        before_seq: int | None,
        newest_first: bool,
        limit: int,
    ) -> list[Message]:
        """Up to `limit` entries (messages and changes) with after_seq < seq < before_seq, in
        the requested order."""
        ...

    async def history(
        self,
        viewer_id: str,
        conversation_id: str,
        *,
        after_seq: int,
        before_seq: int | None,
        newest_first: bool,
        limit: int,
    ) -> list[Message]:
        """Like list_range, but messages only, in their current state (changes folded in,
        reactions summarized for the viewer), without those the viewer deleted for
        themselves; nothing when the viewer is not a member of the conversation (the
        membership is checked in the same read)."""
        ...

    async def hide(
        self, user_id: str, conversation_id: str, message_ids: Sequence[str]
    ) -> MessagesDeleted:
        """Delete messages for one member: the messages named (each once, in seq order), how
        many were not hidden before, and the user's deletion position after the call (those
        newly hidden take the next positions of the user's feed, in seq order, gapless and in
        commit order). Raises MessageNotFound (and hides nothing) when one is not a message of
        the conversation."""
        ...

    async def hidden_seqs(
        self, ranges: Sequence[tuple[str, str, int, int]]
    ) -> set[tuple[str, str, int]]:
        """The (user_id, conversation_id, seq) of the messages each user deleted for
        themselves within each (user_id, conversation_id, after, until) range: after < seq <=
        until (many users' ranges read together)."""
        ...

    async def read_deletions(
        self, ranges: Sequence[tuple[str, int, int]]
    ) -> dict[tuple[str, int, int], list[Deletion]]:
        """For each (user_id, after, until), the user's deletions with after < position <=
        until, in position order (every range is a key)."""
        ...


class ConversationStore(Protocol):
    """Durable storage of conversations and memberships."""

    async def create_group(
        self, creator_id: str, title: str, member_ids: Sequence[str], request_id: str
    ) -> Conversation:
        """Create a group; a repeat of (creator_id, request_id) returns the first group."""
        ...

    async def get_or_create_direct(self, user_id: str, peer_id: str) -> tuple[Conversation, bool]:
        """The one direct conversation of the pair, and whether this call created it."""
        ...

    async def add_members(self, conversation_id: str, user_ids: Sequence[str]) -> Conversation:
        """Add users (ignoring current members); returns the conversation after the change."""
        ...

    async def remove_members(self, conversation_id: str, user_ids: Sequence[str]) -> Conversation:
        """Remove users (ignoring non-members); returns the conversation after the change."""
        ...

    async def get(self, conversation_id: str) -> Conversation | None:
        """The conversation with its members, or None."""
        ...

    async def member_ids(self, conversation_id: str) -> frozenset[str]:
        """The members alone (empty when the conversation does not exist): one read of the
        members primary key, for caches that refill often."""
        ...

    async def read_position(self, conversation_id: str, user_id: str) -> int | None:
        """The member's read seq, or None when the user is not a member."""
        ...

    async def inbox(
        self, user_id: str, *, after: InboxPosition | None, limit: int
    ) -> list[ConversationView]:
        """The member's conversations after `after` in inbox order (pinned first, then the
        most recently active), with unread and mention counts (from counters: no scan of the
        conversations), settings and last messages."""
        ...

    async def view(self, conversation_id: str, user_id: str) -> ConversationView | None:
        """One conversation as `inbox` shows it; None when the user is not a member."""
        ...

    async def update_settings(
        self, conversation_id: str, user_id: str, change: SettingsChange
    ) -> bool:
        """Change the member's settings named in the change; False when the user is not a
        member."""
        ...

    async def readers(self, conversation_id: str, seq: int) -> list[str]:
        """The members whose read position is at or past `seq`, sorted."""
        ...

    async def heads_for_member(self, user_id: str) -> UserHeads:
        """Every conversation of the member with its last seq and the member's read seq, and
        the head of the member's deletion feed (read with their memberships: 0 for a user in
        no conversation)."""
        ...

    async def heads_for_members(self, user_ids: Sequence[str]) -> dict[str, UserHeads]:
        """heads_for_member for many users in one query (every user is a key)."""
        ...

    async def watermarks(self, user_ids: Sequence[str]) -> dict[str, int]:
        """Each user's sum of last_seq over their conversations (every user is a key, 0 when
        in none): it grows with every message the user can receive, so a client holding less
        has missed something."""
        ...

    async def mark_read(
        self, conversation_id: str, user_id: str, seq: int
    ) -> tuple[int, int] | None:
        """Raise the member's read seq to at least `seq`; returns the read seq before and after,
        or None when the user is not a member."""
        ...


class ReceiptStore(Protocol):
    """Durable receipts: how far each device received and each member read."""

    async def advance_delivered(
        self, acks: Mapping[tuple[str, str, str], int]
    ) -> list[ReceiptAdvance]:
        """Raise each (conversation, user, device) delivered position to its acked seq (clamped
        to the conversation's last seq; non-members ignored); returns the advances made."""
        ...

    async def record(self, advance: ReceiptAdvance) -> None:
        """Keep an advance (a read) for delivery timelines."""
        ...

    async def senders_in_ranges(
        self, ranges: Sequence[tuple[str, int, int]]
    ) -> dict[tuple[str, int, int], set[str]]:
        """For each (conversation_id, after_seq, up_to_seq), the senders of the messages (not
        of the changes) with after_seq < seq <= up_to_seq, read together."""
        ...

    async def covering(self, conversation_id: str, seq: int) -> list[ReceiptAdvance]:
        """Every recorded advance whose range includes `seq`, oldest first."""
        ...

    async def purge(self, *, before: datetime) -> int:
        """Delete recorded advances older than `before` (device cursors stay); returns how many
        were deleted."""
        ...


class RoutePlanner(Protocol):
    """Decides, while messages are being stored, which durable route work they need, so that
    the work is committed with the messages and no crash can lose it."""

    async def plan(
        self, messages: Sequence[Message], bot_members: Mapping[str, frozenset[str]]
    ) -> list[PlannedJob]:
        """The route work for newly stored messages; `bot_members` holds the registered bots
        among each conversation's members, read in the storing transaction."""
        ...


class PushLedger(Protocol):
    """Where push notifications stand, durably: per conversation, the seq up to which push is
    settled (its last_seq moving past it, in the send transaction, is what makes push work
    due), and per member the newest seq pushed to them."""

    async def claim_due(self, limit: int, lease_seconds: float, window: int) -> list[PushBacklog]:
        """Up to `limit` conversations with push work and no live lease, leased to the caller
        for `lease_seconds`, each with its members' positions and its newest `window`
        unsettled messages."""
        ...

    async def settle(self, settlements: Sequence[PushSettlement]) -> None:
        """Record what a look at claimed backlogs decided (never moving a position back) and
        end or extend their leases."""
        ...


class RouteOutbox(Protocol):
    """Durable route work: claimed by workers with a lease, retried, buried when hopeless."""

    async def claim(self, route: str, limit: int, lease_seconds: float) -> list[RouteJob]:
        """Up to `limit` due jobs of the route, leased to the caller for `lease_seconds`."""
        ...

    async def complete(self, delivered: Sequence[int], skipped: Sequence[int]) -> None:
        """These jobs succeeded: they delivered, or found nothing to deliver (one
        transaction for a whole batch of jobs)."""
        ...

    async def retry(self, job: RouteJob, error: str, delay_seconds: float) -> None:
        """The attempt failed; the job is due again after the delay."""
        ...

    async def bury(self, job: RouteJob, error: str) -> None:
        """The job spent its retry budget: it becomes a dead letter."""
        ...

    async def dead_letters(
        self, route: str, *, before_job_id: int | None, limit: int
    ) -> list[RouteJobRecord]:
        """Dead letters (of one route, or all when `route` is empty), newest first."""
        ...

    async def replay(self, job_ids: Sequence[int]) -> int:
        """Make dead letters due again with a fresh budget; returns how many were dead."""
        ...

    async def for_message(self, message_id: str) -> list[RouteJobRecord]:
        """Every job of a message (for its delivery timeline)."""
        ...

    async def purge(self, *, finished_before: datetime, dead_before: datetime) -> int:
        """Delete finished jobs (and dead letters) last updated before the given times; returns
        how many were deleted."""
        ...

    async def counts(self) -> dict[tuple[str, str], int]:
        """How many jobs wait (pending) or were given up (dead), by (route, status), for the
        outbox gauges."""
        ...


class BotStore(Protocol):
    """Registered bots."""

    async def save(self, bot: Bot) -> None:
        """Register the bot, replacing an earlier registration of the same id."""
        ...

    async def get(self, bot_id: str) -> Bot | None:
        """The bot, or None."""
        ...

    async def delete(self, bot_id: str) -> bool:
        """Unregister the bot; returns whether it was registered."""
        ...

    async def bot_ids(self) -> frozenset[str]:
        """The ids of every registered bot."""
        ...
