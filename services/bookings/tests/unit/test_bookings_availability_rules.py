"""Local days and free slots of an interval resource, pure."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings.domain.availability import (
    SlotRules,
    aligned_grid,
    check_range,
    day_minutes,
    free_slots,
    local_day_bounds,
    parse_day,
    unique_resource_ids,
)
from plumbing.errors import InvalidArgument

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2031, 6, 10)  # summer time: UTC+2
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


def test_a_range_is_inclusive_and_at_most_92_days_long():
    assert len(check_range(DAY, DAY)) == 1
    assert len(check_range(DAY, DAY + timedelta(days=92))) == 93
    with pytest.raises(InvalidArgument) as too_long:
        check_range(DAY, DAY + timedelta(days=93))
    assert too_long.value.reason == "INVALID_DATE_RANGE"
    with pytest.raises(InvalidArgument) as backwards:
        check_range(DAY, DAY - timedelta(days=1))
    assert backwards.value.reason == "INVALID_DATE_RANGE"


@pytest.mark.parametrize("value", ["", "2031-6-10", "2031-02-30", "10.06.2031", "2031-06-10T00:00"])
def test_a_date_must_be_yyyy_mm_dd(value):
    with pytest.raises(InvalidArgument) as refused:
        parse_day(value, "start_date")
    assert (refused.value.reason, refused.value.field) == ("INVALID_DATE", "start_date")


def test_resource_ids_are_validated_and_kept_once_in_order():
    ids = ["6f1c0c52-3c5e-4b8e-9a51-0d1b0b1f6a01", "1b6e4c8e-8f0e-4c55-a1b5-1f0a9f6e2b02"]
    assert unique_resource_ids([ids[0], ids[1], ids[0]]) == ids
    with pytest.raises(InvalidArgument) as refused:
        unique_resource_ids(["nope"])
    assert refused.value.reason == "INVALID_ID"


def test_a_local_day_has_23_or_25_hours_on_a_daylight_saving_change():
    assert day_minutes(date(2031, 3, 30), BERLIN) == 23 * 60
    assert day_minutes(date(2031, 10, 26), BERLIN) == 25 * 60
    assert day_minutes(DAY, BERLIN) == 24 * 60
    start, end = local_day_bounds(DAY, BERLIN)
    assert (start, end) == (datetime(2031, 6, 9, 22, tzinfo=UTC), datetime(2031, 6, 10, 22, tzinfo=UTC))


def test_the_grid_follows_the_local_clock_over_a_spring_forward_change():
    grid = aligned_grid(date(2031, 3, 30), BERLIN, 60)
    hours = [instant.astimezone(BERLIN).hour for instant in grid]
    assert hours[:4] == [0, 1, 3, 4]  # 02:00 does not exist that night
    assert len(grid) == 24  # 23 hours and the next midnight


def test_an_empty_day_is_one_slot_from_midnight_to_midnight():
    slots = free_slots([], DAY, BERLIN, SlotRules(granularity_minutes=30), min_minutes=0, now=LONG_AGO)
    assert slots == [local_day_bounds(DAY, BERLIN)]


def test_slots_leave_room_for_the_buffers_and_snap_to_the_granularity():
    rules = SlotRules(granularity_minutes=30, buffer_before_minutes=15, buffer_after_minutes=15)
    # A rental 10:00-12:00 blocks 09:45-12:15; one 14:00-14:30 blocks 13:45-14:45.
    blocked = [(local(DAY, 9, 45), local(DAY, 12, 15)), (local(DAY, 13, 45), local(DAY, 14, 45))]

    slots = free_slots(blocked, DAY, BERLIN, rules, min_minutes=60, now=LONG_AGO)

    assert slots == [
        (local(DAY, 0), local(DAY, 9, 30)),
        (local(DAY, 12, 30), local(DAY, 13, 30)),
        (local(DAY, 15), local(DAY + timedelta(days=1), 0)),
    ]


def test_slots_shorter_than_the_minimum_are_left_out():
    rules = SlotRules(granularity_minutes=30, buffer_before_minutes=15, buffer_after_minutes=15)
    blocked = [(local(DAY, 9, 45), local(DAY, 12, 15)), (local(DAY, 13, 45), local(DAY, 14, 45))]

    slots = free_slots(blocked, DAY, BERLIN, rules, min_minutes=90, now=LONG_AGO)

    assert [start for start, _ in slots] == [local(DAY, 0), local(DAY, 15)]


def test_a_rental_across_midnight_blocks_the_start_of_the_next_day():
    blocked = [(local(DAY - timedelta(days=1), 22), local(DAY, 2))]
    slots = free_slots(blocked, DAY, BERLIN, SlotRules(granularity_minutes=60), min_minutes=0, now=LONG_AGO)
    assert slots == [(local(DAY, 2), local(DAY + timedelta(days=1), 0))]


def test_slots_start_no_earlier_than_the_lead_time_allows():
    rules = SlotRules(granularity_minutes=15, lead_time_minutes=60)
    now = local(DAY, 9, 7)
    slots = free_slots([], DAY, BERLIN, rules, min_minutes=0, now=now)
    assert slots == [(local(DAY, 10, 15), local(DAY + timedelta(days=1), 0))]
    assert free_slots([], DAY - timedelta(days=1), BERLIN, rules, min_minutes=0, now=now) == []


def test_a_day_beyond_the_horizon_has_no_slots():
    rules = SlotRules(horizon_days=30)
    now = local(DAY, 12)
    assert free_slots([], DAY + timedelta(days=31), BERLIN, rules, min_minutes=0, now=now) == []
    assert free_slots([], DAY + timedelta(days=29), BERLIN, rules, min_minutes=0, now=now) != []
