"""Push notifications for members with no online device.

The push worker decides the recipients when it runs (not when the message is stored), so a
member who came online in between is not notified; a PushProvider then hands the notification
to a push service. Notifications carry ids and a short preview, never more of the message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Protocol

import aiohttp
import structlog

from openchat.server.domain.model import Message, RouteJob
from openchat.server.ports import BotDirectory, MemberDirectory, MutedMembers, PresenceRegistry
from openchat.server.routing.http import HttpClient
from openchat.server.settings import RoutingSettings

_log = structlog.get_logger(__name__)

PREVIEW_CHARACTERS = 100


@dataclass(frozen=True, slots=True)
class PushNotification:
    """One message, for the given offline users."""

    user_ids: tuple[str, ...]
    conversation_id: str
    message_id: str
    sender_id: str
    seq: int
    preview: str
    mentioned_user_ids: tuple[str, ...]


class PushProvider(Protocol):
    """A push service (APNs/FCM behind a gateway, or anything else)."""

    name: str

    async def notify(self, notification: PushNotification) -> None:
        """Hand the notification over; raises when the service does not accept it."""
        ...


class LoggingPushProvider:
    """The default provider: logs what it would push (ids only), for development."""

    name = "log"

    async def notify(self, notification: PushNotification) -> None:
        _log.info(
            "push_notification",
            conversation_id=notification.conversation_id,
            message_id=notification.message_id,
            recipients=len(notification.user_ids),
        )


class PushGatewayRejected(Exception):
    """The push gateway did not answer 2xx."""


class HttpPushGateway:
    """POSTs each notification as JSON to a push gateway (a service that knows the users'
    devices and talks to APNs and FCM)."""

    name = "http"

    def __init__(self, url: str, http: Callable[[], aiohttp.ClientSession]) -> None:
        self._url = url
        self._http = http

    async def notify(self, notification: PushNotification) -> None:
        # As for webhooks, a redirect is a failure, not something to follow.
        async with self._http().post(
            self._url, json={"notification": asdict(notification)}, allow_redirects=False
        ) as r:
            if not 200 <= r.status < 300:
                raise PushGatewayRejected(f"HTTP {r.status} from the push gateway")


def push_provider(settings: RoutingSettings, http: HttpClient) -> PushProvider | None:
    """The configured provider, or None when push notifications are off."""
    if settings.push_provider == "http" and settings.push_gateway_url:
        return HttpPushGateway(settings.push_gateway_url, http.session)
    if settings.push_provider == "log":
        return LoggingPushProvider()
    return None


class PushDeliverer:
    """Delivers push jobs: one message to its members that have no online session, other
    than its sender, bots (which get messages through their webhooks) and members who muted
    the conversation, unless the message mentions them. A message recalled before its push
    ran is not pushed (one already shown on a device cannot be withdrawn)."""

    def __init__(
        self,
        provider: PushProvider,
        members: MemberDirectory,
        presence: PresenceRegistry,
        bots: BotDirectory,
        muting: MutedMembers,
    ) -> None:
        self._provider = provider
        self._members = members
        self._presence = presence
        self._bots = bots
        self._muting = muting

    async def deliver(self, job: RouteJob, message: Message) -> bool:
        if message.recalled:
            return False
        members = await self._members.members(message.conversation_id)
        muted = await self._muting.muted_members(message.conversation_id, datetime.now(UTC))
        muted -= set(message.content.mention_user_ids)
        others = sorted(members - {message.sender_id} - muted - await self._bots.bot_ids())
        offline = await self._offline(others)
        if not offline:
            return False
        await self._provider.notify(
            PushNotification(
                user_ids=tuple(offline),
                conversation_id=message.conversation_id,
                message_id=message.message_id,
                sender_id=message.sender_id,
                seq=message.seq,
                preview=message.content.text[:PREVIEW_CHARACTERS],
                mentioned_user_ids=tuple(
                    user for user in message.content.mention_user_ids if user in offline
                ),
            )
        )
        return True

    async def _offline(self, user_ids: Sequence[str]) -> list[str]:
        states = await self._presence.lookup(user_ids)
        return [state.user_id for state in states if not state.online]
