"""The saga detail page's timeline: the step log turned into bars from each command to its
reply (retries are their own bars, timeouts marked on theirs) and marks for the operator's
actions and bookings' own effects, laid out on a 1000-unit wide SVG. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from gateway.schemas import SagaOut, SagaStepOut

WIDTH = 1000
BAR_HEIGHT = 14
ROW = 22
TOP = 6
MIN_BAR = 4
TERMINAL = ("COMPLETED", "COMPENSATED")


def duration(seconds: float) -> str:
    """0.42 s, 12.0 s, 3m 04s, 2h 05m."""
    if seconds < 60:
        return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"
    whole = int(seconds)
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    return f"{whole // 3600}h {whole % 3600 // 60:02d}m"


@dataclass
class Bar:
    step: str
    action: str
    attempt: int
    start: datetime
    end: datetime | None = None
    outcome: str = ""
    amount_minor: int = 0
    bonus_minor: int = 0
    reference: str = ""
    timeout_times: list[datetime] = field(default_factory=list)
    # A later attempt was sent before this one was answered (an operator's retry).
    superseded: bool = False
    # Laid out:
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    timeouts: list[float] = field(default_factory=list)
    duration: str = ""

    @property
    def label(self) -> str:
        return f"{self.step} {self.action} attempt {self.attempt}"

    @property
    def outcome_class(self) -> str:
        if not self.outcome:
            if self.timeout_times:
                return "timeout"
            return "superseded" if self.superseded else "pending"
        return "ok" if self.outcome == "SUCCEEDED" else "failed"


@dataclass
class Mark:
    kind: str  # operator, effect, ignored
    label: str
    at: datetime
    x: float = 0.0
    y: float = 0.0


@dataclass
class Timeline:
    bars: list[Bar]
    marks: list[Mark]
    width: int = WIDTH
    height: int = 0
    bar_height: int = BAR_HEIGHT
    span: str = ""
    summary: str = ""


def _open_bar(bars: list[Bar], step: SagaStepOut) -> Bar | None:
    for bar in reversed(bars):
        if (bar.step, bar.action, bar.attempt) == (step.step, step.action, step.attempt):
            return bar
    return None


def build(saga: SagaOut, now: datetime) -> Timeline:
    bars: list[Bar] = []
    marks: list[Mark] = []
    for row in saga.steps:
        at = row.create_time
        if at is None:
            continue
        if row.kind == "command":
            for earlier in bars:
                if (earlier.step, earlier.action) == (row.step, row.action) and earlier.end is None:
                    earlier.end, earlier.superseded = at, True
            bars.append(Bar(row.step, row.action, row.attempt, start=at))
        elif row.kind == "reply":
            bar = _open_bar(bars, row)
            if bar is not None and bar.end is None:
                bar.end, bar.outcome = at, row.outcome
                bar.amount_minor, bar.bonus_minor, bar.reference = (
                    row.amount_minor,
                    row.bonus_minor,
                    row.reference or "",
                )
        elif row.kind == "timeout":
            bar = next((b for b in reversed(bars) if b.step == row.step and b.attempt == row.attempt), None)
            if bar is not None:
                bar.timeout_times.append(at)
                if bar.end is None:
                    bar.end = at
            else:
                marks.append(Mark("timeout", f"{row.step} timed out (attempt {row.attempt})", at))
        elif row.kind == "operator":
            marks.append(Mark("operator", f"operator {row.action}: {row.outcome}", at))
        elif row.kind == "ignored":
            marks.append(Mark("ignored", f"{row.step} {row.action} reply ignored: {row.outcome}", at))
        else:
            marks.append(Mark("effect", f"{row.step} {row.action}: {row.outcome}", at))
    times = [b.start for b in bars] + [b.end for b in bars if b.end] + [m.at for m in marks]
    if not times:
        return Timeline([], [])
    origin = min([*times, *([saga.create_time] if saga.create_time else [])])
    finished = saga.state in TERMINAL
    last = max(times) if finished else max(*times, now)
    span = max((last - origin).total_seconds(), 0.001)

    def x_of(at: datetime) -> float:
        return round((at - origin).total_seconds() / span * WIDTH, 1)

    for index, bar in enumerate(bars):
        end = bar.end or (last if not finished else bar.start)
        bar.x = x_of(bar.start)
        bar.w = max(MIN_BAR, round(x_of(end) - bar.x, 1))
        bar.y = TOP + index * ROW
        bar.timeouts = [x_of(t) for t in bar.timeout_times]
        bar.duration = duration((end - bar.start).total_seconds())
    marks_y = TOP + len(bars) * ROW + BAR_HEIGHT // 2
    for mark in marks:
        mark.x, mark.y = x_of(mark.at), marks_y
    retries = sum(1 for b in bars if b.attempt > 1)
    timeouts = sum(len(b.timeout_times) for b in bars)
    operator = sum(1 for m in marks if m.kind == "operator")
    summary = (
        f"{len(bars)} command(s), {retries} retr{'y' if retries == 1 else 'ies'}, "
        f"{timeouts} timeout(s), {operator} operator action(s)"
    )
    return Timeline(
        bars,
        marks,
        height=marks_y + BAR_HEIGHT,
        span=duration(span),
        summary=summary,
    )
