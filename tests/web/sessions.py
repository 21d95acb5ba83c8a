"""A browser-shaped session for tests: PresenceService.OpenSession over Connect or gRPC-Web,
with the client's frames sent by SendSessionFrames; the same waiting helpers as the gRPC
stream's test client."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from connectrpc.errors import ConnectError

from openchat.v1 import presence_service_pb2
from tests.support.servers import bearer
from tests.support.streams import DEFAULT_WAIT, StreamClient, hello_frame
from tests.web.conftest import PROTOCOLS, WebProtocol


class WebSessionClient(StreamClient):
    """One browser tab's session."""

    def __init__(self, client: Any, user_id: str, hello: presence_service_pb2.Hello) -> None:
        self.client = client
        self.headers = dict(bearer(user_id))
        self.frames: asyncio.Queue[presence_service_pb2.ServerFrame] = asyncio.Queue()
        self.ended = asyncio.Event()
        self.error: ConnectError | None = None
        self.session_id = ""
        self._hello = hello
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        request = presence_service_pb2.OpenSessionRequest(hello=self._hello)
        try:
            async for response in self.client.open_session(request, headers=self.headers):
                if response.frame.WhichOneof("frame") == "welcome":
                    self.session_id = response.frame.welcome.session_id
                await self.frames.put(response.frame)
        except ConnectError as error:
            self.error = error
        finally:
            self.ended.set()

    async def send(self, frame: presence_service_pb2.ClientFrame) -> None:
        await self.client.send_session_frames(
            presence_service_pb2.SendSessionFramesRequest(
                session_id=self.session_id, frames=[frame]
            ),
            headers=self.headers,
        )

    async def ended_with(self, within: float = DEFAULT_WAIT) -> ConnectError | None:
        async with asyncio.timeout(within):
            await self.ended.wait()
        return self.error

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


@contextlib.asynccontextmanager
async def open_web_session(
    base_url: str,
    user_id: str,
    device_id: str = "browser-1",
    *,
    protocol: WebProtocol = PROTOCOLS[0],
    resume: dict[str, int] | None = None,
    resume_all: bool = False,
) -> AsyncIterator[WebSessionClient]:
    """An open browser session of `user_id`'s device (after its welcome), closed on exit."""
    hello = hello_frame(device_id, resume, resume_all)
    session = WebSessionClient(protocol.client("PresenceService", base_url), user_id, hello)
    try:
        await session.next("welcome")
        yield session
    finally:
        await session.close()
