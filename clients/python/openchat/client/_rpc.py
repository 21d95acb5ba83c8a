"""The gRPC channel, the stubs, one authenticated attempt of a call, and the retry loop."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc

from openchat.client._exceptions import (
    ClientClosed,
    ResourceExhausted,
    ServiceError,
    Unauthenticated,
    Unavailable,
    from_rpc_error,
)
from openchat.client._policies import ReconnectPolicy, RetryPolicy
from openchat.client._tokens import Tokens
from openchat.v1 import (
    conversation_service_pb2_grpc,
    messaging_service_pb2_grpc,
    presence_service_pb2_grpc,
    sync_service_pb2_grpc,
)

Request = TypeVar("Request")
Response = TypeVar("Response")
T = TypeVar("T")


class Wakeup:
    """Something changed (the session reconnected): waits in progress may stop early."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def pause(self, seconds: float) -> None:
        """Sleep `seconds`, or less if `fire()` is called meanwhile."""
        event = self._event
        try:
            async with asyncio.timeout(seconds):
                await event.wait()
        except TimeoutError:
            pass


def channel_options(reconnect: ReconnectPolicy) -> list[tuple[str, int]]:
    """Transport options: HTTP/2 keepalive within what the server permits (a PING every 10 s
    at most), and grpc's own reconnection backoff capped like the session's, so a channel
    notices a restarted server as soon as the session retries."""
    backoff = reconnect.backoff
    return [
        ("grpc.keepalive_time_ms", 20_000),
        ("grpc.keepalive_timeout_ms", 10_000),
        ("grpc.initial_reconnect_backoff_ms", max(1, round(backoff.initial * 1000))),
        ("grpc.min_reconnect_backoff_ms", max(1, round(backoff.initial * 1000))),
        ("grpc.max_reconnect_backoff_ms", max(1, round(backoff.cap * 1000))),
    ]


class Rpc:
    """The server's services over one channel, called with the client's token."""

    def __init__(
        self,
        target: str,
        tokens: Tokens,
        *,
        credentials: grpc.ChannelCredentials | None,
        reconnect: ReconnectPolicy,
    ) -> None:
        options = channel_options(reconnect)
        self.channel = (
            grpc.aio.insecure_channel(target, options=options)
            if credentials is None
            else grpc.aio.secure_channel(target, credentials, options=options)
        )
        self.tokens = tokens
        self.messaging = messaging_service_pb2_grpc.MessagingServiceStub(self.channel)
        self.conversations = conversation_service_pb2_grpc.ConversationServiceStub(self.channel)
        self.sync = sync_service_pb2_grpc.SyncServiceStub(self.channel)
        self.presence = presence_service_pb2_grpc.PresenceServiceStub(self.channel)

    async def close(self) -> None:
        await self.channel.close(grace=None)

    async def unary(
        self,
        method: grpc.aio.UnaryUnaryMultiCallable[Request, Response],
        request: Request,
        time_limit: float,
    ) -> Response:
        """One attempt, of at most `time_limit` seconds, raising the SDK's exceptions. An
        UNAUTHENTICATED answer is retried once with a fresh token when there is a provider."""
        refreshed = False
        while True:
            metadata = await self.tokens.metadata()
            try:
                # wait_for_ready: while the server is unreachable an attempt waits (up to its
                # time limit) for the channel to connect, and goes out the moment it does.
                return await method(
                    request, timeout=time_limit, metadata=metadata, wait_for_ready=True
                )
            except grpc.aio.AioRpcError as error:
                failure = from_rpc_error(error)
                if isinstance(failure, Unauthenticated) and not refreshed:
                    refreshed = True
                    if await self.tokens.refresh():
                        continue
                raise failure from error
            except grpc.aio.UsageError as error:
                raise ClientClosed("the client's channel is closed") from error


async def retrying(
    attempt: Callable[[float], Awaitable[T]],
    policy: RetryPolicy,
    rng: random.Random,
    *,
    deadline: float | None,
    on_retry: Callable[[ServiceError], Awaitable[None]],
    wakeup: Wakeup | None = None,
) -> T:
    """Run `attempt(time_limit)` until it succeeds or fails for good. Transient failures
    (Unavailable) are retried after a full-jitter backoff, which a reconnect of the session cuts
    short; a limit that clears with time (ResourceExhausted with the server's RetryInfo, such as
    the send rate) is retried after the server's delay plus up to a tenth more (so that clients
    refused together do not return together). Past `deadline` (loop time; None = never) the
    last failure is raised. Every other error is raised at once."""
    loop = asyncio.get_running_loop()
    failures = 0
    while True:
        allowed = policy.attempt_timeout
        if deadline is not None:
            allowed = min(allowed, deadline - loop.time())
        try:
            return await attempt(max(allowed, 0.001))
        except Unavailable as error:
            failures += 1
            delay = policy.backoff.delay(failures, rng)
            failure: ServiceError = error
        except ResourceExhausted as error:
            if error.retry_after is None:
                raise
            delay = error.retry_after * rng.uniform(1.0, 1.1)
            failure = error
        if deadline is not None and loop.time() + delay >= deadline:
            raise failure
        await on_retry(failure)
        if wakeup is None or isinstance(failure, ResourceExhausted):
            # A reconnect does not refill the server's bucket: waking early would be refused.
            await asyncio.sleep(delay)
        else:
            await wakeup.pause(delay)
