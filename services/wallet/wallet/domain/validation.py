"""Reason codes and input checks; errors are `plumbing.errors` (plain Python)."""

from __future__ import annotations

import re

from plumbing import money, paging
from plumbing.errors import InvalidArgument
from plumbing.ids import (
    parse_id as parse_id,  # the one UUID check; wallet.entrypoints.saga imports it from here
)

# Reasons of RPC errors and FAILED saga replies (stable, see README).
INVALID_ID = "INVALID_ID"
INVALID_AMOUNT = "INVALID_AMOUNT"
INVALID_CURRENCY = "INVALID_CURRENCY"
INVALID_BALANCE_KIND = "INVALID_BALANCE_KIND"
INVALID_REQUEST_ID = "INVALID_REQUEST_ID"
INVALID_PAGE_SIZE = "INVALID_PAGE_SIZE"
INVALID_PAGE_TOKEN = "INVALID_PAGE_TOKEN"
CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
REQUEST_ID_REUSED = "REQUEST_ID_REUSED"
INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
ALREADY_COMPENSATED = "ALREADY_COMPENSATED"
INVALID_COMMAND = "INVALID_COMMAND"
# Another company's or customer's wallet, refused as if it did not exist.
WALLET_NOT_FOUND = "WALLET_NOT_FOUND"
CUSTOMER_NOT_FOUND = "CUSTOMER_NOT_FOUND"
AMOUNT_TOO_LARGE = money.AMOUNT_TOO_LARGE
# GetCompanyHoldings could not wait out the credits in flight (UNAVAILABLE, retryable).
CREDITS_IN_FLIGHT = "CREDITS_IN_FLIGHT"

# The most one customer balance may hold: far above any real wallet, far below bigint's
# 9.2 * 10^18, so no sum of top-ups (each at most money.MAX_AMOUNT_MINOR) can overflow it.
# The accounts table CHECKs it too (migration 0003).
MAX_BALANCE_MINOR = 10**15

MAX_REQUEST_ID_LENGTH = 200
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def entry_page_token(token: str) -> int | None:
    """The ledger entry id a page of entries starts below; None for the first page."""
    key = paging.decode_page_token(token, int)
    if key is None:
        return None
    (entry_id,) = key
    if entry_id <= 0:
        raise InvalidArgument(
            INVALID_PAGE_TOKEN, "page_token is not a token of this list", field="page_token"
        )
    return entry_id


def check_currency(value: str, field: str) -> str:
    if not value:
        raise InvalidArgument(INVALID_CURRENCY, f"{field} is required", field=field)
    if not _CURRENCY.match(value):
        raise InvalidArgument(INVALID_CURRENCY, f"{field} must be an ISO 4217 code like EUR", field=field)
    return value


def check_positive_amount(value: int, field: str) -> int:
    if value <= 0:
        raise InvalidArgument(INVALID_AMOUNT, f"{field} must be positive", field=field)
    return money.check_amount(value, field)


def check_request_id(value: str, field: str = "request_id") -> str:
    if not value:
        raise InvalidArgument(INVALID_REQUEST_ID, f"{field} is required", field=field)
    if len(value) > MAX_REQUEST_ID_LENGTH:
        raise InvalidArgument(
            INVALID_REQUEST_ID, f"{field} is longer than {MAX_REQUEST_ID_LENGTH} characters", field=field
        )
    return value


REASON_REQUIRED = "REASON_REQUIRED"
INVALID_REASON = "INVALID_REASON"
MAX_REASON_LENGTH = 500


def check_reason(value: str, *, required: bool, field: str = "reason") -> str:
    """Why staff changed a balance: kept in the ledger, so bounded; required for a debit."""
    cleaned = value.strip()
    if required and not cleaned:
        raise InvalidArgument(REASON_REQUIRED, "say why the money is taken out", field=field)
    if len(cleaned) > MAX_REASON_LENGTH:
        raise InvalidArgument(
            INVALID_REASON, f"{field} is at most {MAX_REASON_LENGTH} characters", field=field
        )
    return cleaned
