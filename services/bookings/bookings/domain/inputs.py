"""Checks of request fields shared by bookings' handlers: ids, page sizes, page tokens.

(Bookings' single copy; plumbing is gaining shared ones, `plumbing.ids` and `plumbing.paging`.)
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime

from plumbing.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def require_uuid(value: str, field: str) -> str:
    """The id in its canonical form, or INVALID_ID naming the field."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise InvalidArgument("INVALID_ID", f"{field} must be a UUID", field=field) from None


def require_reason(reason: str) -> None:
    if not reason.strip():
        raise InvalidArgument("REASON_REQUIRED", "say why, for the step log", field="reason")


def page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidArgument("INVALID_PAGE_SIZE", "page_size must not be negative", field="page_size")
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def encode_page_token(created_at: datetime, row_id: str) -> str:
    """Where the next page starts: after this (created_at, id), newest first."""
    return base64.urlsafe_b64encode(json.dumps([created_at.isoformat(), row_id]).encode()).decode()


def decode_page_token(token: str) -> tuple[datetime, str] | None:
    if not token:
        return None
    try:
        created, row_id = json.loads(base64.urlsafe_b64decode(token.encode()))
        return datetime.fromisoformat(created), str(uuid.UUID(row_id))
    except (ValueError, TypeError):
        raise InvalidArgument("INVALID_PAGE_TOKEN", "page_token is not valid", field="page_token") from None
