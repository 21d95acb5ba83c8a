"""Is the server there? One call that does not wait for the channel to connect.

The SDK's calls use `wait_for_ready`, so that an app that starts offline just waits for the
server; a command that runs once should instead say at once that nothing answers and why
(connection refused, a name that does not resolve), rather than after a call's whole deadline.
"""

from __future__ import annotations

import grpc

from openchat.client._exceptions import Unavailable

# Any method answers the question; the standard health check needs no token, and a server
# without it answers UNIMPLEMENTED, which still proves that it is there.
_PROBE_METHOD = "/grpc.health.v1.Health/Check"
_UNREACHABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})


async def unreachable(
    target: str, *, credentials: grpc.ChannelCredentials | None, within: float
) -> Unavailable | None:
    """None when a server answers at `target` within `within` seconds, else why not."""
    channel = (
        grpc.aio.insecure_channel(target)
        if credentials is None
        else grpc.aio.secure_channel(target, credentials)
    )
    async with channel:
        # No (de)serializers: raw bytes in and out.
        check = channel.unary_unary(
            _PROBE_METHOD, request_serializer=None, response_deserializer=None
        )
        try:
            await check(b"", timeout=within, wait_for_ready=False)
        except grpc.aio.AioRpcError as error:
            if error.code() in _UNREACHABLE:
                return Unavailable(_why(error, within), code=error.code())
    return None


def _why(error: grpc.aio.AioRpcError, timeout: float) -> str:
    if error.code() is grpc.StatusCode.DEADLINE_EXCEEDED:
        return f"no answer within {timeout:g} s"
    details = error.details() or ""
    if "Connection refused" in details:
        return "connection refused"
    return details or error.code().name
