"""The client's running counters, shared by its parts; apps read snapshots (ClientStats)."""

from __future__ import annotations

from dataclasses import dataclass

from openchat.client._models import ClientStats


@dataclass
class Counters:
    connects: int = 0
    disconnects: int = 0
    reconnect_attempts: int = 0
    send_retries: int = 0
    call_retries: int = 0
    sends_acked: int = 0
    sends_failed: int = 0
    messages_received: int = 0
    duplicates_dropped: int = 0
    gaps_filled: int = 0
    events_dropped: int = 0

    def snapshot(self, *, connected: bool, outbox_depth: int) -> ClientStats:
        return ClientStats(
            connected=connected,
            connects=self.connects,
            disconnects=self.disconnects,
            reconnect_attempts=self.reconnect_attempts,
            send_retries=self.send_retries,
            call_retries=self.call_retries,
            sends_acked=self.sends_acked,
            sends_failed=self.sends_failed,
            outbox_depth=outbox_depth,
            messages_received=self.messages_received,
            duplicates_dropped=self.duplicates_dropped,
            gaps_filled=self.gaps_filled,
            events_dropped=self.events_dropped,
        )
