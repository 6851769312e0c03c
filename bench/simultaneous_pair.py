"""Compares two versions of the platform by running their wallet closed loops at the same time.

    .venv/bin/python bench/simultaneous_pair.py --base fdd5e16 [--seconds 20] [--runs 3]
    make bench-pair BASE=fdd5e16

On this kind of machine the speed of the whole box drifts by a third within minutes (the same
code measured 90 and 144 confirmed/s ten minutes apart, every process's CPU per booking moving
together), so a change measured in one run and its base in the next tells nothing below that.
Run at the same time, both versions meet the same drift: their ratio is the comparison.

`--base` is checked out into a git worktree under the system's temporary folder with a
virtualenv of its own (`make venv`, kept between calls); the working tree is the other side.
Each run starts `bench/booking_throughput.py` of both with the wallet closed loop for
`--seconds` and every other step at its minimum, and prints each side's confirmed bookings,
confirmed/s and CPU ms per booking; the runs alternate which side starts first. Figures
only, nothing asserted. The two stacks share two cores, so each one's figures are lower than
alone: only the ratio means something.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Every step but the wallet closed loop at its minimum: the pair compares that loop only.
SHORT_STEPS = [
    "--baseline-seconds", "0.5", "--open-seconds", "0.5", "--overload-seconds", "0.5",
    "--mix-seconds", "0.5", "--statement-seconds", "0.5", "--hot-attempts", "40", "--hot-places", "10",
]  # fmt: skip
CONFIRMED = re.compile(r"^\s+(\d+) confirmed, ([\d.]+) confirmed/s", re.MULTILINE)
CPU = re.compile(r"CPU ms per booking: platform ([\d.]+)")


def base_tree(ref: str) -> Path:
    """A worktree of `ref` with its own virtualenv (made once, reused)."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", ref], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    tree = Path(tempfile.gettempdir()) / f"bookingplatform-pair-{commit}"
    if not tree.exists():
        subprocess.run(
            ["git", "worktree", "add", "--force", "--detach", str(tree), commit], cwd=ROOT, check=True
        )
    if not (tree / ".venv" / "bin" / "python").exists():
        subprocess.run(["make", "venv"], cwd=tree, check=True, stdout=subprocess.DEVNULL)
    return tree


def started(tree: Path, seconds: float) -> subprocess.Popen[str]:
    command = [
        str(tree / ".venv" / "bin" / "python"),
        "bench/booking_throughput.py",
        "--seconds",
        str(seconds),
    ]
    return subprocess.Popen(
        [*command, *SHORT_STEPS], cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def figures(output: str) -> tuple[int, float, float] | None:
    """(confirmed bookings, confirmed/s, CPU ms per booking) of the wallet closed loop."""
    confirmed, cpu = CONFIRMED.search(output), CPU.search(output)
    if confirmed is None or cpu is None:
        return None
    return int(confirmed.group(1)), float(confirmed.group(2)), float(cpu.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", required=True, help="the git ref to compare the working tree with")
    parser.add_argument("--seconds", type=float, default=20, help="each wallet closed loop")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sides = {"base": base_tree(args.base), "this": ROOT}
    ratios = []
    for run in range(1, args.runs + 1):
        order = ["base", "this"] if run % 2 else ["this", "base"]
        processes = {side: started(sides[side], args.seconds) for side in order}
        results: dict[str, tuple[int, float, float]] = {}
        for side, process in processes.items():
            output, _ = process.communicate()
            found = figures(output)
            if found is None:
                print(f"run {run}: {side} printed no wallet figures:\n{output[-2000:]}", file=sys.stderr)
                sys.exit(1)
            results[side] = found
        for side in ("base", "this"):
            confirmed, rate, cpu = results[side]
            print(
                f"run {run} {side:>4}: {confirmed} confirmed, {rate:.1f} confirmed/s, {cpu:.1f} ms CPU per booking"
            )
        ratio = results["this"][1] / results["base"][1]
        ratios.append(ratio)
        print(f"run {run}: this / base = {ratio:.2f}")
    print("ratios this / base: " + ", ".join(f"{ratio:.2f}" for ratio in ratios))


if __name__ == "__main__":
    main()
