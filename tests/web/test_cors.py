"""CORS on the web listener: preflights from allowed origins are answered with what Connect and
gRPC-Web clients send; responses expose the headers they read; other origins get nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.support.servers import RunningServer, bearer, start_app
from tests.support.settings import settings_for
from tests.web.conftest import ALLOWED_ORIGIN

LIST = "/openchat.v1.ConversationService/ListConversations"
PREFLIGHT = {
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization,content-type,connect-protocol-version",
}


async def preflight(base_url: str, origin: str) -> aiohttp.ClientResponse:
    async with aiohttp.ClientSession() as http:
        response = await http.options(f"{base_url}{LIST}", headers={"origin": origin, **PREFLIGHT})
        await response.read()
        return response


async def test_a_preflight_from_an_allowed_origin_is_answered(base_url: str) -> None:
    response = await preflight(base_url, ALLOWED_ORIGIN)

    assert response.status == 204
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"]
    for header in ("authorization", "content-type", "connect-protocol-version", "x-grpc-web"):
        assert header in allowed


async def test_a_preflight_from_another_origin_is_refused(base_url: str) -> None:
    response = await preflight(base_url, "http://evil.example.test")

    assert response.status == 403
    assert "access-control-allow-origin" not in response.headers


async def test_responses_to_an_allowed_origin_expose_the_grpc_web_headers(
    base_url: str, web_server: RunningServer
) -> None:
    headers = {
        "origin": ALLOWED_ORIGIN,
        "content-type": "application/json",
        **dict(bearer("cors-user")),
    }
    async with aiohttp.ClientSession() as http:
        response = await http.post(f"{base_url}{LIST}", data=b"{}", headers=headers)
        body = await response.json()

    assert response.status == 200, body
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    exposed = response.headers["access-control-expose-headers"]
    for header in ("grpc-status", "grpc-message", "grpc-status-details-bin"):
        assert header in exposed


@pytest.fixture
async def closed_server(own_database_url: str) -> AsyncIterator[RunningServer]:
    settings = settings_for(own_database_url, server={"web_listen": "127.0.0.1:0"})
    async with start_app(settings) as running:
        yield running


async def test_without_allowed_origins_no_origin_is_allowed(closed_server: RunningServer) -> None:
    response = await preflight(f"http://127.0.0.1:{closed_server.app.web_port}", ALLOWED_ORIGIN)

    assert response.status == 403
