"""Ids of requests: every id the platform accepts is a UUID, refused with INVALID_ID otherwise.

One check for every service and the gateway, so an empty or malformed id gets the same
reason and message wherever it is sent. The value is never echoed back: a card token or a
password pasted into an id field must not come back in an error or a log line.
"""

from __future__ import annotations

import uuid

from plumbing.errors import InvalidArgument

INVALID_ID = "INVALID_ID"


def is_uuid(value: object) -> bool:
    """Whether `value` is a string `uuid.UUID` reads (hyphenated, braced, urn: or 32 hex digits)."""
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def parse_uuid(value: str, field: str) -> uuid.UUID:
    """The UUID of a required id field; empty or malformed is INVALID_ARGUMENT `INVALID_ID`."""
    if not value:
        raise InvalidArgument(INVALID_ID, f"{field} is required", field=field)
    if not is_uuid(value):
        raise InvalidArgument(INVALID_ID, f"{field} must be a UUID", field=field)
    return uuid.UUID(value)


def parse_id(value: str, field: str) -> str:
    """Like `parse_uuid`, as the canonical lower-case hyphenated string."""
    return str(parse_uuid(value, field))


def optional_uuid(value: str | None, field: str) -> uuid.UUID | None:
    """An optional id field: empty or None is None, anything else must be a UUID."""
    return parse_uuid(value, field) if value else None


def optional_id(value: str | None, field: str) -> str | None:
    """Like `optional_uuid`, as the canonical string."""
    return parse_id(value, field) if value else None
