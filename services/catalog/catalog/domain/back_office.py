"""The back office's changes: updates by field mask at the version read (etag), archive,
suspend and resume, and the lists of companies and resources. `parse` validates every value
before any I/O; a change is a dict of column-ready values keyed by field-mask path."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from catalog.domain import errors, rules
from catalog.domain.model import BookingModel
from plumbing import ids, paging
from plumbing import text as texts
from plumbing.errors import Conflict, InvalidArgument

MAX_DESCRIPTION_LENGTH = 5000
MAX_ADDRESS_LENGTH = 500
MAX_PHONE_LENGTH = 40
MAX_URL_LENGTH = 2000
MAX_URLS = 20
MAX_ORIGINS = 20
MAX_AMENITIES = 50
MAX_AMENITY_LENGTH = 100
MAX_RESOURCE_CAPACITY = 100_000

COMPANY_FIELDS = (
    "name",
    "time_zone",
    "currency_code",
    "description",
    "contact_email",
    "contact_phone",
    "address",
    "allowed_origins",
)
RESOURCE_FIELDS = ("name", "description", "image_urls", "amenities", "capacity", "policy", "hourly_rate")
UNIT_FIELDS = ("name",)
EXTRA_FIELDS = ("name", "description", "price", "pricing_unit")
RATE_PLAN_FIELDS = ("name", "default_nightly_price")


def etag(version: int) -> str:
    """The etag of a version: opaque to callers, the version for us."""
    return str(version)


def expected_version(value: str) -> int | None:
    """The version an etag names; None for "" (no check). An etag we never issued can match
    no version, so it is refused as stale rather than as malformed."""
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise etag_mismatch()
    return int(value)


def etag_mismatch() -> Conflict:
    return Conflict(errors.ETAG_MISMATCH, "the entity changed since it was read: read it again")


def update_mask(paths: Sequence[str], allowed: Sequence[str]) -> tuple[str, ...]:
    """The mask's paths, each known and at most once; an empty mask changes nothing and is refused."""
    if not paths:
        raise InvalidArgument(
            errors.INVALID_UPDATE_MASK, "update_mask names no field to change", field="update_mask"
        )
    unknown = [path for path in paths if path not in allowed]
    if unknown:
        raise InvalidArgument(
            errors.INVALID_UPDATE_MASK,
            f"update_mask may name only {', '.join(allowed)}",
            field="update_mask",
        )
    return tuple(dict.fromkeys(paths))


def text(value: str, field: str, maximum: int, reason: str) -> str:
    cleaned = value.strip()
    if len(cleaned) > maximum:
        raise InvalidArgument(reason, f"{field} is longer than {maximum} characters", field=field)
    if not texts.is_description(cleaned):
        # Lines and tabs are kept; other controls and bidi overrides/isolates are refused.
        raise InvalidArgument(
            reason,
            f"{field} holds a control character other than a line break or tab, or a bidirectional"
            " override or isolate",
            field=field,
        )
    return cleaned


def _http_url(value: str, field: str, reason: str, *, origin: bool) -> str:
    cleaned = value.strip()
    parts = urlsplit(cleaned) if len(cleaned) <= MAX_URL_LENGTH else None
    try:
        port_ok = parts is not None and (parts.port is None or parts.port > 0)
    except ValueError:
        port_ok = False
    valid = (
        parts is not None
        and port_ok
        and parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not any(c.isspace() for c in cleaned)
        and parts.username is None
    )
    if valid and origin:
        # An origin is scheme://host[:port] exactly as a browser sends it in Origin.
        valid = not parts.path and not parts.query and not parts.fragment  # type: ignore[union-attr]
    if not valid:
        what = "an origin scheme://host[:port]" if origin else "an absolute http(s) URL"
        raise InvalidArgument(reason, f"{field} must be {what}", field=field)
    return cleaned.lower() if origin else cleaned


def url_list(
    values: Sequence[str], field: str, maximum: int, reason: str, *, origin: bool
) -> tuple[str, ...]:
    if len(values) > maximum:
        raise InvalidArgument(reason, f"{field} has more than {maximum} entries", field=field)
    cleaned = [_http_url(value, f"{field}[{i}]", reason, origin=origin) for i, value in enumerate(values)]
    return tuple(dict.fromkeys(cleaned))


def amenities(values: Sequence[str]) -> tuple[str, ...]:
    if len(values) > MAX_AMENITIES:
        raise InvalidArgument(
            errors.INVALID_AMENITIES, f"amenities has more than {MAX_AMENITIES} entries", field="amenities"
        )
    cleaned = []
    for i, value in enumerate(values):
        item = value.strip()
        if not item or len(item) > MAX_AMENITY_LENGTH or not texts.is_name(item):
            raise InvalidArgument(
                errors.INVALID_AMENITIES,
                f"an amenity is one line of 1..{MAX_AMENITY_LENGTH} readable characters",
                field=f"amenities[{i}]",
            )
        cleaned.append(item)
    return tuple(dict.fromkeys(cleaned))


def resource_capacity(value: int) -> int:
    if not 0 <= value <= MAX_RESOURCE_CAPACITY:
        raise InvalidArgument(
            errors.INVALID_CAPACITY, f"capacity must be 0..{MAX_RESOURCE_CAPACITY}", field="capacity"
        )
    return value


def contact_phone(value: str) -> str:
    cleaned = text(value, "contact_phone", MAX_PHONE_LENGTH, errors.INVALID_CONTACT)
    if cleaned and not all(c.isdigit() or c in "+-() ./" for c in cleaned):
        raise InvalidArgument(
            errors.INVALID_CONTACT,
            "contact_phone holds digits, spaces and + - ( ) . / only",
            field="contact_phone",
        )
    return cleaned


@dataclass(frozen=True)
class Change:
    """A change at the version read: `values` by field-mask path, validated."""

    request_id: str | None
    id: uuid.UUID
    expected_version: int | None
    values: dict[str, Any]


def change(
    *, request_id: str, entity_id: str, id_field: str, etag_value: str, values: dict[str, Any]
) -> Change:
    return Change(
        request_id=rules.request_id(request_id),
        id=ids.parse_uuid(entity_id, id_field),
        expected_version=expected_version(etag_value),
        values=values,
    )


def company_values(paths: Sequence[str], given: dict[str, Any]) -> dict[str, Any]:
    """The validated new values of a company's fields named in the mask."""
    checks: dict[str, Callable[[Any], Any]] = {
        "name": lambda v: rules.name(v),
        "time_zone": lambda v: rules.time_zone(v),
        "currency_code": lambda v: rules.currency_code(v),
        "description": lambda v: text(v, "description", MAX_DESCRIPTION_LENGTH, errors.INVALID_DESCRIPTION),
        "contact_email": lambda v: rules.email(v, "contact_email") or "",
        "contact_phone": contact_phone,
        "address": lambda v: text(v, "address", MAX_ADDRESS_LENGTH, errors.INVALID_CONTACT),
        "allowed_origins": lambda v: url_list(
            v, "allowed_origins", MAX_ORIGINS, errors.INVALID_ORIGIN, origin=True
        ),
    }
    return {path: checks[path](given[path]) for path in update_mask(paths, COMPANY_FIELDS)}


def resource_values(paths: Sequence[str], given: dict[str, Any]) -> dict[str, Any]:
    """The validated new values of a resource's fields named in the mask. The policy stays a
    `rules.PolicyInput` (checked against the booking model by the handler); the hourly rate
    is a `Money`."""
    checks: dict[str, Callable[[Any], Any]] = {
        "name": lambda v: rules.name(v),
        "description": lambda v: text(v, "description", MAX_DESCRIPTION_LENGTH, errors.INVALID_DESCRIPTION),
        "image_urls": lambda v: url_list(v, "image_urls", MAX_URLS, errors.INVALID_IMAGE_URL, origin=False),
        "amenities": amenities,
        "capacity": resource_capacity,
        "policy": lambda v: v,
        "hourly_rate": lambda v: rules.price(v[0], v[1], "hourly_rate"),
    }
    return {path: checks[path](given[path]) for path in update_mask(paths, RESOURCE_FIELDS)}


def unit_values(paths: Sequence[str], given: dict[str, Any]) -> dict[str, Any]:
    return {path: rules.name(given[path]) for path in update_mask(paths, UNIT_FIELDS)}


def extra_values(paths: Sequence[str], given: dict[str, Any]) -> dict[str, Any]:
    checks: dict[str, Callable[[Any], Any]] = {
        "name": lambda v: rules.name(v),
        "description": lambda v: text(v, "description", MAX_DESCRIPTION_LENGTH, errors.INVALID_DESCRIPTION),
        "price": lambda v: rules.price(v[0], v[1], "price"),
        "pricing_unit": lambda v: rules.pricing_unit(v),
    }
    return {path: checks[path](given[path]) for path in update_mask(paths, EXTRA_FIELDS)}


def rate_plan_values(paths: Sequence[str], given: dict[str, Any]) -> dict[str, Any]:
    checks: dict[str, Callable[[Any], Any]] = {
        "name": lambda v: rules.name(v),
        "default_nightly_price": lambda v: rules.price(v[0], v[1], "default_nightly_price"),
    }
    return {path: checks[path](given[path]) for path in update_mask(paths, RATE_PLAN_FIELDS)}


@dataclass(frozen=True)
class Suspend:
    request_id: str | None
    company_id: uuid.UUID
    expected_version: int | None
    # None: resume.
    reason: str | None

    @classmethod
    def parse(cls, *, request_id: str, company_id: str, etag_value: str, reason: str | None) -> Suspend:
        return cls(
            request_id=rules.request_id(request_id),
            company_id=ids.parse_uuid(company_id, "company_id"),
            expected_version=expected_version(etag_value),
            reason=rules.reason(reason) if reason is not None else None,
        )


@dataclass(frozen=True)
class CreatedCursor:
    """Where a page ends: the keyset (created_at, id) of its last row."""

    created_at: datetime
    id: uuid.UUID

    def encode(self) -> str:
        return paging.encode_page_token(self.created_at, self.id)

    @classmethod
    def decode(cls, token: str) -> CreatedCursor | None:
        key = paging.decode_page_token(token, datetime, uuid.UUID)
        if key is None:
            return None
        return cls(created_at=key[0], id=key[1])


@dataclass(frozen=True)
class ListCompanies:
    page_size: int
    after: CreatedCursor | None

    @classmethod
    def parse(cls, *, page_size: int, page_token: str) -> ListCompanies:
        return cls(page_size=paging.page_size(page_size), after=CreatedCursor.decode(page_token))


@dataclass(frozen=True)
class ListResources:
    company_id: uuid.UUID
    page_size: int
    after: CreatedCursor | None
    booking_model: BookingModel | None
    show_archived: bool

    @classmethod
    def parse(
        cls,
        *,
        company_id: str,
        page_size: int,
        page_token: str,
        booking_model: str | None,
        show_archived: bool,
    ) -> ListResources:
        """`booking_model` "" means any model; None an unknown one."""
        return cls(
            company_id=ids.parse_uuid(company_id, "company_id"),
            page_size=paging.page_size(page_size),
            after=CreatedCursor.decode(page_token),
            booking_model=None if booking_model == "" else rules.booking_model(booking_model),
            show_archived=show_archived,
        )
