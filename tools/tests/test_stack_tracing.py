"""`make run TRACING=1`: every process exports its spans over OTLP/HTTP; without it, none."""

from __future__ import annotations

import pytest

from tools import stack


def test_without_tracing_no_process_exports_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACING", raising=False)

    assert stack.tracing_env() == {}


def test_tracing_sends_spans_to_the_local_otlp_endpoint_or_the_one_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRACING", "1")
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    assert stack.tracing_env() == {
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318",
    }

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")
    assert stack.tracing_env()["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://collector:4318"
