"""What callers ask of catalog, validated: `parse` takes raw request values and applies the rules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from catalog.domain import rules
from catalog.domain.model import BookingModel, Money, ResourcePolicy


@dataclass(frozen=True)
class CreateCompany:
    request_id: str | None
    name: str
    time_zone: str
    currency_code: str

    @classmethod
    def parse(cls, *, request_id: str, name: str, time_zone: str, currency_code: str) -> CreateCompany:
        return cls(
            request_id=rules.request_id(request_id),
            name=rules.name(name),
            time_zone=rules.time_zone(time_zone),
            currency_code=rules.currency_code(currency_code),
        )


@dataclass(frozen=True)
class CreateCustomer:
    request_id: str | None
    company_id: uuid.UUID
    display_name: str
    email: str | None
    guest: bool

    @classmethod
    def parse(
        cls, *, request_id: str, company_id: str, display_name: str, email: str, guest: bool
    ) -> CreateCustomer:
        return cls(
            request_id=rules.request_id(request_id),
            company_id=rules.entity_id(company_id, "company_id"),
            display_name=rules.name(display_name, "display_name"),
            email=rules.customer_email(email, guest),
            guest=guest,
        )


@dataclass(frozen=True)
class CreateResource:
    request_id: str | None
    company_id: uuid.UUID
    name: str
    booking_model: BookingModel
    policy: ResourcePolicy

    @classmethod
    def parse(
        cls,
        *,
        request_id: str,
        company_id: str,
        name: str,
        booking_model: str | None,
        policy: ResourcePolicy | None,
    ) -> CreateResource:
        """`policy` None takes the default policy; its values are checked either way."""
        given = policy or ResourcePolicy()
        return cls(
            request_id=rules.request_id(request_id),
            company_id=rules.entity_id(company_id, "company_id"),
            name=rules.name(name),
            booking_model=rules.booking_model(booking_model),
            policy=rules.policy(
                lead_time_minutes=given.lead_time_minutes,
                horizon_days=given.horizon_days,
                free_cancellation_minutes=given.free_cancellation_minutes,
                max_places_per_booking=given.max_places_per_booking,
            ),
        )


@dataclass(frozen=True)
class CreateSession:
    request_id: str | None
    resource_id: uuid.UUID
    start_time: datetime
    end_time: datetime
    capacity: int
    price: Money

    @classmethod
    def parse(
        cls,
        *,
        request_id: str,
        resource_id: str,
        start_time: datetime | None,
        end_time: datetime | None,
        capacity: int,
        price_amount_minor: int | None,
        price_currency_code: str,
    ) -> CreateSession:
        """`price_amount_minor` None means the request had no price."""
        key = rules.request_id(request_id)
        resource = rules.entity_id(resource_id, "resource_id")
        start, end = rules.time_range(start_time, end_time)
        return cls(
            request_id=key,
            resource_id=resource,
            start_time=start,
            end_time=end,
            capacity=rules.capacity(capacity),
            price=rules.price(price_amount_minor, price_currency_code),
        )


@dataclass(frozen=True)
class CreateExtra:
    request_id: str | None
    company_id: uuid.UUID
    name: str
    price: Money

    @classmethod
    def parse(
        cls,
        *,
        request_id: str,
        company_id: str,
        name: str,
        price_amount_minor: int | None,
        price_currency_code: str,
    ) -> CreateExtra:
        return cls(
            request_id=rules.request_id(request_id),
            company_id=rules.entity_id(company_id, "company_id"),
            name=rules.name(name),
            price=rules.price(price_amount_minor, price_currency_code),
        )


@dataclass(frozen=True)
class ListSessions:
    company_id: uuid.UUID
    resource_id: uuid.UUID | None
    start_time_from: datetime | None
    page_size: int
    after: rules.SessionCursor | None

    @classmethod
    def parse(
        cls,
        *,
        company_id: str,
        resource_id: str,
        start_time_from: datetime | None,
        page_size: int,
        page_token: str,
    ) -> ListSessions:
        return cls(
            company_id=rules.entity_id(company_id, "company_id"),
            resource_id=rules.optional_entity_id(resource_id, "resource_id"),
            start_time_from=rules.utc(start_time_from) if start_time_from is not None else None,
            page_size=rules.page_size(page_size),
            after=rules.page_token(page_token),
        )
