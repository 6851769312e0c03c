"""Structured logs: one JSON object per line on stderr, for every logger of the process.

Each line carries the time (UTC, ISO 8601), level, logger, service, the message, the trace and
span ids of the current OpenTelemetry span (plumbing.telemetry), the request id
(plumbing.request_id), and whatever ids the code
handling a message bound with `log_context` (saga_id, booking_id, ...). structlog formats the
records of the standard `logging` calls every module makes, so nothing logs differently.

`LOG_FORMAT=text` gives the old one-line text instead (a person reading a terminal);
`LOG_LEVEL` sets the level (INFO by default).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, MutableMapping
from typing import Any

import structlog
from opentelemetry import trace

from plumbing.request_id import current_request_id

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FORMATS = ("json", "text")


def _add_request_id(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    request_id = current_request_id()
    if request_id:
        event["request_id"] = request_id
    return event


def _add_trace_ids(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        event["trace_id"] = format(span_context.trace_id, "032x")
        event["span_id"] = format(span_context.span_id, "016x")
    return event


def json_formatter(service: str) -> logging.Formatter:
    def add_service(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        event["service"] = service
        return event

    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
            add_service,
            _add_trace_ids,
            _add_request_id,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(sort_keys=False),
        ],
    )


def configure_logging(service: str) -> None:
    """One handler on the root logger (stderr) with the format of `LOG_FORMAT`."""
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    kind = os.environ.get("LOG_FORMAT", "json").lower()
    if kind not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {FORMATS}, not {kind!r}")
    handler = logging.StreamHandler()
    handler.setFormatter(json_formatter(service) if kind == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


@contextlib.contextmanager
def log_context(**ids: str) -> Iterator[None]:
    """Every line logged inside names these ids (e.g. the saga and booking being handled)."""
    with structlog.contextvars.bound_contextvars(**ids):
        yield
