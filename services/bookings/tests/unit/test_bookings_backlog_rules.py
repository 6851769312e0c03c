"""How a saga queue's wait is estimated (domain/backlog.py) and which queues a plan waits in."""

import pytest

from bookings.domain.backlog import QueueDrain, QueueReading
from bookings.domain.model import PaymentPlan
from bookings.service.saga_backlog import SagaBacklog, participants_of
from plumbing.errors import ServiceError


def test_the_wait_is_the_outstanding_count_over_the_measured_drain_rate():
    drain = QueueDrain(min_rate=10)
    drain.read(QueueReading(at=0.0, outstanding=500, finished=1000))
    drain.read(QueueReading(at=1.0, outstanding=400, finished=1200))  # 200 finished in a second

    assert drain.rate == 200
    assert drain.expected_wait() == pytest.approx(2.0)


def test_the_rate_is_smoothed_over_readings():
    drain = QueueDrain(min_rate=10)
    drain.read(QueueReading(at=0.0, outstanding=100, finished=0))
    drain.read(QueueReading(at=1.0, outstanding=100, finished=100))
    drain.read(QueueReading(at=2.0, outstanding=100, finished=400))  # 300/s now

    assert 100 < drain.rate < 300


def test_a_queue_nobody_drains_is_judged_at_the_minimum_rate():
    drain = QueueDrain(min_rate=50)
    drain.read(QueueReading(at=0.0, outstanding=100, finished=7))
    drain.read(QueueReading(at=1.0, outstanding=150, finished=7))

    assert drain.expected_wait() == pytest.approx(3.0)


def test_a_consumer_made_anew_restarts_the_rate_without_a_negative_one():
    drain = QueueDrain(min_rate=50)
    drain.read(QueueReading(at=0.0, outstanding=10, finished=900))
    drain.read(QueueReading(at=1.0, outstanding=10, finished=3))

    assert drain.rate == 0
    assert drain.expected_wait() == pytest.approx(0.2)


def test_a_queue_that_cannot_be_read_refuses_nothing():
    drain = QueueDrain(min_rate=50)
    drain.read(QueueReading(at=0.0, outstanding=10_000, finished=0))
    drain.forget()

    assert drain.expected_wait() == 0


@pytest.mark.parametrize(
    ("plan", "queues"),
    [
        (PaymentPlan(use_wallet=True), ["wallet"]),
        (
            PaymentPlan(entitlement_id="e", use_wallet=True, payment_method_id="m"),
            ["passes", "wallet", "payments"],
        ),
        (PaymentPlan(payment_method_id="m"), ["payments"]),
        (PaymentPlan(), []),
    ],
)
def test_a_plan_waits_in_the_queues_of_the_participants_it_names(plan, queues):
    assert participants_of(plan) == queues


def backlog_with(max_wait: float, **readings: tuple[QueueReading, QueueReading]) -> SagaBacklog:
    backlog = SagaBacklog(queues=None, max_wait_seconds=max_wait)  # type: ignore[arg-type]
    for name, (first, second) in readings.items():
        backlog.drains[name].read(first)
        backlog.drains[name].read(second)
    return backlog


def draining(outstanding: int, per_second: int) -> tuple[QueueReading, QueueReading]:
    return QueueReading(0.0, outstanding, 0), QueueReading(1.0, outstanding, per_second)


def test_a_create_is_admitted_quietly_below_three_quarters_of_the_longest_wait():
    backlog = backlog_with(2.0, wallet=draining(140, 100))  # 1.4 s

    assert backlog.admit(PaymentPlan(use_wallet=True)) is None


def test_a_create_admitted_past_three_quarters_of_the_longest_wait_asks_to_hold_back():
    backlog = backlog_with(2.0, wallet=draining(180, 100))  # 1.8 s

    assert backlog.admit(PaymentPlan(use_wallet=True)) == 1


def test_a_create_past_the_longest_wait_is_refused_with_the_seconds_to_wait():
    backlog = backlog_with(2.0, wallet=draining(500, 100))  # 5 s

    with pytest.raises(ServiceError) as refused:
        backlog.admit(PaymentPlan(use_wallet=True))

    assert refused.value.reason == "SAGA_BACKLOG"
    assert refused.value.metadata == {"retry_after_seconds": "3"}
    assert backlog.refused == 1


def test_a_stuck_participant_refuses_only_the_plans_that_need_it_and_asks_nobody_to_hold_back():
    # Payments is down (nothing finished): 90 waiting is 1.8 s at the minimum rate.
    backlog = backlog_with(2.0, payments=(QueueReading(0.0, 90, 5), QueueReading(1.0, 90, 5)))

    assert backlog.admit(PaymentPlan(payment_method_id="m")) is None
    assert backlog.admit(PaymentPlan(use_wallet=True)) is None
    backlog.drains["payments"].read(QueueReading(2.0, 120, 5))
    with pytest.raises(ServiceError):
        backlog.admit(PaymentPlan(payment_method_id="m"))
    assert backlog.admit(PaymentPlan(use_wallet=True)) is None
