"""Push notifications from watermarks, not from a job per message.

A member needs a push for a message when it is not theirs, none of their devices acknowledged
it (nor did they read it), and no earlier push told them about it. Every input is already
durable: the conversation's head (`last_seq`, moved by the send transaction), the members' read
and device positions (receipts), and the push ledger (PushLedger: how far push is settled per
conversation, how far each member was pushed). So a message costs push nothing when it is
sent; the sweeper, every `interval`, claims the conversations whose head moved past their
settled seq (a partial index holds only those) and decides for each member:

- offline (no session anywhere): push the newest message they have not seen, now;
- online: wait; if their devices have not acknowledged it `grace` seconds after it was stored,
  push it (the device may be asleep behind a stream that has not noticed yet), as mobile
  messengers do;
- acknowledged, read, their own, or a bot's: nothing.

Only messages count: changes (edits, recalls, reactions) are entries of the sequence too, but
notify nobody, and a recalled message is not pushed. A member who muted the conversation is
pushed only the messages that mention them.

A push is recorded after the push service accepted it: a crash in between pushes that member
again once after the restart (a push service deduplicates by message id, which is stable), and
no crash can lose a push, because nothing is settled before it was accepted. Several messages
that arrive between two sweeps reach an offline member as one notification, about the newest.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import structlog

from openchat.server.domain.delivery import (
    PushBacklog,
    PushCandidate,
    PushSettlement,
    ReceiptAdvance,
    ReceiptKind,
)
from openchat.server.domain.model import Message, MessageKind
from openchat.server.observability.metrics import Metrics
from openchat.server.ports import BotDirectory, MessageStore, PresenceRegistry, PushLedger
from openchat.server.routing.push import PREVIEW_CHARACTERS, PushNotification, PushProvider

_log = structlog.get_logger(__name__)

# Conversations claimed per sweep; more wait for the next one.
CLAIM_LIMIT = 500
# The newest unsettled messages of a conversation the sweeper looks at: a member with unseen
# messages has one among the newest (or is the only sender of them, and so is reading).
WINDOW = 100
# A message older than this is never pushed (say, when push was switched on after a while, or
# after a long outage): a notification that late would mislead more than it helps.
STALE_AFTER = timedelta(hours=1)
# The label of push outcomes among the route metrics.
ROUTE = "push"


class PushSweeper:
    """Decides and sends the push notifications of the conversations with push work."""

    def __init__(
        self,
        ledger: PushLedger,
        messages: MessageStore,
        provider: PushProvider,
        presence: PresenceRegistry,
        bots: BotDirectory,
        *,
        grace: float,
        attempt_timeout: float,
        retry_after: float,
        retry_cap: float,
        metrics: Metrics,
    ) -> None:
        self._ledger = ledger
        self._messages = messages
        self._provider = provider
        self._presence = presence
        self._bots = bots
        self._grace = timedelta(seconds=grace)
        self._attempt_timeout = attempt_timeout
        # A lease outlasts the attempts of one sweep (they run side by side), so a live sweeper
        # keeps its claims; a sweeper that died holds its conversations up to this long.
        self._lease = attempt_timeout + 5
        self._retry_after = retry_after
        self._retry_cap = retry_cap
        self._metrics = metrics

    async def sweep(self) -> None:
        """One look at every conversation with push work (up to CLAIM_LIMIT)."""
        backlogs = await self._ledger.claim_due(CLAIM_LIMIT, self._lease, WINDOW)
        if not backlogs:
            return
        now = datetime.now(UTC)
        bots = await self._bots.bot_ids()
        unseen = [_unseen(backlog, bots, now) for backlog in backlogs]
        users = sorted({user for pending in unseen for user in pending})
        online = {state.user_id for state in await self._presence.lookup(users) if state.online}
        decisions = [
            self._decide(backlog, pending, online, now)
            for backlog, pending in zip(backlogs, unseen, strict=True)
        ]
        wanted = [message_id for _, due in decisions for message_id in due]
        messages = await self._messages.get_many(wanted) if wanted else {}
        settlements = await asyncio.gather(
            *(
                self._push(backlog, pending, settled, due, messages=messages, now=now)
                for backlog, pending, (settled, due) in zip(
                    backlogs, unseen, decisions, strict=True
                )
            )
        )
        await self._ledger.settle(settlements)

    def _decide(
        self,
        backlog: PushBacklog,
        unseen: dict[str, list[PushCandidate]],
        online: set[str],
        now: datetime,
    ) -> tuple[int, dict[str, list[str]]]:
        """The seq push is settled up to unless a push fails, and the members to push to by
        the id of the message to tell them about."""
        settled = backlog.head_seq
        due: dict[str, list[str]] = {}
        for user_id, candidates in unseen.items():
            if user_id in online and now - candidates[0].server_time < self._grace:
                settled = min(settled, candidates[0].seq - 1)  # look again after the grace
                continue
            due.setdefault(candidates[-1].message_id, []).append(user_id)
        return settled, due

    async def _push(
        self,
        backlog: PushBacklog,
        unseen: dict[str, list[PushCandidate]],
        settled: int,
        due: dict[str, list[str]],
        *,
        messages: dict[str, Message],
        now: datetime,
    ) -> PushSettlement:
        pushed: list[ReceiptAdvance] = []
        retry_after = 0.0
        for message_id, user_ids in due.items():
            message = messages.get(message_id)
            if message is None or message.recalled:
                continue  # gone or recalled since (nothing to tell about)
            if await self._notify(message, user_ids):
                pushed.extend(
                    ReceiptAdvance(
                        backlog.conversation_id,
                        user_id,
                        "",
                        ReceiptKind.PUSHED,
                        unseen[user_id][0].seq - 1,
                        message.seq,
                        now,
                    )
                    for user_id in user_ids
                )
            else:
                oldest = min((unseen[user_id][0] for user_id in user_ids), key=lambda m: m.seq)
                settled = min(settled, oldest.seq - 1)
                # Back off with the age of what is owed (the ledger counts no attempts): each
                # retry comes half the age later, up to the cap; STALE_AFTER ends the tries.
                age = (now - oldest.server_time).total_seconds()
                retry_after = max(retry_after, self._retry_after, min(self._retry_cap, age / 2))
        return PushSettlement(backlog.conversation_id, settled, tuple(pushed), retry_after)

    async def _notify(self, message: Message, user_ids: list[str]) -> bool:
        """Hand one notification to the provider; False when it failed (it is tried again)."""
        started = time.perf_counter()
        notification = PushNotification(
            user_ids=tuple(sorted(user_ids)),
            conversation_id=message.conversation_id,
            message_id=message.message_id,
            sender_id=message.sender_id,
            seq=message.seq,
            preview=message.content.text[:PREVIEW_CHARACTERS],
            mentioned_user_ids=tuple(
                user for user in message.content.mention_user_ids if user in user_ids
            ),
        )
        try:
            async with asyncio.timeout(self._attempt_timeout):
                await self._provider.notify(notification)
        except Exception as error:  # noqa: BLE001 - a failed push is tried again later
            _log.warning("push_failed", message_id=message.message_id, error=repr(error))
            outcome = "failed"
        else:
            outcome = "delivered"
        self._metrics.route_attempts.labels(ROUTE, outcome).inc()
        self._metrics.route_attempt_duration.labels(ROUTE).observe(time.perf_counter() - started)
        return outcome == "delivered"


def _unseen(
    backlog: PushBacklog, bots: frozenset[str], now: datetime
) -> dict[str, list[PushCandidate]]:
    """The messages each member may need a push for, oldest first."""
    fresh = [
        m
        for m in backlog.recent
        if m.kind is MessageKind.MESSAGE and not m.recalled and now - m.server_time < STALE_AFTER
    ]
    pending: dict[str, list[PushCandidate]] = {}
    for member in backlog.members:
        if member.user_id in bots:
            continue  # bots get their messages through their webhooks
        seen = max(member.acknowledged_seq, member.pushed_seq)
        mine = [
            m
            for m in fresh
            if m.seq > seen
            and m.sender_id != member.user_id
            and (not member.muted or member.user_id in m.mention_user_ids)
        ]
        if mine:
            pending[member.user_id] = mine
    return pending
