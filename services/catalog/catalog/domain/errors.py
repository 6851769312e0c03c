"""The refusals of catalog, each with a stable reason code (listed in the README)."""

from __future__ import annotations

import uuid

from plumbing.errors import Conflict, ErrorKind, FailedPrecondition, InvalidArgument, NotFound, ServiceError

# InvalidArgument
INVALID_ID = "INVALID_ID"
INVALID_REQUEST_ID = "INVALID_REQUEST_ID"
INVALID_NAME = "INVALID_NAME"
INVALID_TIME_ZONE = "INVALID_TIME_ZONE"
INVALID_CURRENCY = "INVALID_CURRENCY"
INVALID_EMAIL = "INVALID_EMAIL"
EMAIL_REQUIRED = "EMAIL_REQUIRED"
INVALID_BOOKING_MODEL = "INVALID_BOOKING_MODEL"
INVALID_POLICY = "INVALID_POLICY"
INVALID_TIME_RANGE = "INVALID_TIME_RANGE"
SESSION_TOO_LONG = "SESSION_TOO_LONG"
SESSION_IN_PAST = "SESSION_IN_PAST"
INVALID_CAPACITY = "INVALID_CAPACITY"
INVALID_PRICE = "INVALID_PRICE"
CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
INVALID_PAGE_SIZE = "INVALID_PAGE_SIZE"
INVALID_PAGE_TOKEN = "INVALID_PAGE_TOKEN"
REQUEST_ID_REUSED = "REQUEST_ID_REUSED"
INVALID_PRICING_UNIT = "INVALID_PRICING_UNIT"
INVALID_REASON = "INVALID_REASON"
INVALID_DATE = "INVALID_DATE"
INVALID_DATE_RANGE = "INVALID_DATE_RANGE"
INVALID_DAILY_PRICES = "INVALID_DAILY_PRICES"
INVALID_UPDATE_MASK = "INVALID_UPDATE_MASK"
INVALID_DESCRIPTION = "INVALID_DESCRIPTION"
INVALID_CONTACT = "INVALID_CONTACT"
INVALID_ORIGIN = "INVALID_ORIGIN"
INVALID_IMAGE_URL = "INVALID_IMAGE_URL"
INVALID_AMENITIES = "INVALID_AMENITIES"
# Aborted
ETAG_MISMATCH = "ETAG_MISMATCH"
# NotFound
COMPANY_NOT_FOUND = "COMPANY_NOT_FOUND"
CUSTOMER_NOT_FOUND = "CUSTOMER_NOT_FOUND"
RESOURCE_NOT_FOUND = "RESOURCE_NOT_FOUND"
SESSION_NOT_FOUND = "SESSION_NOT_FOUND"
UNIT_NOT_FOUND = "UNIT_NOT_FOUND"
RATE_PLAN_NOT_FOUND = "RATE_PLAN_NOT_FOUND"
EXTRA_NOT_FOUND = "EXTRA_NOT_FOUND"
# AlreadyExists
CUSTOMER_EMAIL_TAKEN = "CUSTOMER_EMAIL_TAKEN"
UNIT_NAME_TAKEN = "UNIT_NAME_TAKEN"
RATE_PLAN_NAME_TAKEN = "RATE_PLAN_NAME_TAKEN"
# FailedPrecondition
RESOURCE_NOT_TIME_SLOT = "RESOURCE_NOT_TIME_SLOT"
RESOURCE_NOT_NIGHTLY = "RESOURCE_NOT_NIGHTLY"
RESOURCE_NOT_INTERVAL = "RESOURCE_NOT_INTERVAL"
RESOURCE_PRICED_BY_SESSION = "RESOURCE_PRICED_BY_SESSION"
NO_RATE_PLAN = "NO_RATE_PLAN"
NO_HOURLY_RATE = "NO_HOURLY_RATE"
CURRENCY_LOCKED = "CURRENCY_LOCKED"
# Unavailable
WALLET_UNAVAILABLE = "WALLET_UNAVAILABLE"


def company_not_found(company_id: uuid.UUID) -> NotFound:
    return NotFound(
        COMPANY_NOT_FOUND, f"company {company_id} does not exist", metadata={"company_id": str(company_id)}
    )


def customer_not_found(customer_id: uuid.UUID) -> NotFound:
    return NotFound(
        CUSTOMER_NOT_FOUND,
        f"customer {customer_id} does not exist",
        metadata={"customer_id": str(customer_id)},
    )


def resource_not_found(resource_id: uuid.UUID) -> NotFound:
    return NotFound(
        RESOURCE_NOT_FOUND,
        f"resource {resource_id} does not exist",
        metadata={"resource_id": str(resource_id)},
    )


def session_not_found(session_id: uuid.UUID) -> NotFound:
    return NotFound(
        SESSION_NOT_FOUND, f"session {session_id} does not exist", metadata={"session_id": str(session_id)}
    )


def email_taken(company_id: uuid.UUID) -> ServiceError:
    return ServiceError(
        CUSTOMER_EMAIL_TAKEN,
        "another customer of this company has this e-mail address",
        kind=ErrorKind.ALREADY_EXISTS,
        field="email",
        metadata={"company_id": str(company_id)},
    )


def resource_not_time_slot(resource_id: uuid.UUID, booking_model: str) -> FailedPrecondition:
    return FailedPrecondition(
        RESOURCE_NOT_TIME_SLOT,
        f"resource {resource_id} is booked {booking_model}; only TIME_SLOT resources have sessions",
        metadata={"resource_id": str(resource_id), "booking_model": booking_model},
    )


def currency_mismatch(given: str, expected: str, field: str) -> InvalidArgument:
    return InvalidArgument(
        CURRENCY_MISMATCH,
        f"prices of this company are in {expected}, not {given}",
        field=field,
        metadata={"expected_currency": expected, "currency": given},
    )


def request_id_reused(request_id: str) -> InvalidArgument:
    return InvalidArgument(
        REQUEST_ID_REUSED,
        "request_id was already used for a different parent; use a new request_id",
        field="request_id",
        metadata={"request_id": request_id},
    )


def unit_not_found(unit_id: uuid.UUID) -> NotFound:
    return NotFound(UNIT_NOT_FOUND, f"unit {unit_id} does not exist", metadata={"unit_id": str(unit_id)})


def rate_plan_not_found(rate_plan_id: uuid.UUID, resource_id: uuid.UUID) -> NotFound:
    return NotFound(
        RATE_PLAN_NOT_FOUND,
        f"rate plan {rate_plan_id} does not exist on resource {resource_id}",
        metadata={"rate_plan_id": str(rate_plan_id), "resource_id": str(resource_id)},
    )


def name_taken(reason: str, what: str, resource_id: uuid.UUID) -> ServiceError:
    return ServiceError(
        reason,
        f"another {what} of this resource has this name",
        kind=ErrorKind.ALREADY_EXISTS,
        field="name",
        metadata={"resource_id": str(resource_id)},
    )


def wrong_model(reason: str, resource_id: uuid.UUID, booking_model: str, wanted: str) -> FailedPrecondition:
    return FailedPrecondition(
        reason,
        f"resource {resource_id} is booked {booking_model}; this needs a {wanted} resource",
        metadata={"resource_id": str(resource_id), "booking_model": booking_model},
    )


def no_rate_plan(resource_id: uuid.UUID) -> FailedPrecondition:
    return FailedPrecondition(
        NO_RATE_PLAN, f"resource {resource_id} has no rate plan", metadata={"resource_id": str(resource_id)}
    )


def no_hourly_rate(resource_id: uuid.UUID) -> FailedPrecondition:
    return FailedPrecondition(
        NO_HOURLY_RATE,
        f"resource {resource_id} has no hourly rate",
        metadata={"resource_id": str(resource_id)},
    )


def priced_by_session(resource_id: uuid.UUID) -> FailedPrecondition:
    return FailedPrecondition(
        RESOURCE_PRICED_BY_SESSION,
        f"resource {resource_id} is TIME_SLOT: each session has its price",
        metadata={"resource_id": str(resource_id), "booking_model": "TIME_SLOT"},
    )


ETAG_MISMATCH = "ETAG_MISMATCH"
SESSION_CANCELLED = "SESSION_CANCELLED"
SESSION_NOT_IN_SERIES = "SESSION_NOT_IN_SERIES"


def etag_mismatch() -> Conflict:
    return Conflict(ETAG_MISMATCH, "the entity changed since it was read; read it again", field="etag")


def session_cancelled(session_id: uuid.UUID) -> FailedPrecondition:
    return FailedPrecondition(
        SESSION_CANCELLED, "a cancelled session cannot be changed", metadata={"session_id": str(session_id)}
    )


def session_not_in_series(session_id: uuid.UUID) -> FailedPrecondition:
    return FailedPrecondition(
        SESSION_NOT_IN_SERIES,
        "the session was not created in a series; cancel it with CancelSession",
        metadata={"session_id": str(session_id)},
    )


def extra_not_found(extra_id: uuid.UUID) -> NotFound:
    return NotFound(EXTRA_NOT_FOUND, f"extra {extra_id} does not exist", metadata={"extra_id": str(extra_id)})


def currency_locked(company_id: uuid.UUID) -> FailedPrecondition:
    return FailedPrecondition(
        CURRENCY_LOCKED,
        "the company's currency is fixed once it has priced anything (a session, an extra, a rate"
        " plan or an hourly rate)",
        field="company.currency_code",
        metadata={"company_id": str(company_id), "locked_by": "prices"},
    )


def currency_held_in_wallets(company_id: uuid.UUID) -> FailedPrecondition:
    return FailedPrecondition(
        CURRENCY_LOCKED,
        "the company's currency is fixed while customers' wallets hold money in it (a main or"
        " bonus balance above zero); take it out at the desk first",
        field="company.currency_code",
        metadata={"company_id": str(company_id), "locked_by": "wallet_balances"},
    )


def wallet_unavailable() -> ServiceError:
    return ServiceError(
        WALLET_UNAVAILABLE,
        "the wallet did not answer whether customers hold money; the currency is unchanged, retry",
        kind=ErrorKind.UNAVAILABLE,
    )


def rate_plan_id_not_found(rate_plan_id: uuid.UUID) -> NotFound:
    return NotFound(
        RATE_PLAN_NOT_FOUND,
        f"rate plan {rate_plan_id} does not exist",
        metadata={"rate_plan_id": str(rate_plan_id)},
    )
