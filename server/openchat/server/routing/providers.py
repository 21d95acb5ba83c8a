"""External IM providers (the design document's 悟空IM / 环信IM / custom layer).

OpenChat is its own provider: the built-in one delivers through session streams and needs no
relay. An external provider (a bridge to another IM system) gets every message through its own
durable route, isolated and retried like webhooks.
"""

from __future__ import annotations

from typing import Protocol

from openchat.server.domain.delivery import RouteJob
from openchat.server.domain.model import Message


class IMProvider(Protocol):
    """Where messages are relayed besides OpenChat's own sessions."""

    name: str
    # Whether messages must be relayed to it (False for the built-in provider).
    relays: bool

    async def relay(self, message: Message) -> None:
        """Hand the message to the provider; raises when it does not accept it."""
        ...


class BuiltinProvider:
    """OpenChat itself: messages reach devices through the session streams."""

    name = "openchat"
    relays = False

    async def relay(self, message: Message) -> None:
        return None


class ProviderDeliverer:
    """Delivers one external provider's jobs."""

    def __init__(self, provider: IMProvider) -> None:
        self._provider = provider

    async def deliver(self, job: RouteJob, message: Message) -> bool:
        await self._provider.relay(message)
        return True


def provider_route(provider: IMProvider) -> str:
    """The route name of a provider's jobs."""
    return f"provider:{provider.name}"
