"""The public surface of openchat.client: an explicit, complete `__all__`, and the exception
hierarchy its docstring draws."""

from __future__ import annotations

import inspect
import types

import pytest

import openchat.client
from openchat.client import (
    AlreadyExists,
    ClientClosed,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    OpenChatError,
    PermissionDenied,
    ResourceExhausted,
    SendTimeout,
    ServiceError,
    Unauthenticated,
    Unavailable,
)


def test_all_lists_every_public_name_and_nothing_else() -> None:
    public = {
        name
        for name, value in vars(openchat.client).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert set(openchat.client.__all__) == public
    assert openchat.client.__all__ == sorted(openchat.client.__all__)


def test_every_public_class_is_defined_in_a_private_module() -> None:
    """Apps import from openchat.client only; the modules behind it may move."""
    classes = [getattr(openchat.client, name) for name in openchat.client.__all__]
    for value in classes:
        if inspect.isclass(value):
            assert value.__module__.startswith("openchat.client._"), value


@pytest.mark.parametrize(
    ("error", "parent"),
    [
        (ServiceError, OpenChatError),
        (InvalidArgument, ServiceError),
        (Unauthenticated, ServiceError),
        (PermissionDenied, ServiceError),
        (NotFound, ServiceError),
        (AlreadyExists, ServiceError),
        (FailedPrecondition, ServiceError),
        (ResourceExhausted, ServiceError),
        (Unavailable, ServiceError),
        (SendTimeout, OpenChatError),
        (SendTimeout, TimeoutError),
        (ClientClosed, OpenChatError),
    ],
)
def test_exception_hierarchy(error: type[Exception], parent: type[Exception]) -> None:
    assert issubclass(error, parent)
    assert error.__name__ in (openchat.client._exceptions.__doc__ or "")


def test_every_exception_is_public() -> None:
    raised = {
        name
        for name, value in vars(openchat.client._exceptions).items()
        if inspect.isclass(value) and issubclass(value, OpenChatError)
    }
    assert raised <= set(openchat.client.__all__)
