"""What the saga queries answer (GetSaga, ListSagas): a saga as stored, with its step log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class LoggedStep:
    """One row of the step log (see `domain/step_log.py` for its words)."""

    step: str
    kind: str
    action: str
    attempt: int
    outcome: str
    message_id: str
    created_at: datetime
    amount_minor: int
    bonus_minor: int
    reference: str


@dataclass(frozen=True)
class SagaRecord:
    id: str
    booking_id: str
    company_id: str
    kind: str
    state: str
    current_step: str
    attempt: int
    deadline: datetime | None
    created_at: datetime
    updated_at: datetime
    needs_attention: bool
    # Why it compensated or awaits payment (a reason code).
    reason: str
    # The step log, oldest first; empty in lists.
    steps: tuple[LoggedStep, ...] = ()
    # The trace of the request that started it ("" when none).
    trace_id: str = ""


@dataclass(frozen=True)
class SagaCount:
    kind: str
    state: str
    count: int


@dataclass(frozen=True)
class SagaBucket:
    start: datetime
    started: int
    completed: int
    compensated: int
    # Of those now terminal, seconds from start to end: median and 95th percentile (0: none).
    p50_seconds_to_terminal: float = 0.0
    p95_seconds_to_terminal: float = 0.0


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    count: int


@dataclass(frozen=True)
class SagaPage:
    """A page of ListSagas: the sagas, the next page's token and, when asked for, the total of
    the matches and the company's sagas of the time range counted by kind and state."""

    sagas: list[SagaRecord]
    next_page_token: str
    total: int = 0
    counts: tuple[SagaCount, ...] = ()
    buckets: tuple[SagaBucket, ...] = ()
    compensation_reasons: tuple[ReasonCount, ...] = ()
