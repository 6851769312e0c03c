"""`make test`: the fault suite and the rest of the suite, side by side.

The fault suite spends most of its ~7 minutes waiting (outages held for half a minute, crashed
processes restarted, the platform left to settle) on a platform of its own (its own PostgreSQL,
NATS and service processes), so it shares nothing with the rest of the suite and runs beside it
in a second pytest process: that saves its whole length on a two-core machine. Its output is
kept in a file and printed when both are done, so the two reports never interleave.

Both runs write a JUnit report, and the names of the tests that failed or erred in either are
printed last, with the first lines of their messages: a CI log that keeps only its tail still
says what failed.

Exit status: the first non-zero of the two (pytest's 5, "no test ran", counts as a failure).
`TEST_SERIAL=1` runs them one after the other; arguments go to both pytest runs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAULT_SUITE = ["tests/fault", "-m", "fault"]
# The fault suite starts this long after the rest: both starting at once (the rest collecting
# every test module and bringing up its PostgreSQL and NATS, the fault suite its own platform)
# once left an embedded PostgreSQL short of its start-up wait. It takes ~6 minutes and the rest
# ~16, so the delay costs no time.
FAULT_SUITE_DELAY_SECONDS = 60.0
REST_OF_SUITE = ["-m", "not fault", "--ignore=tests/fault"]


def pytest(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", *args]


def failures(junit_report: Path) -> list[str]:
    """'<test id>: <first lines of its message>' for each test that failed or erred."""
    if not junit_report.exists() or junit_report.stat().st_size == 0:
        return []
    found = []
    for case in ElementTree.parse(junit_report).iter("testcase"):
        for outcome in (*case.iter("failure"), *case.iter("error")):
            name = f"{case.get('classname', '')}::{case.get('name', '')}"
            message = " | ".join((outcome.get("message") or outcome.text or "").strip().splitlines()[:3])
            found.append(f"{outcome.tag.upper()} {name}: {message[:400]}")
    return found


def print_failures(reports: dict[str, Path]) -> None:
    for suite, report in reports.items():
        for line in failures(report):
            print(f"==> {suite}: {line}", flush=True)


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="suite-reports-") as reports:
        junit = {"rest of the suite": Path(reports, "rest.xml"), "fault suite": Path(reports, "fault.xml")}
        status = run_both(argv, junit)
        print_failures(junit)
        return status


def run_both(argv: list[str], junit: dict[str, Path]) -> int:
    rest_args = [*REST_OF_SUITE, f"--junit-xml={junit['rest of the suite']}", *argv]
    fault_args = [*FAULT_SUITE, f"--junit-xml={junit['fault suite']}", *argv]
    if os.environ.get("TEST_SERIAL") == "1":
        rest = subprocess.call(pytest(*rest_args), cwd=ROOT)
        fault = subprocess.call(pytest(*fault_args), cwd=ROOT)
        print(f"==> rest of the suite: exit {rest}; fault suite: exit {fault}", flush=True)
        return rest or fault
    with tempfile.NamedTemporaryFile("w+", prefix="fault-suite-", suffix=".log") as log:
        print(
            f"==> the fault suite runs beside the rest from {FAULT_SUITE_DELAY_SECONDS:g} s on;"
            f" its report follows at the end ({log.name})"
        )
        sys.stdout.flush()
        # A SIGTERM (a CI timeout) ends this process through the `finally` below, as Ctrl-C does.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        rest_run = subprocess.Popen(pytest(*rest_args), cwd=ROOT)
        fault_run: subprocess.Popen[bytes] | None = None
        try:
            with contextlib.suppress(subprocess.TimeoutExpired):
                rest_run.wait(timeout=FAULT_SUITE_DELAY_SECONDS)
            fault_run = subprocess.Popen(
                pytest(*fault_args),
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            rest = rest_run.wait()
            fault = fault_run.wait()
        finally:
            if rest_run.poll() is None:
                rest_run.kill()
            if fault_run is not None and fault_run.poll() is None:
                # Interrupted: the fault suite's platform processes are in its session; end them all.
                os.killpg(fault_run.pid, signal.SIGTERM)
                fault_run.wait()
        log.seek(0)
        print("\n==> the fault suite's report", flush=True)
        sys.stdout.write(log.read())
    print(f"==> rest of the suite: exit {rest}; fault suite: exit {fault}", flush=True)
    return rest or fault


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
