"""Validation of request values: each rule returns the clean value or raises InvalidArgument."""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime

from catalog.domain import errors
from catalog.domain.model import BookingModel, Money, ResourcePolicy
from plumbing.errors import InvalidArgument

MAX_NAME_LENGTH = 200
MAX_REQUEST_ID_LENGTH = 200
MAX_EMAIL_LENGTH = 254
MAX_TIME_ZONE_LENGTH = 64
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

_CURRENCY = re.compile(r"[A-Z]{3}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


def entity_id(value: str, field: str) -> uuid.UUID:
    """A UUID id of a request field; empty or malformed is INVALID_ID."""
    if not value:
        raise InvalidArgument(errors.INVALID_ID, f"{field} is required", field=field)
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument(errors.INVALID_ID, f"{field} is not a UUID: {value!r}", field=field) from None


def optional_entity_id(value: str, field: str) -> uuid.UUID | None:
    return entity_id(value, field) if value else None


def request_id(value: str) -> str | None:
    """The idempotency key; empty means the request is not idempotent."""
    if not value:
        return None
    if len(value) > MAX_REQUEST_ID_LENGTH:
        raise InvalidArgument(
            errors.INVALID_REQUEST_ID,
            f"request_id is longer than {MAX_REQUEST_ID_LENGTH} characters",
            field="request_id",
        )
    return value


def name(value: str, field: str = "name") -> str:
    cleaned = value.strip()
    if not cleaned:
        raise InvalidArgument(errors.INVALID_NAME, f"{field} is required", field=field)
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidArgument(
            errors.INVALID_NAME, f"{field} is longer than {MAX_NAME_LENGTH} characters", field=field
        )
    return cleaned


def time_zone(value: str, field: str = "time_zone") -> str:
    """An IANA time zone name that this host's time zone database knows, e.g. Europe/Berlin."""
    if not value or len(value) > MAX_TIME_ZONE_LENGTH:
        raise InvalidArgument(errors.INVALID_TIME_ZONE, f"{field} must be an IANA time zone", field=field)
    try:
        zoneinfo.ZoneInfo(value)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        raise InvalidArgument(
            errors.INVALID_TIME_ZONE, f"{field} is not an IANA time zone: {value!r}", field=field
        ) from None
    return value


def currency_code(value: str, field: str = "currency_code") -> str:
    """An ISO 4217 code: three upper-case letters."""
    if not _CURRENCY.fullmatch(value):
        raise InvalidArgument(
            errors.INVALID_CURRENCY, f"{field} must be three upper-case letters (ISO 4217)", field=field
        )
    return value


def email(value: str, field: str = "email") -> str | None:
    """An e-mail address, or None when empty."""
    cleaned = value.strip()
    if not cleaned:
        return None
    if len(cleaned) > MAX_EMAIL_LENGTH or not _EMAIL.fullmatch(cleaned):
        raise InvalidArgument(errors.INVALID_EMAIL, f"{field} is not an e-mail address", field=field)
    return cleaned


def customer_email(value: str, guest: bool) -> str | None:
    """A guest may have no e-mail address; a registered customer must have one."""
    cleaned = email(value)
    if cleaned is None and not guest:
        raise InvalidArgument(
            errors.EMAIL_REQUIRED, "email is required for a customer who is not a guest", field="email"
        )
    return cleaned


def booking_model(value: str | None) -> BookingModel:
    """The booking model by name; None stands for UNSPECIFIED or an unknown value."""
    try:
        return BookingModel(value)
    except ValueError:
        allowed = ", ".join(model.value for model in BookingModel)
        raise InvalidArgument(
            errors.INVALID_BOOKING_MODEL, f"booking_model must be one of {allowed}", field="booking_model"
        ) from None


def policy(
    *,
    lead_time_minutes: int,
    horizon_days: int,
    free_cancellation_minutes: int,
    max_places_per_booking: int,
) -> ResourcePolicy:
    values = {
        "lead_time_minutes": lead_time_minutes,
        "horizon_days": horizon_days,
        "free_cancellation_minutes": free_cancellation_minutes,
        "max_places_per_booking": max_places_per_booking,
    }
    for key, value in values.items():
        if value < 0:
            raise InvalidArgument(
                errors.INVALID_POLICY, f"policy.{key} must not be negative", field=f"policy.{key}"
            )
    return ResourcePolicy(**values)


def price(amount_minor: int | None, currency: str, field: str = "price") -> Money:
    """A non-negative price; None means the request had no price."""
    if amount_minor is None:
        raise InvalidArgument(errors.INVALID_PRICE, f"{field} is required", field=field)
    if amount_minor < 0:
        raise InvalidArgument(
            errors.INVALID_PRICE, f"{field} must not be negative", field=f"{field}.amount_minor"
        )
    return Money(amount_minor=amount_minor, currency_code=currency_code(currency, f"{field}.currency_code"))


def utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(UTC)


def time_range(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """A non-empty [start, end) interval in UTC."""
    if start is None:
        raise InvalidArgument(errors.INVALID_TIME_RANGE, "start_time is required", field="start_time")
    if end is None:
        raise InvalidArgument(errors.INVALID_TIME_RANGE, "end_time is required", field="end_time")
    start, end = utc(start), utc(end)
    if end <= start:
        raise InvalidArgument(
            errors.INVALID_TIME_RANGE, "end_time must be after start_time", field="end_time"
        )
    return start, end


def capacity(value: int) -> int:
    if value < 1:
        raise InvalidArgument(errors.INVALID_CAPACITY, "capacity must be at least 1", field="capacity")
    return value


def page_size(value: int) -> int:
    """0 means the default; more than the maximum is read as the maximum."""
    if value < 0:
        raise InvalidArgument(errors.INVALID_PAGE_SIZE, "page_size must not be negative", field="page_size")
    if value == 0:
        return DEFAULT_PAGE_SIZE
    return min(value, MAX_PAGE_SIZE)


@dataclass(frozen=True)
class SessionCursor:
    """Where a page of sessions ends: the keyset (start_time, id) of its last session."""

    start_time: datetime
    id: uuid.UUID

    def encode(self) -> str:
        body = json.dumps({"s": self.start_time.isoformat(), "i": str(self.id)}, separators=(",", ":"))
        return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> SessionCursor:
        try:
            padded = token + "=" * (-len(token) % 4)
            body = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            start = datetime.fromisoformat(body["s"])
            if start.tzinfo is None:
                raise ValueError("naive time")
            return cls(start_time=start.astimezone(UTC), id=uuid.UUID(body["i"]))
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
            raise InvalidArgument(
                errors.INVALID_PAGE_TOKEN, "page_token is not a token of this list", field="page_token"
            ) from None


def page_token(value: str) -> SessionCursor | None:
    return SessionCursor.decode(value) if value else None
