"""The business bounds of money and quantities, shared by every service.

Python's int never overflows, but PostgreSQL's bigint does (9.2e18) and integer columns
at 2^31: a unit price near the int64 limit times a quantity, a number of nights and of
guests used to fail deep in the database as INTERNAL. Every price and quantity a caller
gives, and every amount computed from them, is checked against these bounds first, so
money arithmetic can never leave the range PostgreSQL stores, and a refusal is a clear
INVALID_ARGUMENT with nothing written.
"""

from __future__ import annotations

from plumbing.errors import InvalidArgument

AMOUNT_TOO_LARGE = "AMOUNT_TOO_LARGE"
VALIDATION_FAILED = "VALIDATION_FAILED"

# One unit price (a place, a night, an hour, an extra, a pass): 10 million in major units.
MAX_PRICE_MINOR = 1_000_000_000
# Any amount: a quote line, a booking's total, a top-up, a debit, a refund: 1 billion.
MAX_AMOUNT_MINOR = 100_000_000_000
# Places, guests or items of one extra in one request.
MAX_QUANTITY = 1000
# A priced line's count (items x nights x guests, minutes): stays far below int4 columns.
MAX_LINE_QUANTITY = 100_000_000


def check_price(amount_minor: int, field: str) -> int:
    """A unit price no larger than MAX_PRICE_MINOR, else AMOUNT_TOO_LARGE."""
    if amount_minor > MAX_PRICE_MINOR:
        raise InvalidArgument(
            AMOUNT_TOO_LARGE, f"{field} must be at most {MAX_PRICE_MINOR} minor units", field=field
        )
    return amount_minor


def check_amount(amount_minor: int, field: str) -> int:
    """An amount no larger than MAX_AMOUNT_MINOR, else AMOUNT_TOO_LARGE."""
    if amount_minor > MAX_AMOUNT_MINOR:
        raise InvalidArgument(
            AMOUNT_TOO_LARGE, f"{field} must be at most {MAX_AMOUNT_MINOR} minor units", field=field
        )
    return amount_minor


def check_quantity(quantity: int, field: str, reason: str = VALIDATION_FAILED) -> int:
    """A quantity no larger than MAX_QUANTITY, else INVALID_ARGUMENT with `reason`."""
    if quantity > MAX_QUANTITY:
        raise InvalidArgument(reason, f"{field} must be at most {MAX_QUANTITY}", field=field)
    return quantity
