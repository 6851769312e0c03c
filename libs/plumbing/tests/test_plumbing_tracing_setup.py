"""A process's tracer provider: with no exporter its spans are not recorded but keep their
trace ids across a hop; with one (or asked to) they are recorded."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json
from opentelemetry import trace
from plumbing.telemetry import current_trace_id, extract_trace_context, inject_trace_headers, setup_tracing

setup_tracing("probe", **json.loads(__import__("sys").argv[1]))
tracer = trace.get_tracer("probe")
with tracer.start_as_current_span("create") as span:
    first = current_trace_id()
    headers = {}
    inject_trace_headers(headers)
    recording = span.is_recording()
with tracer.start_as_current_span("consume", context=extract_trace_context(headers)):
    next_hop = current_trace_id()
print("SEEN", json.dumps({"first": first, "next_hop": next_hop, "recording": recording}), flush=True)
"""


def probe(environment: dict[str, str], **kwargs: object) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")} | environment
    run = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(kwargs)], capture_output=True, text=True, check=True, env=env
    )
    # The console exporter writes its spans to stdout too, at exit.
    [seen] = [line.removeprefix("SEEN ") for line in run.stdout.splitlines() if line.startswith("SEEN ")]
    return json.loads(seen)


def test_with_no_exporter_spans_are_not_recorded_yet_the_trace_id_goes_on():
    seen = probe({})

    assert seen["recording"] is False
    assert len(seen["first"]) == 32 and int(seen["first"], 16) != 0
    assert seen["next_hop"] == seen["first"]


def test_with_an_exporter_or_when_asked_spans_are_recorded():
    exported = probe({"OTEL_TRACES_EXPORTER": "console"})
    asked = probe({}, record=True)

    assert exported["recording"] is True and exported["next_hop"] == exported["first"]
    assert asked["recording"] is True
