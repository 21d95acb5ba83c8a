"""Bot webhooks: each message of a bot's conversations is POSTed to the bot's URL, signed.

The signature is HMAC-SHA256 over "<timestamp>.<body>" with the bot's secret, sent as
`X-OpenChat-Signature: sha256=<hex>` beside `X-OpenChat-Timestamp`; receivers reject stale
timestamps (replay) and compare signatures in constant time (see proto/openchat/v1/webhook.proto).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import datetime

import aiohttp

from openchat.server.domain.delivery import RouteJob
from openchat.server.domain.model import Message
from openchat.server.ports import BotStore

SIGNATURE_HEADER = "X-OpenChat-Signature"
TIMESTAMP_HEADER = "X-OpenChat-Timestamp"
EVENT_ID_HEADER = "X-OpenChat-Event-Id"

# The request body for (event id, bot id, message, creation time): a WebhookEvent as protobuf
# JSON, encoded by the transport's converters (the composition root passes the encoder in, so
# that this adapter needs no protobuf).
WebhookEncoder = Callable[[str, str, Message, datetime], bytes]


class WebhookRejected(Exception):
    """The webhook did not answer 2xx."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value for a request body."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


class WebhookDeliverer:
    """Delivers webhook jobs (one message to one bot)."""

    def __init__(
        self,
        bots: BotStore,
        http: Callable[[], aiohttp.ClientSession],
        encode: WebhookEncoder,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._bots = bots
        self._http = http
        self._encode = encode
        self._clock = clock

    async def deliver(self, job: RouteJob, message: Message) -> bool:
        bot = await self._bots.get(job.target)
        if bot is None:
            return False  # unregistered since: nothing to deliver
        # The event is the same on every attempt (its id, and its creation time: when the
        # message was stored), so that bots can deduplicate; only the signature is fresh.
        event_id = f"{message.message_id}:{bot.bot_id}"
        body = self._encode(event_id, bot.bot_id, message, message.server_time)
        timestamp = int(self._clock())
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(bot.secret, timestamp, body),
            TIMESTAMP_HEADER: str(timestamp),
            EVENT_ID_HEADER: event_id,
        }
        # Redirects are not followed: aiohttp would turn a 301/302 into a GET without the
        # event (then count its 200 as delivered) or resend the signed event to a URL nobody
        # registered. A 3xx is a failed attempt, visible in the dead letter's last error.
        async with self._http().post(
            bot.webhook_url, data=body, headers=headers, allow_redirects=False
        ) as response:
            if not 200 <= response.status < 300:
                raise WebhookRejected(f"HTTP {response.status} from the webhook")
        return True
