"""The process's log lines are JSON objects naming the service, the trace and the ids bound."""

from __future__ import annotations

import io
import json
import logging

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from plumbing.logs import configure_logging, json_formatter, log_context
from plumbing.request_id import with_request_id


def _line(formatter: logging.Formatter, emit) -> dict:  # type: ignore[no-untyped-def]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger(f"test-logs-{id(stream)}")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    emit(logger)
    (line,) = stream.getvalue().splitlines()
    return json.loads(line)


def test_a_line_is_one_json_object_with_the_service_level_logger_and_message() -> None:
    line = _line(json_formatter("wallet"), lambda log: log.warning("debited %s of %d", "main", 500))

    assert line["event"] == "debited main of 500"
    assert line["service"] == "wallet" and line["level"] == "warning"
    assert line["logger"].startswith("test-logs-") and line["time"].endswith("Z")
    assert "trace_id" not in line  # no span is current


def test_a_line_names_the_current_trace_span_request_and_bound_ids() -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("handling") as span, with_request_id("req-1"):
        with log_context(saga_id="saga-1", step="wallet"):
            line = _line(json_formatter("bookings"), lambda log: log.info("reply applied"))
        context = span.get_span_context()

    assert line["trace_id"] == format(context.trace_id, "032x")
    assert line["span_id"] == format(context.span_id, "016x")
    assert line["request_id"] == "req-1"
    assert line["saga_id"] == "saga-1" and line["step"] == "wallet"
    assert trace.get_current_span().get_span_context().is_valid is False


def test_an_exception_is_kept_in_the_line() -> None:
    def emit(log: logging.Logger) -> None:
        try:
            raise RuntimeError("relay broke")
        except RuntimeError:
            log.exception("outbox relay failed")

    line = _line(json_formatter("catalog"), emit)

    assert line["event"] == "outbox relay failed"
    assert "RuntimeError: relay broke" in line["exception"]


def test_an_unknown_log_format_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        configure_logging("wallet")
