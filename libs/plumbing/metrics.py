"""Prometheus metrics of a process, served on `METRICS_PORT` (unset: not served; 0: a port
the OS picks, logged) at `/metrics`, apart from the API port so no ingress exposes it.

What plumbing measures for every service (and the gateway): gRPC server latency by method
and status, messages consumed / redelivered / their age when handled and each durable's
pending count (from JetStream's own delivery metadata, no extra call), outbox rows published
and their lag from commit to publish, dead letters recorded, and each connection pool's
connections in use; the OpenTelemetry instrumentations' metrics (the gateway's
`http_server_duration` histograms) on the same page. A service adds its own (bookings: sagas
by state, time to terminal).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Gauge, Histogram, start_http_server

log = logging.getLogger(__name__)

# Latencies from a millisecond to a minute (a saga step under load may take seconds).
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

RPC_SECONDS = Histogram(
    "bp_grpc_server_handling_seconds",
    "Time a unary gRPC call took in its server, by method and status code.",
    ("method", "code"),
    buckets=LATENCY_BUCKETS,
)
MESSAGES_CONSUMED = Counter(
    "bp_messages_consumed_total", "JetStream messages fetched by a durable consumer.", ("durable",)
)
REDELIVERIES = Counter(
    "bp_messages_redelivered_total",
    "Messages fetched again after an earlier delivery was not acknowledged.",
    ("durable",),
)
MESSAGE_AGE = Histogram(
    "bp_message_age_seconds",
    "Time from a message's store in JetStream to its fetch by a consumer (the consumer's lag).",
    ("durable",),
    buckets=LATENCY_BUCKETS,
)
CONSUMER_PENDING = Gauge(
    "bp_consumer_pending_messages",
    "Messages of the stream not yet delivered to the durable, as of its last fetch.",
    ("durable",),
)
OUTBOX_PUBLISHED = Counter(
    "bp_outbox_published_total", "Outbox rows published to JetStream, by subject family.", ("family",)
)
OUTBOX_LAG = Histogram(
    "bp_outbox_lag_seconds",
    "Time from an outbox row's insert to its acknowledged publish.",
    ("family",),
    buckets=LATENCY_BUCKETS,
)
OUTBOX_UNSENT = Gauge("bp_outbox_unsent_rows", "Outbox rows not yet published, by schema.", ("schema",))
OUTBOX_OLDEST_UNSENT = Gauge(
    "bp_outbox_oldest_unsent_seconds",
    "Age of the oldest outbox row not yet published, by schema.",
    ("schema",),
)
SAGA_STEP_SECONDS = Histogram(
    "bp_saga_step_seconds",
    "A saga step's latency at its participant: from the command's store in JetStream to the"
    " reply written (queueing and handling), by step and action.",
    ("step", "action"),
    buckets=LATENCY_BUCKETS,
)
DEAD_LETTERS = Counter(
    "bp_dead_letters_total", "Messages turned into dead letters, by consumer.", ("service", "durable")
)
POOL_IN_USE = Gauge(
    "bp_db_pool_connections_in_use", "Database connections checked out of a pool.", ("application",)
)


def family(subject: str) -> str:
    """`saga.cmd.wallet` -> `saga.cmd`: a bounded label, whatever ids a subject carries."""
    return ".".join(subject.split(".")[:2])


def observe_fetch(durable: str, messages: Sequence[Any]) -> None:
    """A fetched batch: counts, redeliveries, each message's age and the pending count."""
    if not messages:
        return
    MESSAGES_CONSUMED.labels(durable).inc(len(messages))
    now = time.time()
    age = MESSAGE_AGE.labels(durable)
    redelivered = 0
    for msg in messages:
        try:
            metadata = msg.metadata
        except Exception:  # not a JetStream message (a test's plain one): nothing to read
            continue
        if metadata.num_delivered and metadata.num_delivered > 1:
            redelivered += 1
        if metadata.timestamp:
            age.observe(max(0.0, now - metadata.timestamp.timestamp()))
        CONSUMER_PENDING.labels(durable).set(metadata.num_pending or 0)
    if redelivered:
        REDELIVERIES.labels(durable).inc(redelivered)


def observe_step(step: str, action: str, msg: Any) -> None:
    """A participant answered a command: the time since JetStream stored it."""
    try:
        stored = msg.metadata.timestamp
    except Exception:  # not a JetStream message (a test's plain one): nothing to read
        return
    if stored is not None:
        SAGA_STEP_SECONDS.labels(step, action).observe(max(0.0, time.time() - stored.timestamp()))


def observe_published(subject: str, created_at: datetime | None) -> None:
    OUTBOX_PUBLISHED.labels(family(subject)).inc()
    if created_at is not None:
        OUTBOX_LAG.labels(family(subject)).observe(max(0.0, (datetime.now(UTC) - created_at).total_seconds()))


def observe_backlog(schema: str, unsent: int, oldest_seconds: float) -> None:
    OUTBOX_UNSENT.labels(schema).set(unsent)
    OUTBOX_OLDEST_UNSENT.labels(schema).set(oldest_seconds)


def watch_pool(application: str, checked_out: Callable[[], int]) -> None:
    POOL_IN_USE.labels(application or "-").set_function(checked_out)


def _export_opentelemetry_metrics() -> None:
    """The OpenTelemetry instrumentations' metrics (the gateway's HTTP server durations) on
    the same /metrics: their meter provider reads into prometheus_client's registry."""
    from opentelemetry import metrics as otel_metrics
    from opentelemetry.exporter.prometheus import PrometheusMetricReader
    from opentelemetry.sdk.metrics import MeterProvider

    otel_metrics.set_meter_provider(MeterProvider(metric_readers=[PrometheusMetricReader()]))


def serve_from_env(environ: Mapping[str, str] | None = None) -> int | None:
    """Starts the /metrics server when METRICS_PORT is set; returns its port."""
    value = (environ if environ is not None else os.environ).get("METRICS_PORT", "").strip()
    if not value:
        return None
    _export_opentelemetry_metrics()
    server, _thread = start_http_server(int(value), addr=os.environ.get("METRICS_HOST", "127.0.0.1"))
    port = int(server.server_port)
    log.info("metrics on http://%s:%d/metrics", server.server_address[0], port)
    return port
