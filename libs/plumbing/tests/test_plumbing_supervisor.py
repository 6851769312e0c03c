"""The supervisor of `make run` on real processes: restarts, exit statuses, back-off."""

from __future__ import annotations

import signal
import subprocess
import sys

from plumbing.supervisor import Supervisor
from plumbing.testing import eventually


class Program:
    """A real child process running `code`; `start` returns at once."""

    def __init__(self, name: str, code: str) -> None:
        self.name = name
        self.code = code
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        self.process = subprocess.Popen([sys.executable, "-c", self.code])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait_stopped(self, timeout: float = 10.0) -> None:
        if self.process is not None:
            self.process.wait(timeout)

    def where(self) -> str:
        return f"pid {self.process.pid if self.process else '-'}"


async def test_a_process_that_dies_at_once_is_restarted_with_a_growing_delay_and_its_exit_code_printed():
    lines: list[str] = []
    supervisor = Supervisor(lines.append, min_backoff=0.1, max_backoff=0.4, stable_after=60)
    crasher = Program("crasher", "import sys; sys.exit(3)")
    supervisor.start(crasher)
    try:
        await eventually(
            lambda: (supervisor.check(), crasher.starts >= 6)[1], timeout=60, message=lambda: lines
        )
        restarts = supervisor.restarts("crasher")
    finally:
        supervisor.stop_all()

    exits = [line.strip() for line in lines if "exited" in line][:5]
    assert exits == [
        "crasher exited (exit code 3); restart 1 now",
        "crasher exited (exit code 3); restart 2 in 0.1 s",
        "crasher exited (exit code 3); restart 3 in 0.2 s",
        "crasher exited (exit code 3); restart 4 in 0.4 s",
        "crasher exited (exit code 3); restart 5 in 0.4 s",  # capped at max_backoff
    ]
    assert restarts == crasher.starts - 1


async def test_a_killed_process_is_reported_by_its_signal_and_stopped_for_good_by_stop_all():
    lines: list[str] = []
    supervisor = Supervisor(lines.append, stable_after=0)
    sleeper = Program("sleeper", "import time; time.sleep(600)")
    supervisor.start(sleeper)
    first = sleeper.process
    assert first is not None
    first.send_signal(signal.SIGKILL)
    first.wait()

    await eventually(lambda: (supervisor.check(), supervisor.restarts("sleeper") == 1)[1], timeout=30)
    assert "  sleeper exited (killed by SIGKILL); restart 1 now" in lines
    second = sleeper.process
    assert second is not None and second.pid != first.pid and second.poll() is None

    supervisor.stop_all()
    assert second.poll() == -signal.SIGTERM
    supervisor.check()  # nothing is watched any more: no restart after a stop
    assert sleeper.starts == 2


class RefusesToStart(Program):
    """Starts only at its `works_from`-th attempt (like PostgreSQL while its old shared memory
    is still held by dying backends)."""

    def __init__(self, name: str, works_from: int) -> None:
        super().__init__(name, "import time; time.sleep(600)")
        self.works_from = works_from

    def start(self) -> None:
        if self.starts + 1 < self.works_from:
            self.starts += 1
            raise RuntimeError("pre-existing shared memory block is still in use")
        super().start()


async def test_a_restart_that_fails_is_tried_again_later_and_only_a_working_one_is_counted():
    lines: list[str] = []
    supervisor = Supervisor(lines.append, min_backoff=0.1, max_backoff=1, stable_after=60)
    server = RefusesToStart("server", works_from=4)
    Program.start(server)  # the first start works
    supervisor.adopt(server)
    assert server.process is not None
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    try:
        await eventually(lambda: (supervisor.check(), supervisor.restarts("server") == 1)[1], timeout=60)
        assert server.process.poll() is None
    finally:
        supervisor.stop_all()

    assert [line.strip() for line in lines] == [
        "server exited (killed by SIGKILL); restart 1 now",
        "server did not start (pre-existing shared memory block is still in use); trying again in 0.1 s",
        "server did not start (pre-existing shared memory block is still in use); trying again in 0.2 s",
        f"server restarted (1) on pid {server.process.pid}",
    ]
