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


def test_a_series_says_which_occurrences_moved_past_the_gap_and_to_what_local_time():
    occurrences = expand("FREQ=WEEKLY;COUNT=3", first_day=date(2027, 3, 21), start=time(2, 30))
    assert [o.asked for o in occurrences] == [None, datetime(2027, 3, 28, 2, 30), None]
    [moved] = recurrence.moved(occurrences, BERLIN)
    assert moved == recurrence.MovedOccurrence(
        start_time=datetime(2027, 3, 28, 1, 30, tzinfo=UTC),
        asked=datetime(2027, 3, 28, 2, 30),
        starts=datetime(2027, 3, 28, 3, 30),
    )
    # The time that exists twice in autumn is not a move: it is read as its first instant.
    assert (
        recurrence.moved(
            expand("FREQ=DAILY;COUNT=1", first_day=date(2027, 10, 31), start=time(2, 30)), BERLIN
        )
        == []
    )


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
        ("FREQ=YEARLY;BYEASTER=300;COUNT=1", "INVALID_RRULE"),  # dateutil's, not RFC 5545
        ("FREQ=MONTHLY;BYDAY=6MO;COUNT=1", "INVALID_RRULE"),  # no month has six
        ("FREQ=YEARLY;BYMONTH=3;BYDAY=-53FR;COUNT=1", "INVALID_RRULE"),
        ("FREQ=YEARLY;BYDAY=54MO;COUNT=1", "INVALID_RRULE"),
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


# What a rule costs is bounded by construction: the expansion walks the rule's periods itself
# and stops at the two-year horizon. dateutil's own iterator scans an impossible rule period by
# period to year 9999 (seconds, the event loop busy): these tests forbid it outright and hold
# the walk to a budget of periods, so they would fail (not merely run slowly) without the bound.
DAYS_IN_HORIZON = recurrence.MAX_SPAN.days + 2  # the first day, the span, the last day's own


@pytest.fixture
def periods_walked(monkeypatch):
    """The number of candidate periods each expansion examined; dateutil's iterator forbidden."""
    walked: list[int] = []
    walk = recurrence.candidate_periods

    def counted(rule, last_day):
        walked.append(0)
        for period in walk(rule, last_day):
            walked[-1] += 1
            assert walked[-1] <= DAYS_IN_HORIZON, "the walk went past the horizon"
            yield period

    def unbounded(self):
        raise AssertionError("dateutil's own iteration has no bound on a rule that never matches")
        yield  # pragma: no cover

    monkeypatch.setattr(recurrence, "candidate_periods", counted)
    monkeypatch.setattr(recurrence.rrule.rrule, "_iter", unbounded)
    return walked


@pytest.mark.parametrize(
    ("rule", "most_periods"),
    [
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31;COUNT=1", DAYS_IN_HORIZON),  # never
        ("FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31;COUNT=2", 25),  # never
        ("FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=30;UNTIL=20330101", 106),  # never
        ("FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO;COUNT=500", 3),  # 2032's week 53, then 2037's
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;COUNT=1", DAYS_IN_HORIZON),  # 2044 first
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;COUNT=2", 3),  # 2044, then 2072
        ("FREQ=DAILY;BYYEARDAY=366;BYDAY=SU;COUNT=3", DAYS_IN_HORIZON),  # once in decades
        ("FREQ=DAILY;INTERVAL=1000000000;COUNT=2", 1),  # the second lies past the calendar
        ("FREQ=MONTHLY;INTERVAL=999999999999;COUNT=2", 1),
    ],
)
def test_a_rule_without_its_occurrences_inside_the_horizon_is_refused_within_the_horizon(
    periods_walked, rule, most_periods
):
    with pytest.raises(InvalidArgument) as refused:
        expand(rule)
    assert (refused.value.reason, refused.value.field) == ("INVALID_RRULE", "rrule")
    assert "within two years of start_date" in str(refused.value)
    assert periods_walked == [periods_walked[0]] and periods_walked[0] <= most_periods


def test_a_rule_that_never_matches_says_so(periods_walked):
    with pytest.raises(InvalidArgument) as refused:
        expand("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31;COUNT=1")
    assert "no occurrence within two years" in str(refused.value)


def test_a_long_series_walks_no_further_than_it_needs(periods_walked):
    assert len(expand("FREQ=DAILY;COUNT=500")) == 500
    assert periods_walked == [500]
    assert len(expand("FREQ=MONTHLY;BYDAY=-1FR;COUNT=3")) == 3
    assert periods_walked[-1] == 3


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;BYMINUTE=0,30;COUNT=5",
        "FREQ=DAILY;BYMINUTE=0,5,10,15,20,25,30,35,40,45,50,55;BYSECOND=0,30,59;COUNT=5",
    ],
)
def test_more_than_two_dozen_start_times_a_day_are_refused_before_dateutil_builds_them(rule):
    # Every hour, minute and second would be 86,400 times a day, built when dateutil parses.
    with pytest.raises(InvalidArgument) as refused:
        expand(rule)
    assert refused.value.reason == "INVALID_RRULE" and "24 start times a day" in str(refused.value)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;COUNT=10",
        "FREQ=DAILY;INTERVAL=3;BYDAY=MO,WE,FR;UNTIL=20310601",
        "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=30",
        "FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=SU,SA;COUNT=20",
        "FREQ=WEEKLY;BYDAY=MO;BYYEARDAY=1,-1,-2,-3,-4,-5,-6;COUNT=2",  # weeks that cross a year
        "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=12",
        "FREQ=MONTHLY;BYMONTHDAY=-1,15;COUNT=12",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=12",
        "FREQ=MONTHLY;INTERVAL=5;BYDAY=2TU,-1FR;COUNT=8",
        "FREQ=MONTHLY;BYDAY=SA;BYHOUR=9,14;BYSETPOS=1,-1;COUNT=10",
        "FREQ=YEARLY;BYMONTH=3,9;BYDAY=1SU;COUNT=4",
        "FREQ=YEARLY;BYWEEKNO=1,20;BYDAY=WE;COUNT=4",
        "FREQ=YEARLY;BYYEARDAY=100,-1;COUNT=4",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;COUNT=1",
        "FREQ=DAILY;BYMONTH=7,8;BYDAY=SA;UNTIL=20320901T090000",
    ],
)
def test_the_walk_gives_what_dateutil_gives_for_ordinary_rules(rule):
    first_day, start = date(2031, 3, 15), time(9, 0)
    parsed = recurrence.parse_rule(rule, first_day, start)
    horizon = datetime.combine(first_day, start) + recurrence.MAX_SPAN
    wanted = [wall for wall in parsed if wall <= horizon]  # these rules all end inside it
    expanded = expand(rule, first_day=first_day, start=start)
    assert [o.start_time.astimezone(BERLIN).replace(tzinfo=None) for o in expanded] == wanted
