"""Input guards every service shares: NUL characters in strings, and the window of times.

PostgreSQL refuses a NUL in a text value, and Python's datetime overflows near years 1 and
9999 as soon as an offset or a day is added. Both used to surface as INTERNAL; these guards
refuse such input up front with INVALID_ARGUMENT and a stable reason.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from plumbing.errors import InvalidArgument

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

VALIDATION_FAILED = "VALIDATION_FAILED"
INVALID_DATE = "INVALID_DATE"

# Every time and date a service accepts lies in [EARLIEST, LATEST): far enough from
# Python's limits that local-day arithmetic in any time zone (± 1 day) cannot overflow.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
EARLIEST_DATE = EARLIEST.date()
LATEST_DATE = LATEST.date()


def nul_field(message: Message, prefix: str = "") -> str | None:
    """The path of the first string field holding a NUL character (nested, repeated and
    map fields included), or None."""
    for field, value in message.ListFields():
        path = f"{prefix}{field.name}"
        if _is_map(field):
            entry = field.message_type
            assert entry is not None
            value_field = entry.fields_by_name["value"]
            for key, item in value.items():
                if isinstance(key, str) and "\x00" in key:
                    return f"{path}[{key!r}]"
                found = _nul_in_value(value_field, item, f"{path}[{key!r}]")
                if found:
                    return found
        elif _is_repeated(field):
            for index, item in enumerate(value):
                found = _nul_in_value(field, item, f"{path}[{index}]")
                if found:
                    return found
        else:
            found = _nul_in_value(field, value, path)
            if found:
                return found
    return None


def _is_repeated(field: FieldDescriptor) -> bool:
    return bool(field.is_repeated)


def _is_map(field: FieldDescriptor) -> bool:
    entry = field.message_type
    return _is_repeated(field) and entry is not None and bool(entry.GetOptions().map_entry)


def _nul_in_value(field: FieldDescriptor, value: object, path: str) -> str | None:
    if field.type == FieldDescriptor.TYPE_STRING:
        return path if "\x00" in str(value) else None
    if field.type in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP):
        assert isinstance(value, Message)
        return nul_field(value, f"{path}.")
    return None


def refuse_nul(message: Message) -> None:
    """Raises INVALID_ARGUMENT `VALIDATION_FAILED` naming the field when a string holds a NUL."""
    field = nul_field(message)
    if field is not None:
        raise InvalidArgument(VALIDATION_FAILED, f"{field} must not contain NUL characters", field=field)


def _refuse_outside_window(field: str) -> InvalidArgument:
    return InvalidArgument(
        INVALID_DATE,
        f"{field} must lie between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}",
        field=field,
    )


def check_datetime(value: datetime, field: str) -> datetime:
    """`value` (aware) when inside the window, else INVALID_ARGUMENT `INVALID_DATE`."""
    if value.tzinfo is None:
        raise InvalidArgument(INVALID_DATE, f"{field} must carry a time zone offset", field=field)
    try:
        inside = EARLIEST <= value < LATEST
    except OverflowError:  # an offset that pushes year 1 / 9999 outside datetime's range
        inside = False
    if not inside:
        raise _refuse_outside_window(field)
    return value


def timestamp_to_datetime(stamp: Timestamp, field: str) -> datetime:
    """A protobuf Timestamp as an aware UTC datetime inside the window, else INVALID_DATE."""
    seconds = EARLIEST.timestamp() <= stamp.seconds < LATEST.timestamp()
    if not seconds or not 0 <= stamp.nanos < 1_000_000_000:
        raise _refuse_outside_window(field)
    return check_datetime(
        datetime.fromtimestamp(stamp.seconds, UTC) + timedelta(microseconds=stamp.nanos // 1000), field
    )


def optional_timestamp(message: Message, name: str, field: str | None = None) -> datetime | None:
    """The Timestamp field `name` of `message` as a datetime (None when unset), in the window."""
    if not message.HasField(name):
        return None
    return timestamp_to_datetime(getattr(message, name), field or name)


def parse_date(value: str, field: str) -> date:
    """A `YYYY-MM-DD` string as a date inside the window, else INVALID_ARGUMENT `INVALID_DATE`."""
    # fromisoformat also reads "20260101" and week dates; only the plain form is accepted.
    try:
        day = date.fromisoformat(value) if _ISO_DATE.fullmatch(value) else None
    except (TypeError, ValueError):
        day = None
    if day is None:
        raise InvalidArgument(INVALID_DATE, f"{field} must be a date YYYY-MM-DD", field=field)
    if not EARLIEST_DATE <= day < LATEST_DATE:
        raise _refuse_outside_window(field)
    return day
