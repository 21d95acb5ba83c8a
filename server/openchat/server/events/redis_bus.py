"""The cluster bus over Redis pub/sub: every node receives every event of the cluster topics.

Pub/sub is fire-and-forget: an event published while a node's subscription is reconnecting is
lost to that node. Nothing durable depends on it: sessions notice a missed message through the
watermark in every pong (and the client syncs), and caches that such events invalidate are
dropped whole when the subscription comes back (`on_events_lost`), and also expire.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from openchat.server.background.cancellation import cancel_and_wait
from openchat.server.domain.errors import Unavailable
from openchat.server.domain.events import Topic
from openchat.server.events.cluster import CLUSTER_TOPICS, ClusterCodec
from openchat.server.events.in_process import LocalDispatch
from openchat.server.observability.metrics import Metrics

_log = structlog.get_logger(__name__)

Event = TypeVar("Event")

# Events sent per pipelined round trip to Redis.
_PUBLISH_BATCH = 256
_RECONNECT_DELAY_SECONDS = 0.5
_SUBSCRIBE_TIMEOUT_SECONDS = 10.0


class RedisEventBus(LocalDispatch):
    """EventBus across processes through Redis pub/sub."""

    def __init__(
        self,
        redis: Redis,
        codec: ClusterCodec,
        *,
        channel_prefix: str = "openchat:bus:",
        metrics: Metrics | None = None,
    ) -> None:
        super().__init__()
        self._redis = redis
        self._metrics = metrics or Metrics()
        self._codec = codec
        self._prefix = channel_prefix
        self._outgoing: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._subscribed = asyncio.Event()
        self._lost_events: list[Callable[[], None]] = []

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen(), name="redis-bus-listen"),
            asyncio.create_task(self._publish_loop(), name="redis-bus-publish"),
        ]
        # Do not report ready before the subscription is live, or early events would be lost.
        try:
            async with asyncio.timeout(_SUBSCRIBE_TIMEOUT_SECONDS):
                await self._subscribed.wait()
        except TimeoutError:
            await self.close()
            raise Unavailable(
                f"Redis did not accept the cluster subscription within "
                f"{_SUBSCRIBE_TIMEOUT_SECONDS:g} s; is OPENCHAT_REDIS_URL reachable?"
            ) from None

    def on_events_lost(self, callback: Callable[[], None]) -> None:
        """Call `callback` each time the subscription is live again after it was lost: events
        of the gap are gone, so whatever they would have invalidated must be dropped."""
        self._lost_events.append(callback)

    async def publish(self, topic: Topic[Event], event: Event) -> None:
        self._outgoing.put_nowait((topic.name, self._codec.encode(topic, event)))

    def backlog(self) -> int:
        return super().backlog() + self._outgoing.qsize()

    async def close(self) -> None:
        # Bounded: these tasks spend their time inside redis-py, which has swallowed cancels.
        await cancel_and_wait(self._tasks)
        await super().close()

    async def _publish_loop(self) -> None:
        while True:
            batch = [await self._outgoing.get()]
            while not self._outgoing.empty() and len(batch) < _PUBLISH_BATCH:
                batch.append(self._outgoing.get_nowait())
            try:
                with self._metrics.redis_timer("bus_publish"):
                    async with self._redis.pipeline(transaction=False) as pipe:
                        for name, payload in batch:
                            pipe.publish(self._prefix + name, payload)
                        await pipe.execute()
            except RedisError as error:
                _log.warning("cluster_publish_failed", events=len(batch), error=repr(error))

    async def _listen(self) -> None:
        channels: dict[str, Topic[Any]] = {
            self._prefix + topic.name: topic for topic in CLUSTER_TOPICS
        }
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(*channels)
                if self._subscribed.is_set():
                    _log.info("cluster_subscription_restored")
                    for callback in self._lost_events:
                        callback()
                self._subscribed.set()
                async for message in pubsub.listen():
                    topic = channels[message["channel"].decode()]
                    try:
                        event = self._codec.decode(topic, message["data"])
                    except ValueError as error:  # a node of another version, or garbage
                        _log.warning(
                            "cluster_event_undecodable", topic=topic.name, error=repr(error)
                        )
                        continue
                    self.dispatch(topic, event)
            except RedisError as error:
                _log.warning("cluster_subscription_lost", error=repr(error))
                await asyncio.sleep(_RECONNECT_DELAY_SECONDS)
            finally:
                with contextlib.suppress(RedisError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py lacks a hint
