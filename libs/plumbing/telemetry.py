"""OpenTelemetry: the tracer provider of a process, and trace context over NATS headers.

One trace per booking: the gateway's HTTP span (FastAPI instrumentation), every gRPC call
(the gRPC instrumentation's client and server interceptors, added by plumbing.grpc_client and
plumbing.grpc_server), the outbox row (its `traceparent` header is written with the row, in
the writer's span) and each consumer's span (plumbing.inbox_consumer extracts it). NATS has
no instrumentation, hence the headers by hand (W3C trace context).

Spans always exist (the saga row keeps its booking's trace id, the console shows it); they are
recorded only when something exports them (`setup_tracing`). Where they go is the standard
`OTEL_TRACES_EXPORTER`: `none` (the default), `console`, `otlp` (OTLP over HTTP, configured by
`OTEL_EXPORTER_OTLP_ENDPOINT` and the other standard `OTEL_EXPORTER_OTLP_*` variables), or a
comma-separated list. `OTEL_TRACES_CONSOLE=1` is kept as a short form of `console`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

EXPORTERS = ("none", "console", "otlp")


def exporters_from_env(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The exporters `OTEL_TRACES_EXPORTER` names (unknown names refused: a typo would
    otherwise lose every span silently)."""
    names = [name.strip() for name in environ.get("OTEL_TRACES_EXPORTER", "none").split(",") if name.strip()]
    if environ.get("OTEL_TRACES_CONSOLE") == "1":
        names.append("console")
    unknown = sorted(set(names) - set(EXPORTERS))
    if unknown:
        raise ValueError(f"OTEL_TRACES_EXPORTER: unknown exporter(s) {unknown}; known: {list(EXPORTERS)}")
    return [name for name in dict.fromkeys(names) if name != "none"]


def _exporter(name: str) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter()
    # Imported only when asked for: the OTLP exporter pulls in requests and protobuf codecs.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def setup_tracing(service_name: str, *, record: bool | None = None) -> TracerProvider:
    """The process's tracer provider, named after the service, exporting where the
    environment says. Called once per process, before any server starts.

    With no exporter (the default `none`) nothing would ever read a span, so none is recorded
    (`record=False`): every span still exists with its trace and span ids, which the saga row
    keeps and the NATS headers and gRPC metadata carry on, but its attributes and events are not
    built (the SDK's non-recording span; a booking crosses some fifteen spans). `record=True`
    records whatever is exported (the tests read spans from a processor of their own); a
    sampler named in `OTEL_TRACES_SAMPLER` is the SDK's to apply, as always."""
    exporters = exporters_from_env()
    if record is None:
        record = bool(exporters) or "OTEL_TRACES_SAMPLER" in os.environ
    provider = TracerProvider(
        resource=Resource.create({"service.name": service_name}), sampler=None if record else ALWAYS_OFF
    )
    for name in exporters:
        provider.add_span_processor(BatchSpanProcessor(_exporter(name)))
    trace.set_tracer_provider(provider)
    return provider


def inject_trace_headers(headers: dict[str, str]) -> None:
    propagate.inject(headers)


def extract_trace_context(headers: Mapping[str, str] | None) -> context.Context:
    return propagate.extract(dict(headers or {}))


def current_trace_id() -> str:
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else ""
