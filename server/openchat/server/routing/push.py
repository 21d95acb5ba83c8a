"""Push providers: where a push notification goes (routing/push_sweep.py decides which).

A PushProvider hands the notification to a push service. Notifications carry ids and a short
preview, never more of the message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Protocol

import aiohttp
import structlog

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
