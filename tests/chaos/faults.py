"""The faults, each done to the running cluster while the workload runs, then healed.

A fault returns the violations only it can see (presence still wrong after its bound, a removed
member still receiving, a drain that did not exit cleanly); the runner checks storage and the
readers after every fault.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import grpc

from openchat.v1 import presence_service_pb2, presence_service_pb2_grpc
from tests.chaos.cluster import HEARTBEAT_INTERVAL, Cluster, Node
from tests.chaos.workload import StreamReader
from tests.support.api import Api
from tests.support.servers import bearer

# Presence must be right again this soon after Redis lost its data: nodes refresh their
# sessions' entries every half heartbeat interval (docs/architecture.md).
PRESENCE_BOUND = 2 * HEARTBEAT_INTERVAL
# A removed member gets no live message sent this long after the removal was acknowledged, even
# when the invalidation over pub/sub was lost (docs/architecture.md).
MEMBERSHIP_BOUND = 5.0
# How long a Redis outage lasts in the membership fault.
REDIS_BLIP = 1.5
DELIVERY_DEADLINE = 30.0


@dataclass
class FaultContext:
    """What a fault acts on."""

    cluster: Cluster
    readers: list[StreamReader]
    hold: float
    rng: random.Random
    round: int

    def pick_node(self) -> Node:
        return self.rng.choice(self.cluster.nodes)


Fault = Callable[[FaultContext], Awaitable[Counter[str]]]


async def kill_node(context: FaultContext) -> Counter[str]:
    node = context.pick_node()
    await node.kill()
    await asyncio.sleep(context.hold)  # the node stays dead this long
    await node.start()
    return Counter()


async def freeze_node(context: FaultContext) -> Counter[str]:
    node = context.pick_node()
    node.freeze()
    await asyncio.sleep(context.hold)  # the node stays frozen this long
    node.thaw()
    return Counter()


async def terminate_node(context: FaultContext) -> Counter[str]:
    node = context.pick_node()
    status = await node.terminate()
    await node.start()
    return Counter({"unclean drain": 1} if status != 0 else {})


async def restart_postgres(context: FaultContext) -> Counter[str]:
    await context.cluster.postgres.stop(mode="immediate")
    await asyncio.sleep(context.hold)  # PostgreSQL stays down this long
    await context.cluster.postgres.start()
    return Counter()


async def flush_redis(context: FaultContext) -> Counter[str]:
    await context.cluster.flush_redis()
    return await _presence_heals(context)


async def restart_redis(context: FaultContext) -> Counter[str]:
    await context.cluster.redis.stop()
    await asyncio.sleep(context.hold)  # Redis stays down this long
    await context.cluster.redis.start()
    return await _presence_heals(context)


async def _presence_heals(context: FaultContext) -> Counter[str]:
    """Every reader whose session stayed open must be online on every node within the bound."""
    deadline = time.monotonic() + PRESENCE_BOUND
    wrong: list[str] = []
    while True:
        wrong = await _presence_wrong(context)
        if not wrong or time.monotonic() >= deadline:
            return Counter({"presence wrong": len(wrong)} if wrong else {})
        await asyncio.sleep(0.1)  # poll interval of the check


async def _presence_wrong(context: FaultContext) -> list[str]:
    connected = sorted(_connected_now(context))
    if not connected:
        return []
    wrong: set[str] = set()
    for node in context.cluster.nodes:
        stub = presence_service_pb2_grpc.PresenceServiceStub(node.channel)
        try:
            response = await stub.GetPresence(
                presence_service_pb2.GetPresenceRequest(user_ids=connected),
                metadata=bearer(connected[0]),
                timeout=3,
            )
        except grpc.aio.AioRpcError:
            wrong |= set(connected)  # a node that cannot answer is not right either
            continue
        wrong |= {p.user_id for p in response.presences if not p.online}
    # Only those still connected now: a reader that was between sessions may be offline.
    return sorted(user for user in wrong if user in _connected_now(context))


def _connected_now(context: FaultContext) -> set[str]:
    return {reader.user for reader in context.readers if reader.connected.is_set()}


async def remove_member_during_blip(context: FaultContext) -> Counter[str]:
    """A member connected to one node is removed through another while Redis is down for
    REDIS_BLIP seconds: once MEMBERSHIP_BOUND has passed, nothing more may reach them."""
    nodes = context.cluster.nodes
    there, here = nodes[0], nodes[1 % len(nodes)]
    owner, victim, witness = (
        f"chaos-{role}-{context.round}" for role in ("owner", "victim", "witness")
    )
    api = Api(there.channel)
    group = (await api.create_group(owner, [victim, witness], "blip")).conversation_id
    victim_reader = StreamReader(victim, [group], [here], first=0)
    witness_reader = StreamReader(witness, [group], [here], first=0)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(reader.run(stop)) for reader in (victim_reader, witness_reader)]
    try:
        async with asyncio.timeout(DELIVERY_DEADLINE):
            await victim_reader.connected.wait()
            await witness_reader.connected.wait()
        await context.cluster.redis.stop()
        acknowledged = await _remove(api, owner, group, victim)
        removed = time.monotonic()
        await asyncio.sleep(REDIS_BLIP)  # the rest of the outage
        await context.cluster.redis.start()
        # A removal answered UNAVAILABLE may have committed without its invalidation (which is
        # the case under test); a client retries only when the member is still there.
        if not acknowledged and await _still_member(api, owner, group, victim):
            await api.remove_members(owner, group, [victim])
            removed = time.monotonic()
        await asyncio.sleep(max(0.0, removed + MEMBERSHIP_BOUND - time.monotonic()))
        before = len(victim_reader.observed.received[group])
        last = 0
        for index in range(10):
            sender = Api((there if index % 2 else here).channel)
            last = (await sender.send(owner, group, f"after the removal {index}")).seq
        async with asyncio.timeout(DELIVERY_DEADLINE):
            await witness_reader.observed.reach({group: last})
        late = len(victim_reader.observed.received[group]) - before
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return Counter({"removed member received": late} if late else {})


async def _remove(api: Api, owner: str, group: str, member: str) -> bool:
    """Tries to remove the member once; True when the node acknowledged it."""
    try:
        await api.remove_members(owner, group, [member])
    except grpc.aio.AioRpcError as error:
        if error.code() != grpc.StatusCode.UNAVAILABLE:
            raise
        return False
    return True


async def _still_member(api: Api, owner: str, group: str, member: str) -> bool:
    return member in (await api.get_conversation(owner, group)).member_ids


FAULTS: dict[str, Fault] = {
    "kill -9 of a node": kill_node,
    "SIGSTOP/SIGCONT of a node": freeze_node,
    "SIGTERM of a node": terminate_node,
    "PostgreSQL immediate restart": restart_postgres,
    "Redis FLUSHALL": flush_redis,
    "Redis restart": restart_redis,
    "member removed during a Redis blip": remove_member_during_blip,
}
