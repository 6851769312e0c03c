"""The saga timeline of the console's detail page (gateway.console.timeline), from step logs
written as bookings writes them: bars from command to reply, retries as their own bars,
timeouts marked, the operator's actions and effects as marks."""

from datetime import UTC, datetime, timedelta

from gateway.console.timeline import build, duration
from gateway.schemas import SagaOut, SagaStepOut

T0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def row(
    seconds: float, step: str, kind: str, action: str, attempt: int = 1, outcome: str = "", **extra
) -> SagaStepOut:
    return SagaStepOut(
        step=step,
        kind=kind,
        action=action,
        attempt=attempt,
        outcome=outcome,
        message_id=None,
        create_time=T0 + timedelta(seconds=seconds),
        **extra,
    )


def saga(state: str, steps: list[SagaStepOut]) -> SagaOut:
    return SagaOut(
        id="5fd4644f-2eb2-4afe-b009-8ebc084d39d7",
        booking_id="0365ff31-30a6-4eb9-a78a-6bb5d3c28ab3",
        company_id=None,
        kind="booking",
        state=state,
        current_step=None,
        attempt=0,
        needs_attention=False,
        reason=None,
        deadline_time=None,
        create_time=T0,
        update_time=T0,
        steps=steps,
    )


def test_a_declined_card_reads_as_a_succeeded_debit_a_failed_card_and_a_refund():
    timeline = build(
        saga(
            "COMPENSATED",
            [
                row(0, "place", "effect", "hold", outcome="HELD"),
                row(0, "wallet", "command", "execute"),
                row(1, "wallet", "reply", "execute", outcome="SUCCEEDED", amount_minor=1500, reference="w-1"),
                row(1, "payments", "command", "execute"),
                row(3, "payments", "reply", "execute", outcome="CARD_DECLINED"),
                row(3, "wallet", "command", "compensate"),
                row(4, "wallet", "reply", "compensate", outcome="SUCCEEDED", amount_minor=1500),
            ],
        ),
        T0 + timedelta(hours=1),
    )

    assert [(b.label, b.outcome_class, b.duration) for b in timeline.bars] == [
        ("wallet execute attempt 1", "ok", "1.00 s"),
        ("payments execute attempt 1", "failed", "2.00 s"),
        ("wallet compensate attempt 1", "ok", "1.00 s"),
    ]
    assert (timeline.bars[0].amount_minor, timeline.bars[0].reference) == (1500, "w-1")
    # A finished saga's picture ends at its last row, not now.
    assert timeline.span == "4.00 s"
    assert [(b.x, b.w) for b in timeline.bars] == [(0.0, 250.0), (250.0, 500.0), (750.0, 250.0)]
    assert [m.kind for m in timeline.marks] == ["effect"]


def test_a_timed_out_attempt_is_marked_and_each_retry_is_a_bar_of_its_own_the_last_still_waiting():
    now = T0 + timedelta(seconds=40)
    timeline = build(
        saga(
            "RUNNING",
            [
                row(0, "payments", "command", "execute", 1),
                row(10, "payments", "timeout", "execute", 1),
                row(10, "payments", "command", "execute", 2),
                row(20, "payments", "operator", "retry", 2, outcome="provider back up"),
                row(20, "payments", "command", "execute", 3),
            ],
        ),
        now,
    )

    assert [(b.attempt, b.outcome_class) for b in timeline.bars] == [
        (1, "timeout"),
        (2, "superseded"),
        (3, "pending"),
    ]
    assert timeline.bars[0].timeouts == [250.0]
    # A running saga's picture runs to now, and a waiting bar with it.
    assert timeline.bars[2].x + timeline.bars[2].w == 1000.0
    assert [(m.kind, m.label) for m in timeline.marks] == [("operator", "operator retry: provider back up")]
    assert timeline.summary == "3 command(s), 2 retries, 1 timeout(s), 1 operator action(s)"


def test_a_saga_without_rows_has_no_picture_and_durations_read_well():
    assert build(saga("RUNNING", []), T0).bars == []
    assert [duration(s) for s in (0.42, 12.04, 184, 7500)] == ["0.42 s", "12.0 s", "3m 04s", "2h 05m"]
