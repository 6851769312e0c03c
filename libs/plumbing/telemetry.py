"""OpenTelemetry setup and trace context over NATS headers.

The SDK exports spans to the console only when OTEL_TRACES_CONSOLE=1; production wires an
exporter of its choice through the standard OTEL_* variables. NATS has no
instrumentation, so `traceparent` is injected into and extracted from message headers
by hand (W3C trace context).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor


def setup_tracing(service_name: str) -> None:
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    if os.environ.get("OTEL_TRACES_CONSOLE") == "1":
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    trace.set_tracer_provider(provider)


def inject_trace_headers(headers: dict[str, str]) -> None:
    propagate.inject(headers)


def extract_trace_context(headers: Mapping[str, str] | None) -> context.Context:
    return propagate.extract(dict(headers or {}))


def current_trace_id() -> str:
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else ""
