"""Policy rules of a resource: validated against its booking model, each refusal naming its field."""

from datetime import time

import pytest

from catalog.domain import errors, rules
from catalog.domain.model import BookingModel, CancellationWindow, ResourcePolicy, refund_percent
from catalog.domain.rules import PolicyInput
from plumbing.errors import InvalidArgument

NIGHTLY, INTERVAL, TIME_SLOT = BookingModel.NIGHTLY, BookingModel.INTERVAL, BookingModel.TIME_SLOT


def refused(model: BookingModel, **values) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as raised:
        rules.policy(model, PolicyInput(**values))
    assert raised.value.reason == errors.INVALID_POLICY
    return raised.value


def test_an_interval_policy_keeps_its_rules():
    policy = rules.policy(
        INTERVAL,
        PolicyInput(
            lead_time_minutes=60,
            min_duration_minutes=60,
            max_duration_minutes=480,
            granularity_minutes=30,
            buffer_before_minutes=15,
            buffer_after_minutes=30,
            max_active_bookings_per_customer=2,
            check_in_deadline_minutes=15,
            no_show_grace_minutes=10,
        ),
    )
    assert (policy.min_duration_minutes, policy.max_duration_minutes, policy.granularity_minutes) == (
        60,
        480,
        30,
    )
    assert (policy.buffer_before_minutes, policy.buffer_after_minutes) == (15, 30)
    assert (policy.check_in_time, policy.check_out_time) == (None, None)


def test_a_nightly_policy_gets_default_check_in_and_check_out_times():
    policy = rules.policy(NIGHTLY, PolicyInput(min_nights=2, max_nights=14))
    assert (policy.check_in_time, policy.check_out_time) == (time(15, 0), time(11, 0))
    given = rules.policy(NIGHTLY, PolicyInput(check_in_time="16:30", check_out_time="10:00"))
    assert (given.check_in_time, given.check_out_time) == (time(16, 30), time(10, 0))


def test_cancellation_windows_are_sorted_widest_first_and_imply_the_free_cancellation_minutes():
    policy = rules.policy(TIME_SLOT, PolicyInput(cancellation_windows=((0, 0), (2880, 100), (1440, 50))))
    assert policy.cancellation_windows == (
        CancellationWindow(2880, 100),
        CancellationWindow(1440, 50),
        CancellationWindow(0, 0),
    )
    assert policy.free_cancellation_minutes == 2880


def test_without_windows_the_deprecated_free_cancellation_minutes_become_windows():
    assert rules.policy(TIME_SLOT, PolicyInput(free_cancellation_minutes=60)).cancellation_windows == (
        CancellationWindow(60, 100),
        CancellationWindow(0, 0),
    )
    assert rules.policy(TIME_SLOT, PolicyInput(free_cancellation_minutes=0)).cancellation_windows == (
        CancellationWindow(0, 100),
    )


def test_windows_without_a_full_refund_read_as_zero_free_cancellation_minutes():
    policy = rules.policy(
        TIME_SLOT, PolicyInput(free_cancellation_minutes=0, cancellation_windows=((1440, 50),))
    )
    assert policy.free_cancellation_minutes == 0
    assert policy.effective_cancellation_windows() == (CancellationWindow(1440, 50),)


@pytest.mark.parametrize(
    ("minutes_before_start", "percent"),
    [(5000, 100), (2880, 100), (2879, 50), (1440, 50), (1439.5, 0), (0, 0), (-1, 0)],
)
def test_the_refund_is_that_of_the_widest_window_reached(minutes_before_start, percent):
    windows = (CancellationWindow(2880, 100), CancellationWindow(1440, 50), CancellationWindow(0, 0))
    assert refund_percent(windows, minutes_before_start) == percent


def test_the_legacy_rule_refunds_in_full_until_the_deadline_and_nothing_after():
    windows = ResourcePolicy(free_cancellation_minutes=60).effective_cancellation_windows()
    assert [refund_percent(windows, m) for m in (61, 60, 59, 0, -5)] == [100, 100, 0, 0, 0]


@pytest.mark.parametrize(
    ("model", "values", "field"),
    [
        (TIME_SLOT, {"min_duration_minutes": 60}, "policy.min_duration_minutes"),
        (NIGHTLY, {"granularity_minutes": 30}, "policy.granularity_minutes"),
        (NIGHTLY, {"buffer_after_minutes": 30}, "policy.buffer_after_minutes"),
        (INTERVAL, {"min_nights": 2}, "policy.min_nights"),
        (TIME_SLOT, {"check_in_time": "15:00"}, "policy.check_in_time"),
        (INTERVAL, {"max_guests_per_unit": 4}, "policy.max_guests_per_unit"),
    ],
)
def test_a_rule_of_another_booking_model_is_refused(model, values, field):
    error = refused(model, **values)
    assert error.field == field
    assert "only" in error.message


@pytest.mark.parametrize(
    ("model", "values", "field"),
    [
        (INTERVAL, {"buffer_before_minutes": -1}, "policy.buffer_before_minutes"),
        (INTERVAL, {"max_duration_minutes": 366 * 1440 + 1}, "policy.max_duration_minutes"),
        (NIGHTLY, {"max_nights": 367}, "policy.max_nights"),
        (TIME_SLOT, {"max_active_bookings_per_customer": -2}, "policy.max_active_bookings_per_customer"),
        (TIME_SLOT, {"no_show_grace_minutes": -1}, "policy.no_show_grace_minutes"),
        (INTERVAL, {"min_duration_minutes": 120, "max_duration_minutes": 60}, "policy.min_duration_minutes"),
        (NIGHTLY, {"min_nights": 3, "max_nights": 2}, "policy.min_nights"),
        (INTERVAL, {"granularity_minutes": 7}, "policy.granularity_minutes"),
        (INTERVAL, {"granularity_minutes": 30, "min_duration_minutes": 45}, "policy.min_duration_minutes"),
        (INTERVAL, {"granularity_minutes": 30, "max_duration_minutes": 100}, "policy.max_duration_minutes"),
        (NIGHTLY, {"check_in_time": "3pm"}, "policy.check_in_time"),
        (NIGHTLY, {"check_out_time": "25:00"}, "policy.check_out_time"),
        (NIGHTLY, {"check_in_time": "10:00", "check_out_time": "11:00"}, "policy.check_out_time"),
    ],
)
def test_a_bad_rule_is_invalid_policy_naming_it(model, values, field):
    assert refused(model, **values).field == field


@pytest.mark.parametrize(
    ("windows", "field"),
    [
        (((-1, 100),), "policy.cancellation_windows[0].minutes_before_start"),
        (((60, 100), (30, 101)), "policy.cancellation_windows[1].refund_percent"),
        (((60, -1),), "policy.cancellation_windows[0].refund_percent"),
        (((60, 100), (60, 50)), "policy.cancellation_windows"),
        (((1440, 50), (60, 100)), "policy.cancellation_windows"),  # a later cancellation refunds more
        (tuple((n, 0) for n in range(11)), "policy.cancellation_windows"),
    ],
)
def test_bad_cancellation_windows_are_refused_naming_the_window(windows, field):
    assert refused(TIME_SLOT, free_cancellation_minutes=0, cancellation_windows=windows).field == field


def test_given_windows_win_over_the_deprecated_free_cancellation_minutes():
    windows = ((2880, 100), (0, 0))
    for stale in (0, 60, 2880):
        policy = rules.policy(
            TIME_SLOT, PolicyInput(free_cancellation_minutes=stale, cancellation_windows=windows)
        )
        assert policy.free_cancellation_minutes == 2880
        assert policy.cancellation_windows == (CancellationWindow(2880, 100), CancellationWindow(0, 0))


def test_a_validated_policy_round_trips_through_its_own_values():
    first = rules.policy(NIGHTLY, PolicyInput(cancellation_windows=((2880, 100), (1440, 50), (0, 0))))
    again = rules.policy(
        NIGHTLY,
        PolicyInput(
            free_cancellation_minutes=first.free_cancellation_minutes,
            cancellation_windows=tuple(
                (w.minutes_before_start, w.refund_percent) for w in first.cancellation_windows
            ),
            check_in_time="15:00",
            check_out_time="11:00",
        ),
    )
    assert again == first
