"""Failpoints crash exactly on the armed hit, and only in the service they name."""

import subprocess
import sys

from plumbing.failpoints import CRASH_EXIT_CODE


def run(script: str, spec: str) -> int:
    program = f"from plumbing import failpoints\nfailpoints.configure('wallet', {spec!r})\n{script}"
    return subprocess.run([sys.executable, "-c", program], check=False).returncode


def test_the_process_exits_on_the_armed_hit_and_not_before():
    loop = "for i in range({n}):\n    failpoints.failpoint('consumer.after_commit_before_ack')\n"
    assert run(loop.format(n=2), "wallet.consumer.after_commit_before_ack@3") == 0
    assert run(loop.format(n=3), "wallet.consumer.after_commit_before_ack@3") == CRASH_EXIT_CODE


def test_failpoints_of_another_service_are_ignored():
    assert (
        run(
            "failpoints.failpoint('relay.after_publish_before_mark')",
            "bookings.relay.after_publish_before_mark@1",
        )
        == 0
    )
