"""Keeps the processes of `make run` alive: services, nats-server and PostgreSQL alike.

A process that dies is started again in place (same port, socket and data directory, so
its clients only have to reconnect). Each restart is printed with the exit status and the
restart count; one that dies soon after starting waits longer each time (0.5 s doubling up
to 30 s), so a process that cannot start is not restarted in a hot loop.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

MIN_BACKOFF = 0.5
MAX_BACKOFF = 30.0
# A process that ran this long before dying is restarted at once (its back-off is forgiven).
STABLE_AFTER = 30.0


class Supervised(Protocol):
    """A process the supervisor can (re)start: `start` returns once it is ready or raises."""

    name: str
    process: subprocess.Popen[bytes] | None

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def wait_stopped(self, timeout: float = 10.0) -> None: ...

    def where(self) -> str: ...


def describe_exit(code: int) -> str:
    """`exit code 3` or `killed by SIGKILL` (Popen reports a signal as -signum)."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


@dataclass
class _Watched:
    child: Supervised
    started_at: float
    restarts: int = 0
    quick_deaths: int = 0
    due: float | None = None  # when a pending restart is to happen


class Supervisor:
    """Starts processes and restarts any that dies, with a back-off; stops them in reverse."""

    def __init__(
        self,
        report: Callable[[str], None] | None = None,
        *,
        min_backoff: float = MIN_BACKOFF,
        max_backoff: float = MAX_BACKOFF,
        stable_after: float = STABLE_AFTER,
    ) -> None:
        self.report = report or (lambda line: print(line, flush=True))
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.stable_after = stable_after
        self._watched: list[_Watched] = []
        self._lock = threading.Lock()

    def start(self, child: Supervised) -> Supervised:
        """Starts `child` (waiting until it is ready) and watches it from then on."""
        child.start()
        return self.adopt(child)

    def adopt(self, child: Supervised) -> Supervised:
        """Watches a child that is already started."""
        with self._lock:
            self._watched.append(_Watched(child, started_at=time.monotonic()))
        return child

    def restarts(self, name: str) -> int:
        return sum(watched.restarts for watched in self._watched if watched.child.name == name)

    def check(self) -> None:
        """One pass: notices deaths, schedules restarts, runs those that are due."""
        with self._lock:
            for watched in self._watched:
                self._check_one(watched)

    def _check_one(self, watched: _Watched) -> None:
        child = watched.child
        now = time.monotonic()
        if watched.due is None:
            code = child.process.poll() if child.process is not None else None
            if code is None:
                return
            if now - watched.started_at >= self.stable_after:
                watched.quick_deaths = 0
            delay = 0.0 if watched.quick_deaths == 0 else self._backoff(watched.quick_deaths)
            watched.quick_deaths += 1
            watched.due = now + delay
            self.report(
                f"  {child.name} exited ({describe_exit(code)}); restart {watched.restarts + 1}"
                + (f" in {delay:.1f} s" if delay else " now")
            )
        if now < watched.due:
            return
        watched.due = None
        watched.started_at = time.monotonic()
        try:
            child.start()
        except Exception as error:
            # Counted like a death right after starting: the next try waits longer.
            child.stop()
            child.wait_stopped()
            delay = self._backoff(watched.quick_deaths)
            watched.quick_deaths += 1
            watched.due = time.monotonic() + delay
            self.report(f"  {child.name} did not start ({error}); trying again in {delay:.1f} s")
            return
        watched.restarts += 1  # restarts that worked; failed attempts are reported above
        self.report(f"  {child.name} restarted ({watched.restarts}) on {child.where()}")

    def _backoff(self, quick_deaths: int) -> float:
        return float(min(self.max_backoff, self.min_backoff * 2 ** max(0, quick_deaths - 1)))

    def run(self, stop: threading.Event | None = None, interval: float = 0.2) -> None:
        """Checks every `interval` seconds until `stop` is set (or forever)."""
        stop = stop or threading.Event()
        while not stop.wait(interval):
            self.check()

    def stop_all(self, timeout: float = 10.0) -> None:
        """Stops the services together, then the infrastructure (PostgreSQL, NATS) they use."""
        with self._lock:
            children = [watched.child for watched in reversed(self._watched)]
            self._watched.clear()
        services = [child for child in children if not getattr(child, "infrastructure", False)]
        for group in (services, [child for child in children if child not in services]):
            for child in group:
                child.stop()
            for child in group:
                child.wait_stopped(timeout)
