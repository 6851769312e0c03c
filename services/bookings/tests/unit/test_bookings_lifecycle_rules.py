"""The lifecycle's pure rules: allowed moves, the check-in window, what the scheduler does."""

from datetime import UTC, datetime, timedelta

import pytest

from bookings.domain.lifecycle import (
    ALLOWED_TRANSITIONS,
    CHECK_IN_OPENS_BEFORE_START,
    FINISHED,
    Attendance,
    CheckIn,
    can_transition,
    check_in_decision,
    due_transition,
    ensure_not_finished,
    no_show_time,
)
from bookings.domain.model import BookingStatus as S
from plumbing.errors import FailedPrecondition

START = datetime(2030, 5, 1, 10, 0, tzinfo=UTC)
END = START + timedelta(hours=1)
DEADLINE = START + timedelta(minutes=15)
NO_SHOW_AT = DEADLINE + timedelta(minutes=10)


def booking(status=S.CONFIRMED, *, check_in=True, checked_in_at=None) -> Attendance:
    return Attendance(
        status=status,
        start_time=START,
        end_time=END,
        check_in_deadline=DEADLINE if check_in else None,
        no_show_at=NO_SHOW_AT if check_in else None,
        checked_in_at=checked_in_at,
    )


def refusal(attendance: Attendance, now: datetime) -> str:
    with pytest.raises(FailedPrecondition) as raised:
        check_in_decision(attendance, now)
    return raised.value.reason


def test_every_status_has_its_moves_and_finished_bookings_have_none():
    assert set(ALLOWED_TRANSITIONS) == set(S)
    assert {S.COMPLETED, S.NO_SHOW} == FINISHED
    for status in FINISHED | {S.CANCELLED, S.REJECTED}:
        assert ALLOWED_TRANSITIONS[status] == frozenset()


def test_the_lifecycle_moves_forward_only():
    assert can_transition(S.CONFIRMED, S.CHECKED_IN)
    assert can_transition(S.CHECKED_IN, S.COMPLETED)
    assert can_transition(S.CONFIRMED, S.NO_SHOW)
    assert can_transition(S.CONFIRMED, S.COMPLETED)
    assert not can_transition(S.PENDING, S.CHECKED_IN)
    assert not can_transition(S.CHECKED_IN, S.NO_SHOW)
    assert not can_transition(S.CHECKED_IN, S.CANCELLING)
    assert not can_transition(S.NO_SHOW, S.CHECKED_IN)
    assert not can_transition(S.COMPLETED, S.CANCELLING)


def test_a_finished_booking_refuses_any_change_with_booking_finished():
    for status in FINISHED:
        with pytest.raises(FailedPrecondition) as raised:
            ensure_not_finished(status)
        assert raised.value.reason == "BOOKING_FINISHED"
    ensure_not_finished(S.CONFIRMED)


def test_no_show_time_is_the_deadline_plus_the_grace_or_none_without_check_in():
    assert no_show_time(DEADLINE, 10) == NO_SHOW_AT
    assert no_show_time(DEADLINE, 0) == DEADLINE
    assert no_show_time(None, 10) is None


def test_check_in_opens_an_hour_before_the_start():
    assert timedelta(minutes=60) == CHECK_IN_OPENS_BEFORE_START
    opens = START - CHECK_IN_OPENS_BEFORE_START

    assert refusal(booking(), opens - timedelta(seconds=1)) == "CHECK_IN_NOT_OPEN"
    assert check_in_decision(booking(), opens) is CheckIn.NOW


def test_check_in_is_possible_until_the_deadline_plus_the_grace_inclusive():
    assert check_in_decision(booking(), DEADLINE + timedelta(minutes=5)) is CheckIn.NOW
    assert check_in_decision(booking(), NO_SHOW_AT) is CheckIn.NOW
    assert refusal(booking(), NO_SHOW_AT + timedelta(seconds=1)) == "CHECK_IN_CLOSED"


def test_without_a_check_in_requirement_the_customer_may_still_check_in_until_the_end():
    assert check_in_decision(booking(check_in=False), END - timedelta(minutes=1)) is CheckIn.NOW
    assert refusal(booking(check_in=False), END + timedelta(seconds=1)) == "CHECK_IN_CLOSED"


def test_only_a_confirmed_booking_checks_in():
    now = START
    for status in (S.PENDING, S.PENDING_PAYMENT, S.REJECTED, S.CANCELLING, S.CANCELLED):
        assert refusal(booking(status), now) == "BOOKING_NOT_CONFIRMED"
    assert refusal(booking(S.NO_SHOW), now) == "BOOKING_FINISHED"
    assert refusal(booking(S.COMPLETED), now) == "BOOKING_FINISHED"


def test_checking_in_again_returns_the_booking_even_once_it_has_completed():
    arrived = START - timedelta(minutes=5)

    assert check_in_decision(booking(S.CHECKED_IN, checked_in_at=arrived), START) is CheckIn.ALREADY
    assert check_in_decision(booking(S.COMPLETED, checked_in_at=arrived), END + timedelta(days=1)) is (
        CheckIn.ALREADY
    )


def test_the_scheduler_marks_a_missed_check_in_as_no_show_only_after_the_grace():
    assert due_transition(booking(), DEADLINE + timedelta(minutes=1)) is None
    assert due_transition(booking(), NO_SHOW_AT) is None
    assert due_transition(booking(), NO_SHOW_AT + timedelta(seconds=1)) is S.NO_SHOW
    # Even after the end: it was never checked in.
    assert due_transition(booking(), END + timedelta(hours=1)) is S.NO_SHOW


def test_the_scheduler_completes_checked_in_and_check_in_free_bookings_after_the_end():
    checked_in = booking(S.CHECKED_IN, checked_in_at=START)
    assert due_transition(checked_in, END) is None
    assert due_transition(checked_in, END + timedelta(seconds=1)) is S.COMPLETED
    assert due_transition(booking(check_in=False), END - timedelta(seconds=1)) is None
    assert due_transition(booking(check_in=False), END + timedelta(seconds=1)) is S.COMPLETED


def test_the_scheduler_leaves_every_other_status_alone():
    later = END + timedelta(days=1)
    for status in (S.PENDING, S.PENDING_PAYMENT, S.REJECTED, S.CANCELLING, S.CANCELLED, *FINISHED):
        assert due_transition(booking(status), later) is None
        assert due_transition(booking(status, check_in=False), later) is None
