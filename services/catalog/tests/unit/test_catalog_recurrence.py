"""RRULE expansion in the company's zone: local wall time kept across DST, bounded series."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from catalog.domain import recurrence
from plumbing.errors import InvalidArgument

BERLIN = ZoneInfo("Europe/Berlin")


def expand(rule: str, first_day: date = date(2031, 3, 15), start: time = time(9, 0), minutes: int = 60):
    return recurrence.expand(rule, first_day=first_day, start=start, duration_minutes=minutes, zone=BERLIN)


def test_a_weekly_class_stays_at_nine_local_across_the_spring_change():
    occurrences = expand("FREQ=WEEKLY;BYDAY=SA;COUNT=4")
    local = [o.start_time.astimezone(BERLIN) for o in occurrences]
    assert [(t.date(), t.hour, t.minute) for t in local] == [
        (date(2031, 3, 15), 9, 0),
        (date(2031, 3, 22), 9, 0),
        (date(2031, 3, 29), 9, 0),
        (date(2031, 4, 5), 9, 0),
    ]
    # The UTC instant moves by the hour instead: 08:00Z in winter, 07:00Z in summer.
    assert [o.start_time.hour for o in occurrences] == [8, 8, 8, 7]
    assert all(o.start_time.tzinfo == UTC for o in occurrences)
    assert all((o.end_time - o.start_time).total_seconds() == 3600 for o in occurrences)


def test_the_autumn_change_keeps_the_local_time_too():
    occurrences = expand("FREQ=WEEKLY;BYDAY=SA;UNTIL=20311102", first_day=date(2031, 10, 18))
    assert [o.start_time.astimezone(BERLIN).time() for o in occurrences] == [time(9, 0)] * 3
    assert [o.start_time.hour for o in occurrences] == [7, 7, 8]


def test_an_occurrence_in_the_spring_gap_is_shifted_forward_by_the_gap():
    [gap] = expand("FREQ=DAILY;COUNT=1", first_day=date(2031, 3, 30), start=time(2, 30))
    assert gap.start_time == datetime(2031, 3, 30, 1, 30, tzinfo=UTC)  # 03:30 summer time


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ("FREQ=WEEKLY;BYDAY=MO", "INVALID_RRULE"),  # no end
        ("FREQ=HOURLY;COUNT=3", "INVALID_RRULE"),  # finer than a day
        ("FREQ=DAILY;COUNT=501", "TOO_MANY_OCCURRENCES"),
        ("FREQ=DAILY;UNTIL=20321231", "TOO_MANY_OCCURRENCES"),
        ("FREQ=WEEKLY;UNTIL=20350101", "INVALID_RRULE"),  # beyond two years
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=2", "INVALID_RRULE"),  # never matches
        ("FREQ=WEEKLY;COUNT=2\nDTSTART:20000101T000000", "INVALID_RRULE"),
        ("FREQ=SOMETIMES;COUNT=2", "INVALID_RRULE"),
        ("FREQ=DAILY;INTERVAL=0;COUNT=3", "INVALID_RRULE"),  # three sessions at one time
        ("", "INVALID_RRULE"),
    ],
)
def test_unbounded_too_long_or_malformed_rules_are_refused(rule, reason):
    with pytest.raises(InvalidArgument) as refused:
        expand(rule)
    assert refused.value.reason == reason
    assert refused.value.field == "rrule"


def test_the_duration_is_bounded():
    with pytest.raises(InvalidArgument) as refused:
        expand("FREQ=DAILY;COUNT=2", minutes=0)
    assert refused.value.reason == "INVALID_DURATION"


def test_a_rule_whose_two_wall_times_are_one_instant_is_refused():
    # 30 March 2031, Berlin: 02:30 does not exist and moves to 03:30, the rule's other time.
    with pytest.raises(InvalidArgument) as refused:
        expand("FREQ=DAILY;BYHOUR=2,3;BYMINUTE=30;COUNT=2", first_day=date(2031, 3, 30), start=time(2, 30))
    assert refused.value.reason == "INVALID_RRULE" and "same time" in str(refused.value)
