"""A push notification owed to an offline member survives a server killed (kill -9) before the
push service accepted it, and is made exactly once after the restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from openchat.v1 import message_pb2
from tests.support.api import Api
from tests.support.http_endpoints import HttpEndpoint
from tests.support.processes import free_port, serve, server_environment
from tests.support.waiting import until

LEASE_SECONDS = 6


def push_environment(database_url: str, gateway: HttpEndpoint) -> dict[str, str]:
    """A server pushing to `gateway`, sweeping every 50 ms, retrying after 0.1 s, and taking
    conversations leased by a killed server back after 6 s (a 1 s attempt + 5 s)."""
    return server_environment(
        database_url,
        free_port(),
        OPENCHAT_PUSH_PROVIDER="http",
        OPENCHAT_PUSH_GATEWAY_URL=gateway.url,
        OPENCHAT_PUSH_SWEEP_INTERVAL="0.05",
        OPENCHAT_ROUTE_BACKOFF_BASE="0.1",
        OPENCHAT_ROUTE_ATTEMPT_TIMEOUT="1",
    )


async def test_an_offline_member_is_pushed_exactly_once_across_a_kill_9(
    scratch_database_url: str, tmp_path: Path, user_ids: Iterator[str]
) -> None:
    output = tmp_path / "server.log"
    alice, bob = next(user_ids), next(user_ids)
    async with HttpEndpoint(status=503) as gateway:
        async with serve(push_environment(scratch_database_url, gateway), output) as server:
            api = Api(server.channel)
            group = await api.create_group(alice, [bob])
            ack = await api.send(alice, group.conversation_id, "while you were away")
            # The push was tried (and refused) before the kill: it is owed, not forgotten.
            await gateway.wait_for(lambda requests: len(requests) >= 1)
            server.kill()
            assert await server.wait() < 0, "the server was killed by a signal"

        gateway.status = 200
        async with serve(push_environment(scratch_database_url, gateway), output) as server:
            api = Api(server.channel)

            async def recorded() -> bool:
                timeline = await api.timeline(alice, ack.message_id)
                return any(e.state == message_pb2.DELIVERY_STATE_PUSH_ACCEPTED for e in timeline)

            # Recorded as accepted: the sweeper will never push this message to bob again.
            await until(recorded, within=LEASE_SECONDS + 10, what="the push recorded")
            [step] = [
                e
                for e in await api.timeline(alice, ack.message_id)
                if e.state == message_pb2.DELIVERY_STATE_PUSH_ACCEPTED
            ]
            assert step.user_id == bob

    accepted = [r.json()["notification"] for r in gateway.answered()]
    assert [(n["message_id"], n["user_ids"]) for n in accepted] == [(ack.message_id, [bob])]
