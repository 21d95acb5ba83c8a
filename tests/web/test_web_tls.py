"""TLS on the web listener, from the gRPC listener's OPENCHAT_TLS_* settings: browsers reach it
over HTTPS with the configured certificate (HTTP/2 by ALPN), and plain HTTP is not served; with
a client CA, a client certificate is required."""

from __future__ import annotations

import ssl
from pathlib import Path

import aiohttp
import pytest

from tests.support.certificates import CertificateAuthority
from tests.support.servers import bearer, start_app
from tests.support.settings import settings_for

LIST = "/openchat.v1.ConversationService/ListConversations"


async def post(url: str, context: ssl.SSLContext | None) -> int:
    headers = {"content-type": "application/json", **dict(bearer("tls-user"))}
    async with aiohttp.ClientSession() as http:
        response = await http.post(url, data=b"{}", headers=headers, ssl=context or True)
        await response.read()
        return response.status


async def test_the_web_listener_speaks_tls_with_the_grpc_listeners_files(tmp_path: Path) -> None:
    authority = CertificateAuthority("OpenChat web test CA")
    cert, key = authority.server().write(tmp_path, "server")
    ca = authority.write(tmp_path, "ca")
    settings = settings_for(
        f"sqlite+aiosqlite:///{tmp_path / 'web-tls.db'}",
        server={"web_listen": "127.0.0.1:0"},
        tls={"cert_file": str(cert), "key_file": str(key), "client_ca_file": str(ca)},
    )
    client = authority.client("browser")
    client_cert, client_key = client.write(tmp_path, "client")
    async with start_app(settings) as running:
        port = running.app.web_port
        trusted = ssl.create_default_context(cafile=str(ca))
        trusted.load_cert_chain(str(client_cert), str(client_key))

        assert await post(f"https://localhost:{port}{LIST}", trusted) == 200

        without_certificate = ssl.create_default_context(cafile=str(ca))
        with pytest.raises(aiohttp.ClientError):
            await post(f"https://localhost:{port}{LIST}", without_certificate)
        with pytest.raises(aiohttp.ClientError):
            await post(f"http://localhost:{port}{LIST}", None)
