"""`python -m tests.chaos [--quick] [--rounds N]`: the fault suite (`make chaos`).

Three nodes share a throwaway PostgreSQL and Redis. Writers send to a few groups through random
nodes, retrying each send with its client_msg_id until it is acknowledged; readers hold session
streams (moving to another node when theirs fails) and one polls Sync. Every round injects each
fault in turn (kill -9, SIGSTOP/SIGCONT and SIGTERM of a node, PostgreSQL immediate restart, Redis
FLUSHALL and restart, a member removed during a Redis blip). After each fault, once every writer
has made progress again and every reader holds every acknowledged message, the checks of
tests.chaos.checks run against the stored histories; the report gives, per fault kind, what it
added. Exit status 1 when anything was lost, duplicated, out of order, unexpected, missing, late
or answered with a status outside the documented set.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from tests.chaos.checks import check_history, check_order, undocumented_statuses
from tests.chaos.cluster import Cluster, running_cluster
from tests.chaos.faults import FAULTS, FaultContext
from tests.chaos.workload import StreamReader, SyncReader, Writer
from tests.support.api import Api

RECOVERY_DEADLINE = 60.0
QUICK = {"rounds": 1, "hold": 1.5, "writers": 4, "groups": 2, "readers": 3}
FULL = {"rounds": 3, "hold": 4.0, "writers": 8, "groups": 4, "readers": 3}
VIOLATIONS = ("lost", "duplicates", "gaps", "order", "unexpected", "undocumented status",
              "stalled", "presence wrong", "removed member received", "unclean drain")  # fmt: skip


@dataclass
class Workload:
    writers: list[Writer]
    readers: list[StreamReader]
    sync_reader: SyncReader
    conversation_ids: list[str]
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def reader_parties(self) -> list[StreamReader | SyncReader]:
        return [*self.readers, self.sync_reader]

    def parties(self) -> list[Writer | StreamReader | SyncReader]:
        return [*self.writers, *self.reader_parties()]

    def start(self) -> None:
        self.tasks = [asyncio.create_task(party.run(self.stop)) for party in self.parties()]

    async def finish(self) -> None:
        self.stop.set()
        await asyncio.gather(*self.tasks)

    def acked_heads(self) -> dict[str, int]:
        """The highest acknowledged seq of every conversation."""
        heads: dict[str, int] = defaultdict(int)
        for writer in self.writers:
            for sent in writer.acked:
                heads[sent.conversation_id] = max(heads[sent.conversation_id], sent.seq)
        return heads


async def setup(cluster: Cluster, settings: dict[str, float]) -> Workload:
    writers = [f"chaos-w{i}" for i in range(int(settings["writers"]))]
    readers = [f"chaos-r{i}" for i in range(int(settings["readers"]))]
    api = Api(cluster.nodes[0].channel)
    groups = [
        (await api.create_group(writers[0], [*writers[1:], *readers, "chaos-sync"])).conversation_id
        for _ in range(int(settings["groups"]))
    ]
    nodes = cluster.nodes
    return Workload(
        writers=[Writer(user, groups, nodes) for user in writers],
        readers=[StreamReader(user, groups, nodes, first=i) for i, user in enumerate(readers)],
        sync_reader=SyncReader("chaos-sync", nodes),
        conversation_ids=groups,
    )


async def recover(workload: Workload) -> Counter[str]:
    """Waits until every writer acked again and every reader holds every acked message."""
    for writer in workload.writers:
        writer.acked_event.clear()
    try:
        async with asyncio.timeout(RECOVERY_DEADLINE):
            for writer in workload.writers:
                await writer.acked_event.wait()
            heads = workload.acked_heads()
            for reader in workload.reader_parties():
                await reader.observed.reach(heads)
    except TimeoutError:
        return Counter({"stalled": 1})
    return Counter()


async def violations(cluster: Cluster, workload: Workload) -> Counter[str]:
    # The acks before the histories (a message acked after its history was read is not lost),
    # the attempts after them (a message stored before its history was read was attempted).
    acked = [sent for writer in workload.writers for sent in writer.acked]
    api = Api(cluster.nodes[0].channel)
    reader = workload.writers[0].user
    histories = {c: await api.history(reader, c) for c in workload.conversation_ids}
    attempted = {client_msg_id for writer in workload.writers for client_msg_id in writer.attempted}
    found = check_history(acked, attempted, histories)
    found.update(check_order(party.observed for party in workload.reader_parties()))
    everyone = (party.observed for party in workload.parties())
    found["undocumented status"] += sum(undocumented_statuses(everyone).values())
    found["stalled"] += sum(writer.stalled for writer in workload.writers)
    return found


def statuses(workload: Workload) -> Counter[str]:
    seen: Counter[str] = Counter()
    for party in workload.parties():
        seen.update(party.observed.statuses)
    return seen


async def run(settings: dict[str, float], workdir: Path) -> int:
    rng = random.Random(0)
    per_fault: dict[str, Counter[str]] = defaultdict(Counter)
    totals: Counter[str] = Counter()
    async with running_cluster(3, workdir) as cluster:
        workload = await setup(cluster, settings)
        workload.start()
        previous = Counter[str]()
        for round_number in range(int(settings["rounds"])):
            for name, fault in FAULTS.items():
                before = statuses(workload)
                acked_before = sum(len(w.acked) for w in workload.writers)
                started = time.monotonic()
                context = FaultContext(
                    cluster, workload.readers, settings["hold"], rng, round_number
                )
                found = await fault(context)
                found.update(await recover(workload))
                current = await violations(cluster, workload)
                found.update(current - previous)
                previous = current
                figures = per_fault[name]
                figures["injections"] += 1
                figures["acked"] += sum(len(w.acked) for w in workload.writers) - acked_before
                figures["seconds"] += round(time.monotonic() - started)
                figures.update(
                    {
                        f"status {k}": v
                        for k, v in (statuses(workload) - before).items()
                        if k != "OK"
                    }
                )
                figures.update(found)
                totals.update(found)
                print(f"round {round_number + 1}: {name}: {dict(found) or 'ok'}", flush=True)
        await workload.finish()
        totals.update(await violations(cluster, workload) - previous)
    print(report(per_fault, totals))
    return 1 if any(totals[kind] for kind in VIOLATIONS) else 0


def report(per_fault: dict[str, Counter[str]], totals: Counter[str]) -> str:
    lines = ["", f"{'fault':<38}{'times':>6}{'acked':>7}{'secs':>6}  violations / statuses seen"]
    for name, figures in per_fault.items():
        found = {k: v for k, v in figures.items() if k in VIOLATIONS and v}
        seen = {k.removeprefix("status "): v for k, v in figures.items() if k.startswith("status ")}
        lines.append(
            f"{name:<38}{figures['injections']:>6}{figures['acked']:>7}{figures['seconds']:>6}  "
            f"{found or 'none'} / {seen or 'only OK'}"
        )
    lines.append("totals: " + ", ".join(f"{kind} {totals[kind]}" for kind in VIOLATIONS))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.chaos",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="one short round (CI)")
    parser.add_argument("--rounds", type=int, help="rounds of every fault")
    args = parser.parse_args(argv)
    settings = dict(QUICK if args.quick else FULL)
    if args.rounds:
        settings["rounds"] = args.rounds
    with tempfile.TemporaryDirectory(prefix="openchat-chaos-") as workdir:
        # asyncio's own loop: uvloop's subprocess pipes never see EOF while pg_ctl's server
        # keeps them open.
        return asyncio.run(run(settings, Path(workdir)))


if __name__ == "__main__":
    sys.exit(main())
