"""Jepsen-style checks of what the workload recorded against what the database holds.

- lost: acknowledged, but not in the history (or there under another seq or id);
- unexpected: in the history, but never sent by a writer;
- duplicates: a client_msg_id stored twice; a reader that received a seq twice;
- gaps: a conversation's seqs are not exactly 1..N; a reader that skipped a seq;
- order: a reader that received a seq below one it already had.

Counts are cumulative; the runner attributes what each fault added.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openchat.v1 import message_pb2
from tests.chaos.workload import Observed, Sent


@dataclass(frozen=True)
class Tally:
    """Violations found so far, by kind."""

    counts: Counter[str]

    def minus(self, earlier: Tally) -> Tally:
        return Tally(Counter({k: v - earlier.counts[k] for k, v in self.counts.items()}))


def check_history(
    acked: Sequence[Sent],
    attempted: set[str],
    histories: dict[str, list[message_pb2.Message]],
) -> Counter[str]:
    """The stored histories (every conversation, oldest first, read after the acks were taken)
    against the acks and the client_msg_ids the writers attempted."""
    found: Counter[str] = Counter()
    stored: dict[str, message_pb2.Message] = {}
    for history in histories.values():
        found["gaps"] += sum(1 for i, m in enumerate(history, start=1) if m.seq != i)
        for message in history:
            if message.client_msg_id in stored:
                found["duplicates"] += 1
            stored[message.client_msg_id] = message
    for sent in acked:
        kept = stored.get(sent.client_msg_id)
        if kept is None or (kept.seq, kept.message_id) != (sent.seq, sent.message_id):
            found["lost"] += 1
    found["unexpected"] += sum(1 for client_msg_id in stored if client_msg_id not in attempted)
    return found


def check_order(observed: Iterable[Observed]) -> Counter[str]:
    """Each reader must get every conversation's seqs as 1, 2, 3, ... exactly once each."""
    found: Counter[str] = Counter()
    for seen in observed:
        for seqs in seen.received.values():
            had: set[int] = set()
            previous = 0
            for seq in seqs:
                if seq in had:
                    found["duplicates"] += 1
                elif seq < previous:
                    found["order"] += 1
                elif seq > previous + 1:
                    found["gaps"] += 1
                had.add(seq)
                previous = max(previous, seq)
    return found


def undocumented_statuses(observed: Iterable[Observed]) -> Counter[str]:
    found: Counter[str] = Counter()
    for seen in observed:
        found.update(seen.undocumented)
    return found
