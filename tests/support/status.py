"""Assertions on failed RPCs: the status code, the AIP-193 ErrorInfo and the message."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

DOMAIN = "openchat.v1"


def error_info(error: grpc.aio.AioRpcError) -> error_details_pb2.ErrorInfo:
    """The google.rpc.ErrorInfo carried in the status details of `error`."""
    return _detail(error, error_details_pb2.ErrorInfo())


def retry_delay(error: grpc.aio.AioRpcError) -> float:
    """The seconds of the google.rpc.RetryInfo carried in the status details of `error`."""
    return _detail(error, error_details_pb2.RetryInfo()).retry_delay.ToNanoseconds() / 1e9


Detail = TypeVar("Detail", error_details_pb2.ErrorInfo, error_details_pb2.RetryInfo)


def _detail(error: grpc.aio.AioRpcError, detail: Detail) -> Detail:
    """`detail`, filled from the first status detail of its type."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None, f"the error carries no google.rpc.Status details: {error!r}"
    for packed in status.details:
        if packed.Unpack(detail):
            return detail
    raise AssertionError(f"no {type(detail).__name__} in the status details: {error.details()}")


async def expect_error(
    call: Awaitable[Any],
    code: grpc.StatusCode,
    reason: str,
    *,
    naming: str | None = None,
) -> grpc.aio.AioRpcError:
    """Await `call`, which must fail with `code` and an ErrorInfo{reason, domain "openchat.v1"};
    with `naming`, the message must mention it (the field or id at fault)."""
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    error = raised.value
    assert error.code() == code, f"expected {code.name}, got {error.code().name}: {error.details()}"
    info = error_info(error)
    assert (info.reason, info.domain) == (reason, DOMAIN), error.details()
    if naming is not None:
        assert naming in (error.details() or ""), error.details()
    return error
