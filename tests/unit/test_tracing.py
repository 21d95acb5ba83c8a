"""Which OTEL_* settings turn tracing on, and with which exporters."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.resources import SERVICE_NAME

from openchat.server.observability.tracing import TracingError, tracer_provider


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"OTEL_TRACES_EXPORTER": "none"},
        {"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "console"},
        {"OTEL_SDK_DISABLED": "TRUE", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317"},
        {"OTEL_SERVICE_NAME": "chat"},  # naming the service alone exports nothing
    ],
)
def test_tracing_is_off_unless_asked_for(environ: dict[str, str]) -> None:
    assert tracer_provider(environ) is None


@pytest.mark.parametrize(
    "environ",
    [
        {"OTEL_TRACES_EXPORTER": "console"},
        {"OTEL_TRACES_EXPORTER": "otlp"},
        {"OTEL_TRACES_EXPORTER": "otlp,console", "OTEL_SDK_DISABLED": "false"},
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317"},
        {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4317"},
    ],
)
def test_an_exporter_or_an_endpoint_turns_tracing_on(environ: dict[str, str]) -> None:
    provider = tracer_provider(environ)
    assert provider is not None
    try:
        assert provider.resource.attributes[SERVICE_NAME] == "openchat-server"
    finally:
        provider.shutdown()


def test_otel_service_name_names_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    # The SDK reads the resource variables from the process environment itself.
    monkeypatch.setenv("OTEL_SERVICE_NAME", "chat-eu-1")
    provider = tracer_provider({"OTEL_TRACES_EXPORTER": "console"})
    assert provider is not None
    try:
        assert provider.resource.attributes[SERVICE_NAME] == "chat-eu-1"
    finally:
        provider.shutdown()


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"OTEL_TRACES_EXPORTER": "zipkin"}, "OTEL_TRACES_EXPORTER"),
        (
            {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"},
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ),
    ],
)
def test_an_exporter_that_is_not_installed_is_named(environ: dict[str, str], variable: str) -> None:
    with pytest.raises(TracingError, match=variable):
        tracer_provider(environ)
