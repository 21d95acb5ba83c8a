"""TLS and mutual TLS on the gRPC listener: a configured server speaks TLS only, to clients that
trust its CA; with a client CA it serves only clients with a certificate that CA signed; and
replacing the certificate files while it runs changes the certificate it serves, without a
restart (a key that does not match yet leaves the old pair serving). The SDK and the `openchat`
command line connect with a CA file and a client certificate."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from openchat.client import tls_credentials
from openchat.server.app import build_app
from openchat.server.settings import SettingsConflict
from openchat.v1 import conversation_service_pb2, conversation_service_pb2_grpc
from tests.support.certificates import CertificateAuthority, Issued, write_atomically
from tests.support.clients import new_client, token
from tests.support.processes import CLIENT_COMMAND, environment, run_cli
from tests.support.servers import RunningServer, bearer, start_app
from tests.support.settings import settings_for
from tests.support.waiting import until

CALL_TIMEOUT = 5.0


@pytest.fixture(scope="module")
def authority() -> CertificateAuthority:
    return CertificateAuthority("OpenChat test CA")


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    # TLS sits in front of storage and does not depend on it: SQLite is enough.
    return f"sqlite+aiosqlite:///{tmp_path / 'tls.db'}"


@contextlib.asynccontextmanager
async def tls_server(
    database_url: str, cert: Path, key: Path, client_ca: Path | None = None
) -> AsyncIterator[RunningServer]:
    tls = {"cert_file": str(cert), "key_file": str(key)}
    if client_ca is not None:
        tls["client_ca_file"] = str(client_ca)
    async with start_app(settings_for(database_url, tls=tls)) as running:
        yield running


def credentials(
    authority: CertificateAuthority, client: Issued | None = None
) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(
        root_certificates=authority.cert,
        private_key=client.key if client else None,
        certificate_chain=client.cert if client else None,
    )


async def list_conversations(target: str, channel_credentials: grpc.ChannelCredentials) -> None:
    """An authenticated call over a new TLS connection; raises its error."""
    async with grpc.aio.secure_channel(target, channel_credentials) as channel:
        stub = conversation_service_pb2_grpc.ConversationServiceStub(channel)
        await stub.ListConversations(
            conversation_service_pb2.ListConversationsRequest(),
            metadata=bearer("alice"),
            timeout=CALL_TIMEOUT,
        )


async def refused(call: object) -> grpc.aio.AioRpcError:
    """The error of a call whose connection could not be set up (UNAVAILABLE)."""
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]  # an awaitable
    assert raised.value.code() == grpc.StatusCode.UNAVAILABLE, raised.value
    return raised.value


def served_certificate(port: int, authority: CertificateAuthority) -> bytes:
    """The certificate (DER) the server presents in a fresh TLS handshake."""
    context = ssl.create_default_context(cadata=authority.cert.decode())
    context.set_alpn_protocols(["h2"])
    with (
        socket.create_connection(("127.0.0.1", port), timeout=CALL_TIMEOUT) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        served = tls.getpeercert(binary_form=True)
    assert served is not None
    return served


async def test_a_tls_server_serves_clients_that_trust_its_ca_and_only_over_tls(
    database_url: str, authority: CertificateAuthority, tmp_path: Path
) -> None:
    cert, key = authority.server().write(tmp_path, "server")
    async with tls_server(database_url, cert, key) as server:
        await list_conversations(server.target, credentials(authority))

        stranger = CertificateAuthority("Someone else's CA")
        await refused(list_conversations(server.target, credentials(stranger)))
        # A plaintext client gets no answer: the listener speaks TLS only.
        health = health_pb2_grpc.HealthStub(server.channel)
        await refused(health.Check(health_pb2.HealthCheckRequest(), timeout=CALL_TIMEOUT))


async def test_mutual_tls_requires_a_client_certificate_its_ca_signed(
    database_url: str, authority: CertificateAuthority, tmp_path: Path
) -> None:
    cert, key = authority.server().write(tmp_path, "server")
    clients = CertificateAuthority("OpenChat clients CA")
    client_ca = clients.write(tmp_path, "clients")
    async with tls_server(database_url, cert, key, client_ca) as server:
        await list_conversations(server.target, credentials(authority, clients.client("svc-a")))

        await refused(list_conversations(server.target, credentials(authority)))
        impostor = CertificateAuthority("Impostor CA").client("svc-a")
        await refused(list_conversations(server.target, credentials(authority, impostor)))


async def test_replaced_certificate_files_are_served_without_a_restart(
    database_url: str, authority: CertificateAuthority, tmp_path: Path
) -> None:
    first = authority.server()
    cert, key = first.write(tmp_path, "server")
    async with tls_server(database_url, cert, key) as server:
        port = server.app.port
        assert await asyncio.to_thread(served_certificate, port, authority) == first.der

        # Halfway through a rotation (the new certificate, the old key), the old pair serves.
        second = authority.server()
        write_atomically(cert, second.cert)
        assert await asyncio.to_thread(served_certificate, port, authority) == first.der
        await list_conversations(server.target, credentials(authority))

        write_atomically(key, second.key)

        async def serves_second() -> bool:
            served = await asyncio.to_thread(served_certificate, port, authority)
            return served == second.der

        await until(serves_second)
        # Even a new CA: clients that trust only it now connect, clients of the old one do not.
        renewed = CertificateAuthority("OpenChat test CA, renewed")
        third = renewed.server()
        third.write(tmp_path, "server")
        await until(lambda: _connects(server.target, credentials(renewed)))
        await refused(list_conversations(server.target, credentials(authority)))


async def _connects(target: str, channel_credentials: grpc.ChannelCredentials) -> bool:
    try:
        await list_conversations(target, channel_credentials)
    except grpc.aio.AioRpcError:
        return False
    return True


async def test_a_key_that_does_not_match_the_certificate_fails_the_start(
    database_url: str, authority: CertificateAuthority, tmp_path: Path
) -> None:
    cert, _ = authority.server().write(tmp_path, "server")
    _, other_key = authority.server().write(tmp_path, "other")
    settings = settings_for(database_url, tls={"cert_file": str(cert), "key_file": str(other_key)})
    with pytest.raises(SettingsConflict, match=r"OPENCHAT_TLS_KEY_FILE.*does not belong"):
        await build_app(settings)


async def test_the_sdk_and_the_cli_connect_with_mutual_tls(
    database_url: str, authority: CertificateAuthority, tmp_path: Path
) -> None:
    cert, key = authority.server().write(tmp_path, "server")
    ca_file = authority.write(tmp_path, "ca")
    clients = CertificateAuthority("OpenChat clients CA")
    client_cert, client_key = clients.client("alice-laptop").write(tmp_path, "alice")
    async with tls_server(database_url, cert, key, clients.write(tmp_path, "clients")) as server:
        tls = tls_credentials(ca_file=ca_file, cert_file=client_cert, key_file=client_key)
        client = new_client(server.target, "alice", live=False, credentials=tls)
        async with client:
            group = await client.create_group("over tls", [])

        tls_flags = ["--ca-file", str(ca_file), "--cert-file", str(client_cert)]
        env = environment(OPENCHAT_TARGET=server.target, OPENCHAT_TOKEN=token("alice"))
        listed = await run_cli(
            "groups",
            "list",
            "--json",
            *tls_flags,
            "--key-file",
            str(client_key),
            env=env,
            program=CLIENT_COMMAND,
        )
        assert listed.returncode == 0, listed.stderr
        assert group.conversation_id in listed.stdout

        without_key = await run_cli("groups", "list", *tls_flags, env=env, program=CLIENT_COMMAND)
        assert without_key.returncode == 2
        assert "needs its key" in without_key.stderr
