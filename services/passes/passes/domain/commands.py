"""Validated commands: every request field is checked here before any I/O."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from passes.domain import reasons
from passes.domain.model import Money
from plumbing import ids, money, paging
from plumbing.errors import Conflict, InvalidArgument

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
    # GRANT (free), or a desk sale paid CASH or EXTERNAL at the product's price.
    sale: str = "GRANT"

    @classmethod
    def parse(cls, *, request_id: str, product_id: str, customer_id: str, sale: str = "GRANT") -> GrantPass:
        if sale not in SALES:
            raise InvalidArgument("INVALID_SALE", "sale is GRANT, CASH or EXTERNAL", field="sale")
        return cls(
            request_id=check_request_id(request_id),
            product_id=ids.parse_uuid(product_id, "product_id"),
            customer_id=ids.parse_uuid(customer_id, "customer_id"),
            sale=sale,
        )


SALES = frozenset({"GRANT", "CASH", "EXTERNAL"})


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


PRODUCT_FIELDS = frozenset({"name", "credits", "validity_days", "price", "resource_ids"})
MAX_RESOURCES = 100


def check_etag(etag: str) -> int | None:
    """The version an etag names; None when none was given. A malformed one is stale."""
    if not etag:
        return None
    if not etag.isdigit() or len(etag) > 18:
        raise Conflict(reasons.ETAG_MISMATCH, "the product changed since it was read", field="etag")
    return int(etag)


@dataclass(frozen=True)
class UpdatePassProduct:
    """Only the fields of the mask, checked as CreatePassProduct checks them."""

    request_id: str | None
    product_id: uuid.UUID
    expected_version: int | None
    changes: dict[str, object]

    @classmethod
    def parse(
        cls,
        *,
        request_id: str,
        product_id: str,
        etag: str,
        paths: list[str],
        name: str,
        credits: int,
        validity_days: int,
        price_minor: int,
        currency: str,
        resource_ids: list[str],
    ) -> UpdatePassProduct:
        if not paths or set(paths) - PRODUCT_FIELDS:
            raise InvalidArgument(
                "INVALID_UPDATE_MASK",
                f"update_mask names {', '.join(sorted(PRODUCT_FIELDS))} (at least one)",
                field="update_mask",
            )
        # CreatePassProduct's checks, with the unchanged fields standing in as valid values.
        checked = CreatePassProduct.parse(
            request_id=request_id or "update",
            company_id=str(uuid.UUID(int=0)),
            name=name if "name" in paths else "unchanged",
            credits=credits if "credits" in paths else 1,
            validity_days=validity_days if "validity_days" in paths else 1,
            price_minor=price_minor if "price" in paths else 0,
            currency=currency if "price" in paths else "EUR",
        )
        changes: dict[str, object] = {}
        if "name" in paths:
            changes["name"] = checked.name
        if "credits" in paths:
            changes["credits"] = checked.credits
        if "validity_days" in paths:
            changes["validity_days"] = checked.validity_days
        if "price" in paths:
            changes["price_minor"] = checked.price.amount_minor
            changes["currency"] = checked.price.currency
        if "resource_ids" in paths:
            if len(resource_ids) > MAX_RESOURCES:
                raise InvalidArgument(
                    "INVALID_RESOURCES", f"at most {MAX_RESOURCES} resources", field="resource_ids"
                )
            changes["resource_ids"] = sorted(
                {ids.parse_uuid(value, f"resource_ids[{i}]") for i, value in enumerate(resource_ids)}
            )
        return cls(
            request_id=check_request_id(request_id) if request_id else None,
            product_id=ids.parse_uuid(product_id, "product_id"),
            expected_version=check_etag(etag),
            changes=changes,
        )


@dataclass(frozen=True)
class ArchivePassProduct:
    request_id: str | None
    product_id: uuid.UUID
    expected_version: int | None

    @classmethod
    def parse(cls, *, request_id: str, product_id: str, etag: str) -> ArchivePassProduct:
        return cls(
            request_id=check_request_id(request_id) if request_id else None,
            product_id=ids.parse_uuid(product_id, "product_id"),
            expected_version=check_etag(etag),
        )


@dataclass(frozen=True)
class ListPassProducts:
    company_id: uuid.UUID
    page_size: int
    after: tuple[datetime, uuid.UUID] | None
    show_archived: bool

    @classmethod
    def parse(
        cls, *, company_id: str, page_size: int, page_token: str, show_archived: bool
    ) -> ListPassProducts:
        after = paging.decode_page_token(page_token, datetime, uuid.UUID) if page_token else None
        return cls(
            company_id=ids.parse_uuid(company_id, "company_id"),
            page_size=paging.page_size(page_size),
            after=(after[0], after[1]) if after else None,
            show_archived=show_archived,
        )
