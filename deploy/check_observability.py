"""Checks deploy/observability/ offline (promtool is not needed):

- grafana-dashboard.json parses, and every panel query names only metrics the platform exports;
- alerts.yaml is a monitoring.coreos.com/v1 PrometheusRule whose rules each have an alert
  name, an expression, a severity and a summary, and whose expressions name only metrics the
  platform exports.

"Metrics the platform exports" are read from the live registry, not from a list kept by hand:
plumbing.metrics and bookings' saga_metrics registered in prometheus_client, plus the
OpenTelemetry FastAPI instrumentation's HTTP metrics, produced by one request to an
instrumented app as the gateway's /metrics serves them. Each family gives its sample names
(counter: `_total`; histogram: `_bucket`, `_count`, `_sum`).

Not checked: PromQL syntax beyond names (a query that parses but means something else).

Usage: .venv/bin/python deploy/check_observability.py
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
DASHBOARD = HERE / "observability" / "grafana-dashboard.json"
ALERTS = HERE / "observability" / "alerts.yaml"

SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
    "gauge": ("",),
    "info": ("_info",),
}
# PromQL words that are not metric names when not followed by "(".
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "offset"}
KEYWORDS |= {"and", "or", "unless", "bool", "inf", "nan"}


def exported_metrics() -> set[str]:
    """Every sample name the platform's processes can expose."""
    import warnings

    from fastapi import FastAPI

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's note on its test client's httpx
        from fastapi.testclient import TestClient
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from prometheus_client import REGISTRY

    import bookings.adapters.saga_metrics  # noqa: F401  (registers bp_sagas*)
    import plumbing.metrics

    plumbing.metrics._export_opentelemetry_metrics()
    app = FastAPI()

    @app.get("/probe/{item}")
    def probe(item: int) -> dict[str, int]:
        return {"item": item}

    FastAPIInstrumentor.instrument_app(app)
    TestClient(app).get("/probe/1")
    names: set[str] = set()
    for family in REGISTRY.collect():
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ("",)))
        names.update(sample.name for sample in family.samples)
    return names


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (label matchers, ranges, groupings,
    strings and function names left out)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges and subqueries
    text = re.sub(
        r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text
    )  # grouping labels
    found = set()
    for match in re.finditer(r"(?<![A-Za-z0-9_:.])[A-Za-z_:][A-Za-z0-9_:]*", text):
        word = match.group(0)
        following = text[match.end() :].lstrip()[:1]
        if following == "(" or word.lower() in KEYWORDS:
            continue
        if text[: match.start()].rstrip().endswith(("$", "{")):
            continue
        found.add(word)
    return found


def dashboard_queries(dashboard: dict[str, Any]) -> Iterator[tuple[str, str]]:
    def walk(panels: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
        for panel in panels:
            for target in panel.get("targets", []):
                if "expr" in target:
                    yield panel.get("title", "?"), target["expr"]
            yield from walk(panel.get("panels", []))

    yield from walk(dashboard.get("panels", []))


def check(exported: set[str]) -> list[str]:
    problems: list[str] = []

    def names_ok(where: str, expr: str) -> None:
        names = metric_names(expr)
        if not names:
            problems.append(f"{where}: names no metric: {expr}")
        for name in sorted(names - exported):
            problems.append(f"{where}: {name} is not a metric the platform exports")

    dashboard = json.loads(DASHBOARD.read_text())
    queries = list(dashboard_queries(dashboard))
    if not queries:
        problems.append(f"{DASHBOARD.name}: no panel queries")
    for title, expr in queries:
        names_ok(f"{DASHBOARD.name} panel {title!r}", expr)
    uids = {
        target.get("datasource", {}).get("uid")
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    }
    if uids - {"${datasource}"}:
        problems.append(f"{DASHBOARD.name}: queries must use the $datasource variable, found {uids}")

    documents = list(yaml.safe_load_all(ALERTS.read_text()))
    if len(documents) != 1:
        problems.append(f"{ALERTS.name}: one PrometheusRule expected, found {len(documents)} documents")
    rule = documents[0]
    if (rule.get("apiVersion"), rule.get("kind")) != ("monitoring.coreos.com/v1", "PrometheusRule"):
        problems.append(f"{ALERTS.name}: not a monitoring.coreos.com/v1 PrometheusRule")
    alerts = [item for group in rule["spec"]["groups"] for item in group["rules"]]
    for item in alerts:
        where = f"{ALERTS.name} {item.get('alert', '?')}"
        if not item.get("alert") or not item.get("expr"):
            problems.append(f"{where}: needs `alert` and `expr`")
            continue
        if item.get("labels", {}).get("severity") not in {"warning", "critical"}:
            problems.append(f"{where}: severity must be warning or critical")
        if not item.get("annotations", {}).get("summary"):
            problems.append(f"{where}: needs a summary annotation")
        names_ok(where, str(item["expr"]))
    print(
        f"observability: {len(queries)} dashboard queries and {len(alerts)} alert rules"
        " name only exported metrics"
    )
    return problems


def main() -> int:
    problems = check(exported_metrics())
    for problem in problems:
        print(f"observability: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
