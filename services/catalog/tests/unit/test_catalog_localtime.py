"""Local dates and times of day in a company's zone become the right UTC instants across DST."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from catalog.domain import localtime
from catalog.domain.localtime import Resolution

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
# 2031: Europe springs forward on 30 March and falls back on 26 October (at 01:00 UTC);
# the United States on 9 March and 2 November (at 02:00 local).
BERLIN_SPRING, BERLIN_FALL = date(2031, 3, 30), date(2031, 10, 26)
NEW_YORK_SPRING, NEW_YORK_FALL = date(2031, 3, 9), date(2031, 11, 2)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "day", "wall", "instant"),
    [
        (BERLIN, date(2031, 1, 15), time(15, 0), utc(2031, 1, 15, 14, 0)),  # CET, +01:00
        (BERLIN, date(2031, 7, 15), time(15, 0), utc(2031, 7, 15, 13, 0)),  # CEST, +02:00
        (NEW_YORK, date(2031, 1, 15), time(15, 0), utc(2031, 1, 15, 20, 0)),  # EST, -05:00
        (NEW_YORK, date(2031, 7, 15), time(15, 0), utc(2031, 7, 15, 19, 0)),  # EDT, -04:00
        (BERLIN, BERLIN_SPRING, time(1, 59), utc(2031, 3, 30, 0, 59)),  # just before the gap
        (BERLIN, BERLIN_SPRING, time(3, 0), utc(2031, 3, 30, 1, 0)),  # just after it
    ],
)
def test_a_local_time_that_exists_once_maps_to_its_only_instant(zone, day, wall, instant):
    resolved = localtime.resolve_local(day, wall, zone)
    assert resolved == localtime.ResolvedTime(instant, Resolution.EXACT)


@pytest.mark.parametrize(
    ("zone", "day", "wall", "instant", "reads_as"),
    [
        # 02:30 does not exist: read as 03:30 summer time, the gap's length later.
        (BERLIN, BERLIN_SPRING, time(2, 30), utc(2031, 3, 30, 1, 30), time(3, 30)),
        (BERLIN, BERLIN_SPRING, time(2, 0), utc(2031, 3, 30, 1, 0), time(3, 0)),
        (NEW_YORK, NEW_YORK_SPRING, time(2, 30), utc(2031, 3, 9, 7, 30), time(3, 30)),
    ],
)
def test_a_local_time_in_a_spring_forward_gap_is_shifted_forward_by_the_gap(
    zone, day, wall, instant, reads_as
):
    resolved = localtime.resolve_local(day, wall, zone)
    assert resolved == localtime.ResolvedTime(instant, Resolution.SHIFTED_FORWARD)
    assert localtime.utc_to_local(resolved.instant, zone).time() == reads_as


@pytest.mark.parametrize(
    ("zone", "day", "wall", "first", "second"),
    [
        (BERLIN, BERLIN_FALL, time(2, 30), utc(2031, 10, 26, 0, 30), utc(2031, 10, 26, 1, 30)),
        (NEW_YORK, NEW_YORK_FALL, time(1, 30), utc(2031, 11, 2, 5, 30), utc(2031, 11, 2, 6, 30)),
    ],
)
def test_a_local_time_that_happens_twice_on_a_fall_back_day_is_its_first_occurrence(
    zone, day, wall, first, second
):
    resolved = localtime.resolve_local(day, wall, zone)
    assert resolved == localtime.ResolvedTime(first, Resolution.FIRST_OF_TWO)
    # Both instants show that wall time: the rule picked the earlier one.
    for instant in (first, second):
        assert localtime.utc_to_local(instant, zone).time() == wall


def test_a_midnight_that_does_not_exist_is_shifted_forward_too():
    # Brazil moved its clocks from 00:00 to 01:00 on 4 November 2018.
    resolved = localtime.resolve_local(date(2018, 11, 4), time(0, 0), "America/Sao_Paulo")
    assert resolved == localtime.ResolvedTime(utc(2018, 11, 4, 3, 0), Resolution.SHIFTED_FORWARD)


@pytest.mark.parametrize(
    ("zone", "saturday", "hours"),
    [
        (BERLIN, BERLIN_SPRING - timedelta(days=1), 19),  # 15:00 -> 11:00 loses an hour
        (BERLIN, BERLIN_FALL - timedelta(days=1), 21),  # and gains one in autumn
        (NEW_YORK, NEW_YORK_SPRING - timedelta(days=1), 19),
        (NEW_YORK, NEW_YORK_FALL - timedelta(days=1), 21),
        (BERLIN, date(2031, 6, 7), 20),
    ],
)
def test_a_night_over_a_dst_change_runs_from_local_check_in_to_local_check_out(zone, saturday, hours):
    check_in, check_out = localtime.stay_instants(
        saturday, saturday + timedelta(days=1), time(15, 0), time(11, 0), zone
    )
    assert check_out - check_in == timedelta(hours=hours)
    assert localtime.utc_to_local(check_in, zone).replace(tzinfo=None) == datetime.combine(
        saturday, time(15, 0)
    )
    assert localtime.utc_to_local(check_out, zone).replace(tzinfo=None) == datetime.combine(
        saturday + timedelta(days=1), time(11, 0)
    )


def test_a_stay_needs_a_check_out_date_after_its_check_in_date():
    with pytest.raises(ValueError):
        localtime.stay_instants(date(2031, 5, 2), date(2031, 5, 2), time(15, 0), time(11, 0), BERLIN)


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        (BERLIN, BERLIN_SPRING, 23),
        (BERLIN, BERLIN_FALL, 25),
        (NEW_YORK, NEW_YORK_SPRING, 23),
        (BERLIN, date(2031, 5, 2), 24),
    ],
)
def test_a_local_day_lasts_23_or_25_hours_on_dst_days(zone, day, hours):
    start, end = localtime.local_day_bounds(day, zone)
    assert end - start == timedelta(hours=hours)
    assert localtime.utc_to_local(start, zone).time() == time(0, 0)


def test_the_nights_of_a_stay_are_its_local_dates_up_to_the_day_before_check_out():
    assert localtime.nights(date(2031, 3, 29), date(2031, 4, 1)) == [
        date(2031, 3, 29),
        date(2031, 3, 30),
        date(2031, 3, 31),
    ]
    assert localtime.nights(date(2031, 3, 29), date(2031, 3, 29)) == []


def test_alignment_counts_the_local_clock_even_on_a_dst_day():
    # 03:00 CEST right after the gap is on the hour; so is 01:00 UTC read in Berlin.
    assert localtime.is_aligned(utc(2031, 3, 30, 1, 0), BERLIN, 60)
    assert localtime.is_aligned(utc(2031, 3, 30, 1, 30), BERLIN, 30)
    assert not localtime.is_aligned(utc(2031, 3, 30, 1, 30), BERLIN, 60)
    # Kolkata is +05:30: 09:30 local is 04:00 UTC.
    assert localtime.is_aligned(utc(2031, 1, 1, 4, 0), "Asia/Kolkata", 30)
    assert not localtime.is_aligned(utc(2031, 1, 1, 4, 0), "Asia/Kolkata", 60)
    assert localtime.is_aligned(utc(2031, 1, 1, 4, 7), BERLIN, 0)
    assert not localtime.is_aligned(utc(2031, 1, 1, 4, 7, 30), BERLIN, 0)


def test_a_zone_object_works_like_its_name():
    assert localtime.local_to_utc(BERLIN_SPRING, time(2, 30), ZoneInfo(BERLIN)) == utc(2031, 3, 30, 1, 30)


@pytest.mark.parametrize("value", ["15:00", "00:00", "23:59"])
def test_a_time_of_day_is_hh_mm(value):
    parsed = localtime.parse_time_of_day(value)
    assert localtime.format_time_of_day(parsed) == value


@pytest.mark.parametrize("value", ["", "9:00", "24:00", "12:60", "12-00", "15:00:00", "ab:cd"])
def test_anything_else_is_not_a_time_of_day(value):
    with pytest.raises(ValueError):
        localtime.parse_time_of_day(value)
