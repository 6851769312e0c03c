"""Recurring sessions: an RFC 5545 RRULE expanded in the company's time zone.

The rule is expanded on *local wall-clock* times (dateutil over naive datetimes), and each
occurrence is then turned into UTC with `localtime.resolve_local`, so a 09:00 class stays
09:00 local after a DST change (its UTC instant moves by the hour instead). An occurrence
whose wall time falls in a spring-forward gap follows localtime's rule (shifted forward by
the gap). Each occurrence lasts `duration_minutes` of real time.

A series is bounded: FREQ of a day or longer (finer ones make an unbounded search of
impossible rules cheap to ask for and expensive to answer), COUNT or UNTIL required, at most
`MAX_OCCURRENCES`, all within `MAX_SPAN` of the first day.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
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
_ALLOWED_FREQUENCIES = {rrule.DAILY, rrule.WEEKLY, rrule.MONTHLY, rrule.YEARLY}
# Only the RRULE value itself: DTSTART, EXDATE, RDATE lines would override what the request says.
_RULE_TEXT = re.compile(r"^(RRULE:)?[A-Z0-9=;,+\-]+$")


@dataclass(frozen=True)
class Occurrence:
    start_time: datetime  # UTC
    end_time: datetime  # UTC


def duration(minutes: int) -> timedelta:
    if not 1 <= minutes <= 24 * 60:
        raise InvalidArgument(INVALID_DURATION, "duration_minutes must be 1..1440", field="duration_minutes")
    return timedelta(minutes=minutes)


def _invalid(message: str) -> InvalidArgument:
    return InvalidArgument(INVALID_RRULE, message, field="rrule")


def parse_rule(text: str, first_day: date, start: time) -> rrule.rrule:
    """The rule with DTSTART at the local wall time of the first occurrence."""
    value = text.strip().upper()
    if not value or len(value) > MAX_RULE_LENGTH or not _RULE_TEXT.match(value):
        raise _invalid("rrule must be one RFC 5545 RRULE value, e.g. FREQ=WEEKLY;BYDAY=MO;COUNT=10")
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
    return rule


def expand(
    text: str, *, first_day: date, start: time, duration_minutes: int, zone: str | ZoneInfo
) -> list[Occurrence]:
    """The occurrences of the rule, soonest first, in UTC; refuses an unbounded or too long series."""
    length = duration(duration_minutes)
    rule = parse_rule(text, first_day, start)
    horizon = datetime.combine(first_day, start) + MAX_SPAN
    # Bounding the walk by the horizon (not only by COUNT) keeps a rule that never matches
    # (FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=3) from searching up to year 9999.
    bounded = rule.replace(count=None, until=min(getattr(rule, "_until", None) or horizon, horizon))
    wanted = getattr(rule, "_count", None)
    too_many = InvalidArgument(
        TOO_MANY_OCCURRENCES, f"the rule expands to more than {MAX_OCCURRENCES} occurrences", field="rrule"
    )
    if wanted is not None:
        if wanted > MAX_OCCURRENCES:
            raise too_many
        walls = list(itertools.islice(bounded, wanted))
        if len(walls) < wanted:
            raise _invalid("the rule's occurrences do not all fall within two years of start_date")
    else:
        walls = list(itertools.islice(bounded, MAX_OCCURRENCES + 1))
        if len(walls) > MAX_OCCURRENCES:
            raise too_many
        until = getattr(rule, "_until", None)
        if until is not None and until > horizon:
            raise _invalid("UNTIL must be within two years of start_date")
    if not walls:
        raise _invalid("the rule has no occurrence")
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    occurrences = []
    for wall in walls:
        begin = localtime.resolve_local(wall.date(), wall.time(), tz).instant
        occurrences.append(Occurrence(start_time=begin, end_time=begin + length))
    # Two wall times can name one instant (a time in a daylight-saving gap moves to the one
    # after it): a series never holds two sessions that start together.
    if len({occurrence.start_time for occurrence in occurrences}) != len(occurrences):
        raise _invalid("the rule gives two occurrences that start at the same time")
    return occurrences
