"""The cluster under test: a throwaway PostgreSQL and Redis (never the shared ones) and several
`openchat-server serve` nodes on fixed loopback ports, with the faults that can be done to each.

Every node keeps its port across restarts, so the clients' channels (one per node, made once)
reach the new process as soon as it listens.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc

from tests.support.postgres_server import ThrowawayPostgres, throwaway_postgres
from tests.support.processes import COMMAND, ServerProcess, free_port, server_environment
from tests.support.redis_server import RedisServer, throwaway_redis

# Short heartbeats, so that presence and dead sessions are decided within seconds.
HEARTBEAT_INTERVAL = 1.0
HEARTBEAT_TIMEOUT = 3.0
NODE_SETTINGS = {
    "OPENCHAT_HEARTBEAT_INTERVAL": str(HEARTBEAT_INTERVAL),
    "OPENCHAT_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT),
    "OPENCHAT_COMMIT_TIMEOUT": "5",
    "OPENCHAT_PUSH_PROVIDER": "none",
}


@dataclass
class Node:
    """One server process at a time on a fixed port; `channel` outlives its restarts."""

    name: str
    port: int
    env: dict[str, str]
    output: Path
    channel: grpc.aio.Channel = field(init=False)
    _server: ServerProcess | None = None
    _terminations: int = 0
    _terminating: bool = False

    def __post_init__(self) -> None:
        self.channel = grpc.aio.insecure_channel(self.target)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None and self._server.process.returncode is None

    async def start(self) -> None:
        with self.output.open("ab") as sink:
            process = await asyncio.create_subprocess_exec(
                COMMAND, "serve", env=self.env, stdin=asyncio.subprocess.DEVNULL,
                stdout=sink, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
        self._server = ServerProcess(process, self.target, self.output, self.channel)
        await self._server.wait_serving()

    def _process(self) -> ServerProcess:
        if self._server is None:
            raise RuntimeError(f"{self.name} was never started")
        return self._server

    async def kill(self) -> None:
        """kill -9, and wait until the process is gone."""
        server = self._process()
        server.kill()
        await server.wait()

    async def terminate(self) -> int:
        """SIGTERM: the node drains; returns its exit status."""
        self._terminations += 1
        self._terminating = True
        try:
            return await self._process().terminate()
        finally:
            self._terminating = False

    def stop_mark(self) -> int:
        """A mark to take before a call, for terminated_since()."""
        return self._terminations

    def terminated_since(self, mark: int) -> bool:
        """Whether this node was draining after a SIGTERM at some time since `mark`."""
        return self._terminating or self._terminations != mark

    def freeze(self) -> None:
        self._process().process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self._process().process.send_signal(signal.SIGCONT)

    async def close(self) -> None:
        await self.channel.close(grace=None)
        server = self._server
        if server is not None and server.process.returncode is None:
            server.process.send_signal(signal.SIGCONT)
            server.process.kill()
            await server.process.wait()


@dataclass
class Cluster:
    """The nodes and the PostgreSQL and Redis they share."""

    postgres: ThrowawayPostgres
    redis: RedisServer
    nodes: list[Node]

    async def flush_redis(self) -> None:
        client = self.redis.client()
        try:
            await client.flushall()
        finally:
            await client.aclose()


def _node(index: int, database_url: str, redis_url: str, workdir: Path) -> Node:
    port = free_port()
    node_id = f"node-{index}"
    env = server_environment(
        database_url, port, OPENCHAT_REDIS_URL=redis_url, OPENCHAT_NODE_ID=node_id, **NODE_SETTINGS
    )
    return Node(node_id, port, env, workdir / f"{node_id}.log")


@contextlib.asynccontextmanager
async def running_cluster(node_count: int, workdir: Path) -> AsyncIterator[Cluster]:
    """A started cluster; everything stopped and deleted on exit."""
    async with throwaway_postgres() as postgres, throwaway_redis() as redis:
        nodes = [_node(index, postgres.url, redis.url, workdir) for index in range(node_count)]
        try:
            # One at a time: the first migrates the fresh database.
            for node in nodes:
                await node.start()
            yield Cluster(postgres, redis, nodes)
        finally:
            for node in nodes:
                await node.close()
