"""Recurring sessions: an RFC 5545 RRULE expanded in the company's time zone.

The rule is expanded on *local wall-clock* times (dateutil over naive datetimes), and each
occurrence is then turned into UTC with `localtime.resolve_local`, so a 09:00 class stays
09:00 local after a DST change (its UTC instant moves by the hour instead). An occurrence
whose wall time falls in a spring-forward gap follows localtime's rule (shifted forward by
the gap: 02:30 on 28 March 2027 in Europe/Berlin starts at 03:30), which is RFC 5545's
(3.3.5: a nonexistent local time is read with the offset from before the gap). A single
session at such a time is refused (TIME_SKIPPED: the person named one instant), but a series
names a rule, so its other occurrences stand; the occurrence keeps the wall time it was
asked for (`Occurrence.asked`) so the answer can say which ones moved. Each occurrence lasts
`duration_minutes` of real time.

A series is bounded: FREQ of a day or longer (finer ones make an unbounded search of
impossible rules cheap to ask for and expensive to answer), COUNT or UNTIL required, at most
`MAX_OCCURRENCES` and `MAX_TIMES_PER_DAY` start times a day, all within `MAX_SPAN` of the
first day. The expansion walks the rule's periods itself (`candidate_periods`) and never
past that span, so what a rule costs to expand or refuse is bounded whatever its parts say.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import rrule

from catalog.domain import localtime
from plumbing.errors import InvalidArgument

INVALID_RRULE = "INVALID_RRULE"
TOO_MANY_OCCURRENCES = "TOO_MANY_OCCURRENCES"
INVALID_DURATION = "INVALID_DURATION"

MAX_OCCURRENCES = 500
MAX_SPAN = timedelta(days=731)
MAX_RULE_LENGTH = 500
# BYHOUR x BYMINUTE x BYSECOND: dateutil builds every combination when it parses the rule
# (86,400 of them for all hours, minutes and seconds); two dozen start times a day is plenty.
MAX_TIMES_PER_DAY = 24
_TIME_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")
_ALLOWED_FREQUENCIES = {rrule.DAILY, rrule.WEEKLY, rrule.MONTHLY, rrule.YEARLY}
# Only the RRULE value itself: DTSTART, EXDATE, RDATE lines would override what the request says.
_RULE_TEXT = re.compile(r"^(RRULE:)?[A-Z0-9=;,+\-]+$")


@dataclass(frozen=True)
class Occurrence:
    start_time: datetime  # UTC
    end_time: datetime  # UTC
    # The local wall time the rule gave when it does not exist that day (the session starts
    # after the gap instead); None when the occurrence starts at the rule's time.
    asked: datetime | None = None


@dataclass(frozen=True)
class MovedOccurrence:
    """An occurrence that starts later than the rule's local time: `asked` (local, naive) does
    not exist in the zone that day, `starts` (local, naive) is the time after the gap."""

    start_time: datetime  # UTC
    asked: datetime
    starts: datetime


def moved(occurrences: list[Occurrence], zone: str | ZoneInfo) -> list[MovedOccurrence]:
    """The occurrences moved past a daylight-saving gap, soonest first."""
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    return [
        MovedOccurrence(
            start_time=o.start_time,
            asked=o.asked,
            starts=localtime.utc_to_local(o.start_time, tz).replace(tzinfo=None),
        )
        for o in occurrences
        if o.asked is not None
    ]


# A session lasts at most a day; one-off sessions are held to the same cap (rules.session_times).
MAX_DURATION_MINUTES = 24 * 60


def duration(minutes: int) -> timedelta:
    if not 1 <= minutes <= MAX_DURATION_MINUTES:
        raise InvalidArgument(INVALID_DURATION, "duration_minutes must be 1..1440", field="duration_minutes")
    return timedelta(minutes=minutes)


def _invalid(message: str) -> InvalidArgument:
    return InvalidArgument(INVALID_RRULE, message, field="rrule")


def parse_rule(text: str, first_day: date, start: time) -> rrule.rrule:
    """The rule with DTSTART at the local wall time of the first occurrence."""
    value = text.strip().upper()
    if not value or len(value) > MAX_RULE_LENGTH or not _RULE_TEXT.match(value):
        raise _invalid("rrule must be one RFC 5545 RRULE value, e.g. FREQ=WEEKLY;BYDAY=MO;COUNT=10")
    if _times_per_day(value) > MAX_TIMES_PER_DAY:
        raise _invalid(f"BYHOUR, BYMINUTE and BYSECOND give at most {MAX_TIMES_PER_DAY} start times a day")
    dtstart = datetime.combine(first_day, start)
    try:
        rule = rrule.rrulestr(value, dtstart=dtstart, ignoretz=True)
    except (ValueError, TypeError, KeyError, IndexError):
        raise _invalid("rrule is not a valid RFC 5545 RRULE") from None
    if not isinstance(rule, rrule.rrule):
        raise _invalid("rrule must be a single rule")
    # dateutil exposes a parsed rule's parts only as attributes (no public getters).
    if getattr(rule, "_freq", None) not in _ALLOWED_FREQUENCIES:
        raise _invalid("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY")
    if getattr(rule, "_count", None) is None and getattr(rule, "_until", None) is None:
        raise _invalid("rrule needs COUNT or UNTIL: a series must end")
    # RFC 5545: a positive integer. dateutil takes INTERVAL=0 and repeats the first occurrence
    # COUNT times: sessions stacked at one time would multiply the resource's capacity.
    if getattr(rule, "_interval", 1) < 1:
        raise _invalid("INTERVAL must be a positive integer")
    # dateutil's extension, not RFC 5545; it indexes its year masks by the offset unchecked
    # (BYEASTER=300 raised IndexError, a 500), and a negative one silently wraps around.
    if getattr(rule, "_byeaster", None):
        raise _invalid("BYEASTER is not an RFC 5545 rule part")
    _check_weekday_ordinals(rule)
    return rule


def _check_weekday_ordinals(rule: rrule.rrule) -> None:
    """RFC 5545: BYDAY's ordinal (2MO, -1FR) counts within the month in a MONTHLY rule or a
    YEARLY one with BYMONTH, else within the year. dateutil reads its masks at the ordinal's
    week unchecked, so BYDAY=53MO in a month raised IndexError (a 500) instead of a refusal."""
    ordinals = getattr(rule, "_bynweekday", None) or ()
    within_months = getattr(rule, "_freq", None) == rrule.MONTHLY or getattr(rule, "_bymonth", None)
    most = 5 if within_months else 53
    if any(not 1 <= abs(ordinal) <= most for _weekday, ordinal in ordinals):
        where = "a month" if within_months else "a year"
        raise _invalid(f"a BYDAY ordinal counts at most {most} weeks into {where}")


def _times_per_day(value: str) -> int:
    """The start times a day the rule's time lists make: the product of their lengths."""
    times = 1
    for part in value.removeprefix("RRULE:").split(";"):
        name, _, values = part.partition("=")
        if name in _TIME_PARTS:
            times *= len(set(values.split(",")))
    return times


def expand(
    text: str, *, first_day: date, start: time, duration_minutes: int, zone: str | ZoneInfo
) -> list[Occurrence]:
    """The occurrences of the rule, soonest first, in UTC; refuses an unbounded or too long series."""
    length = duration(duration_minutes)
    rule = parse_rule(text, first_day, start)
    walls = _walls_within_horizon(rule, first_day, start)
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    occurrences = []
    for wall in walls:
        resolved = localtime.resolve_local(wall.date(), wall.time(), tz)
        begin = resolved.instant
        shifted = resolved.resolution is localtime.Resolution.SHIFTED_FORWARD
        occurrences.append(
            Occurrence(start_time=begin, end_time=begin + length, asked=wall if shifted else None)
        )
    # Two wall times can name one instant (a time in a daylight-saving gap moves to the one
    # after it): a series never holds two sessions that start together.
    if len({occurrence.start_time for occurrence in occurrences}) != len(occurrences):
        raise _invalid("the rule gives two occurrences that start at the same time")
    return occurrences


def _walls_within_horizon(rule: rrule.rrule, first_day: date, start: time) -> list[datetime]:
    """The rule's wall times, all within `MAX_SPAN` of the first one and at most
    `MAX_OCCURRENCES`; the walk never looks past the horizon, whatever COUNT asks for."""
    first = datetime.combine(first_day, start)
    horizon = first + MAX_SPAN
    until: datetime | None = getattr(rule, "_until", None)
    if until is not None and until > horizon:
        raise _invalid("UNTIL must be within two years of start_date")
    last = until if until is not None else horizon
    wanted: int | None = getattr(rule, "_count", None)
    if wanted is not None and wanted > MAX_OCCURRENCES:
        raise _too_many()
    # One more than allowed is enough to know an UNTIL rule is too long.
    limit = wanted if wanted is not None else MAX_OCCURRENCES + 1
    walls = list(itertools.islice(_walls_between(rule, first, last), limit))
    if not walls:
        raise _invalid("the rule has no occurrence within two years of start_date")
    if wanted is not None and len(walls) < wanted:
        raise _invalid("the rule's occurrences do not all fall within two years of start_date")
    if len(walls) > MAX_OCCURRENCES:
        raise _too_many()
    return walls


def _too_many() -> InvalidArgument:
    return InvalidArgument(
        TOO_MANY_OCCURRENCES, f"the rule expands to more than {MAX_OCCURRENCES} occurrences", field="rrule"
    )


def _walls_between(rule: rrule.rrule, first: datetime, last: datetime) -> Iterator[datetime]:
    for walls in candidate_periods(rule, last.date()):
        for wall in walls:
            if wall > last:
                return
            # A month's or year's first period also holds the days before DTSTART.
            if wall >= first:
                yield wall


@dataclass(frozen=True)
class _RuleParts:
    """A parsed rule's parts after dateutil's defaults (e.g. WEEKLY without BYDAY takes
    DTSTART's weekday). dateutil keeps them only as private attributes: read here, once."""

    freq: int
    interval: int
    wkst: int
    dtstart: datetime
    timeset: tuple[time, ...]
    bysetpos: tuple[int, ...] | None
    bymonth: tuple[int, ...] | None
    byweekno: tuple[int, ...] | None
    byweekday: tuple[int, ...] | None
    byeaster: tuple[int, ...] | None
    bymonthday: tuple[int, ...]
    bynmonthday: tuple[int, ...]
    byyearday: tuple[int, ...] | None

    @classmethod
    def of(cls, rule: rrule.rrule) -> _RuleParts:
        attributes = vars(rule)
        return cls(**{name: attributes[f"_{name}"] for name in cls.__dataclass_fields__})


def candidate_periods(rule: rrule.rrule, last_day: date) -> Iterator[list[datetime]]:
    """The rule's periods (a day, week, month or year as FREQ says, INTERVAL apart) from its
    DTSTART's up to the last one that starts on or before `last_day`, each as the wall times
    of the period that the BY* parts keep (BYSETPOS applied), ignoring COUNT and UNTIL.

    dateutil's own iterator compares a candidate with UNTIL only once it finds one, so a rule
    that never matches (BYMONTH=2;BYMONTHDAY=31), or matches once in decades, is scanned
    period by period up to year 9999 (seconds of a busy event loop). Stopping at `last_day`
    instead bounds the walk by construction: at most 733 days, 106 weeks, 25 months or
    3 years within the two-year horizon, whatever the BY* parts. The period arithmetic and
    the filters follow dateutil's `rrule._iter` (2.9) and reuse its per-year masks."""
    parts = _RuleParts.of(rule)
    if parts.freq not in _ALLOWED_FREQUENCIES:
        raise ValueError("only day-or-longer frequencies are walked")
    # dateutil has no public per-period API: its mask builder is the one private class used.
    masks: Any = rrule._iterinfo(rule)
    day: date | None = parts.dtstart.date()
    while day is not None and _period_start(parts.freq, day) <= last_day:
        masks.rebuild(day.year, day.month)
        yield _period_walls(parts, masks, day)
        day = _next_period(parts, day)


def _period_start(freq: int, day: date) -> date:
    if freq == rrule.YEARLY:
        return date(day.year, 1, 1)
    if freq == rrule.MONTHLY:
        return date(day.year, day.month, 1)
    return day  # a DAILY period is the day, a WEEKLY one starts at the day reached


def _next_period(parts: _RuleParts, day: date) -> date | None:
    """The day the next period is reckoned from, or None past the calendar's end."""
    if parts.freq in (rrule.DAILY, rrule.WEEKLY):
        # A WEEKLY period runs to the end of its week (WKST): the next starts INTERVAL weeks on.
        to_week_start = (day.weekday() - parts.wkst) % 7
        step = parts.interval if parts.freq == rrule.DAILY else parts.interval * 7 - to_week_start
        # Ordinals, not dateutil's month-by-month carry: a huge INTERVAL is one addition.
        ordinal = day.toordinal() + step
        return date.fromordinal(ordinal) if ordinal <= date.max.toordinal() else None
    months = parts.interval if parts.freq == rrule.MONTHLY else parts.interval * 12
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    if year > date.max.year:
        return None
    # A month's or a year's dayset is the whole month or year: the day of month is moot.
    return date(year, month_index + 1, 1)


def _period_walls(parts: _RuleParts, masks: Any, day: date) -> list[datetime]:
    """The wall times of one period that the rule keeps (dateutil's filter, then BYSETPOS)."""
    dayset_of = {
        rrule.YEARLY: masks.ydayset,
        rrule.MONTHLY: masks.mdayset,
        rrule.WEEKLY: masks.wdayset,
        rrule.DAILY: masks.ddayset,
    }[parts.freq]
    dayset, start, end = dayset_of(day.year, day.month, day.day)
    days = [
        date.fromordinal(masks.yearordinal + index)
        for index in dayset[start:end]
        if index is not None and _keeps(parts, masks, index)
    ]
    if not parts.bysetpos:
        return [datetime.combine(kept, moment) for kept in days for moment in parts.timeset]
    return _by_set_position(parts.bysetpos, days, parts.timeset)


def _by_set_position(
    positions: tuple[int, ...], days: list[date], timeset: tuple[time, ...]
) -> list[datetime]:
    """BYSETPOS: the period's candidates (day by day, then time) counted from 1 or back from -1.
    Picked by index rather than listed: a year of days times two dozen times is 8,784."""
    candidates = len(days) * len(timeset)
    chosen = set()
    for position in positions:
        index = position - 1 if position > 0 else candidates + position
        if 0 <= index < candidates:
            day_index, time_index = divmod(index, len(timeset))
            chosen.add(datetime.combine(days[day_index], timeset[time_index]))
    return sorted(chosen)


def _keeps(parts: _RuleParts, masks: Any, i: int) -> bool:
    """Whether day `i` of the masks' year passes every BY* filter (as dateutil's `_iter`)."""
    if parts.bymonth and masks.mmask[i] not in parts.bymonth:
        return False
    if parts.byweekno and not masks.wnomask[i]:
        return False
    if parts.byweekday and masks.wdaymask[i] not in parts.byweekday:
        return False
    if masks.nwdaymask and not masks.nwdaymask[i]:
        return False
    if parts.byeaster and not masks.eastermask[i]:
        return False
    if (
        (parts.bymonthday or parts.bynmonthday)
        and masks.mdaymask[i] not in parts.bymonthday
        and masks.nmdaymask[i] not in parts.bynmonthday
    ):
        return False
    if parts.byyearday:
        if i < masks.yearlen:
            return i + 1 in parts.byyearday or -masks.yearlen + i in parts.byyearday
        # A week crossing into next year: day `i` is day i - yearlen of the next one.
        return (
            i + 1 - masks.yearlen in parts.byyearday
            or -masks.nextyearlen + i - masks.yearlen in parts.byyearday
        )
    return True
