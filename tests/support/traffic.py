"""Messages sent through the API (as another user's backend would), in a known order."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from tests.support.api import Api


async def send_in_order(api: Api, sender: str, conversation_id: str, texts: Sequence[str]) -> None:
    """One message after the other: their seqs follow the order of `texts`."""
    for text in texts:
        await api.send(sender, conversation_id, text)


async def send_round_robin(api: Api, sender: str, conversations: Sequence[str], count: int) -> None:
    """`count` messages spread over the conversations, sent to all of them at once, each
    conversation's in order."""
    await asyncio.gather(
        *(
            send_in_order(api, sender, c, [f"#{n}" for n in range(i, count, len(conversations))])
            for i, c in enumerate(conversations)
        )
    )
