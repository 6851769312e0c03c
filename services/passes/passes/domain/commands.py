"""Validated commands: every request field is checked here before any I/O."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from passes.domain import reasons
from passes.domain.model import Money
from plumbing import ids, money
from plumbing.errors import InvalidArgument

MAX_REQUEST_ID_LENGTH = 200
MAX_NAME_LENGTH = 200
MAX_CREDITS = 10_000
MAX_VALIDITY_DAYS = 3_660
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def check_request_id(value: str) -> str:
    if not value.strip() or len(value) > MAX_REQUEST_ID_LENGTH:
        raise InvalidArgument(
            reasons.INVALID_REQUEST_ID,
            f"request_id must be 1 to {MAX_REQUEST_ID_LENGTH} characters",
            field="request_id",
        )
    return value


def check_money(amount_minor: int, currency: str, field: str) -> Money:
    if amount_minor < 0:
        raise InvalidArgument(
            reasons.INVALID_AMOUNT, "amount_minor must not be negative", field=f"{field}.amount_minor"
        )
    money.check_price(amount_minor, f"{field}.amount_minor")
    if not _CURRENCY.match(currency):
        raise InvalidArgument(
            reasons.INVALID_CURRENCY,
            "currency_code must be an ISO 4217 code such as EUR",
            field=f"{field}.currency_code",
        )
    return Money(amount_minor, currency)


@dataclass(frozen=True)
class CreatePassProduct:
    request_id: str
    company_id: uuid.UUID
    name: str
    credits: int
    validity_days: int
    price: Money

    @classmethod
    def parse(
        cls,
        *,
        request_id: str,
        company_id: str,
        name: str,
        credits: int,
        validity_days: int,
        price_minor: int,
        currency: str,
    ) -> CreatePassProduct:
        name = name.strip()
        if not name or len(name) > MAX_NAME_LENGTH:
            raise InvalidArgument(
                reasons.INVALID_NAME, f"name must be 1 to {MAX_NAME_LENGTH} characters", field="name"
            )
        if not 1 <= credits <= MAX_CREDITS:
            raise InvalidArgument(
                reasons.INVALID_CREDITS, f"credits must be between 1 and {MAX_CREDITS}", field="credits"
            )
        if not 1 <= validity_days <= MAX_VALIDITY_DAYS:
            raise InvalidArgument(
                reasons.INVALID_VALIDITY_DAYS,
                f"validity_days must be between 1 and {MAX_VALIDITY_DAYS}",
                field="validity_days",
            )
        return cls(
            request_id=check_request_id(request_id),
            company_id=ids.parse_uuid(company_id, "company_id"),
            name=name,
            credits=credits,
            validity_days=validity_days,
            price=check_money(price_minor, currency, "price"),
        )


@dataclass(frozen=True)
class GrantPass:
    request_id: str
    product_id: uuid.UUID
    customer_id: uuid.UUID

    @classmethod
    def parse(cls, *, request_id: str, product_id: str, customer_id: str) -> GrantPass:
        return cls(
            request_id=check_request_id(request_id),
            product_id=ids.parse_uuid(product_id, "product_id"),
            customer_id=ids.parse_uuid(customer_id, "customer_id"),
        )


@dataclass(frozen=True)
class ListEntitlements:
    company_id: uuid.UUID
    customer_id: uuid.UUID

    @classmethod
    def parse(cls, *, company_id: str, customer_id: str) -> ListEntitlements:
        return cls(
            company_id=ids.parse_uuid(company_id, "company_id"),
            customer_id=ids.parse_uuid(customer_id, "customer_id"),
        )
