"""The fault suite's helpers live beside its tests (fault_platform, fault_workload, ...)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """Each fault run's summary line (sagas, kills, outcomes, time to quiesce, an outage's
    figures) at the end of the session, passed or failed: the figures a run is judged by."""
    lines = [
        line
        for outcome in ("passed", "failed")
        for report in terminalreporter.stats.get(outcome, [])
        if report.when == "call" and "tests/fault/" in report.nodeid
        for line in report.capstdout.splitlines()
        if line.startswith("[fault]")
    ]
    if lines:
        terminalreporter.write_sep("-", "fault runs")
        for line in lines:
            terminalreporter.write_line(line)
