"""What callers ask of catalog, validated: `parse` takes raw request values and applies the rules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from catalog.domain import back_office, errors, localtime, recurrence, rules
from catalog.domain.model import BookingModel, DailyPrice, Money, PricingUnit, ResourcePolicy
from plumbing import ids, paging, validation
from plumbing.errors import InvalidArgument


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
            company_id=ids.parse_uuid(company_id, "company_id"),
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
    hourly_rate: Money | None = None
    # description, image_urls, amenities, capacity: those stated, checked as an update's.
    profile: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(
        cls,
        *,
        request_id: str,
        company_id: str,
        name: str,
        booking_model: str | None,
        policy: rules.PolicyInput | None,
        hourly_rate_amount_minor: int | None = None,
        hourly_rate_currency_code: str = "",
        profile: dict[str, Any] | None = None,
    ) -> CreateResource:
        """`policy` None takes the default policy; its values are checked either way.
        `hourly_rate_amount_minor` None means no hourly rate (only INTERVAL may have one).
        `profile`: the profile fields given (empty ones are not stated)."""
        key = rules.request_id(request_id)
        company = ids.parse_uuid(company_id, "company_id")
        cleaned_name = rules.name(name)
        model = rules.booking_model(booking_model)
        hourly_rate = None
        if hourly_rate_amount_minor is not None:
            if model is not BookingModel.INTERVAL:
                raise InvalidArgument(
                    errors.INVALID_PRICE,
                    "hourly_rate applies to INTERVAL resources only",
                    field="hourly_rate",
                )
            hourly_rate = rules.price(hourly_rate_amount_minor, hourly_rate_currency_code, "hourly_rate")
        stated = {name: value for name, value in (profile or {}).items() if value}
        return cls(
            request_id=key,
            company_id=company,
            name=cleaned_name,
            booking_model=model,
            policy=rules.policy(model, policy or rules.PolicyInput()),
            hourly_rate=hourly_rate,
            profile=back_office.resource_values(sorted(stated), stated) if stated else {},
        )


@dataclass(frozen=True)
class UpdateResourcePolicy:
    """The policy is validated against the resource's booking model by the handler."""

    request_id: str | None
    resource_id: uuid.UUID
    policy: rules.PolicyInput

    @classmethod
    def parse(
        cls, *, request_id: str, resource_id: str, policy: rules.PolicyInput | None
    ) -> UpdateResourcePolicy:
        key = rules.request_id(request_id)
        resource = ids.parse_uuid(resource_id, "resource_id")
        if policy is None:
            raise InvalidArgument(errors.INVALID_POLICY, "policy is required", field="policy")
        return cls(request_id=key, resource_id=resource, policy=policy)


@dataclass(frozen=True)
class SetHourlyRate:
    request_id: str | None
    resource_id: uuid.UUID
    hourly_rate: Money

    @classmethod
    def parse(
        cls, *, request_id: str, resource_id: str, amount_minor: int | None, currency_code: str
    ) -> SetHourlyRate:
        return cls(
            request_id=rules.request_id(request_id),
            resource_id=ids.parse_uuid(resource_id, "resource_id"),
            hourly_rate=rules.price(amount_minor, currency_code, "hourly_rate"),
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
        now: datetime,
    ) -> CreateSession:
        """`price_amount_minor` None means the request had no price."""
        key = rules.request_id(request_id)
        resource = ids.parse_uuid(resource_id, "resource_id")
        start, end = rules.session_times(start_time, end_time, now=now)
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
    pricing_unit: PricingUnit = PricingUnit.PER_BOOKING

    @classmethod
    def parse(
        cls,
        *,
        request_id: str,
        company_id: str,
        name: str,
        price_amount_minor: int | None,
        price_currency_code: str,
        pricing_unit: str | None = None,
    ) -> CreateExtra:
        """`pricing_unit` None (UNSPECIFIED) is PER_BOOKING."""
        return cls(
            request_id=rules.request_id(request_id),
            company_id=ids.parse_uuid(company_id, "company_id"),
            name=rules.name(name),
            price=rules.price(price_amount_minor, price_currency_code),
            pricing_unit=rules.pricing_unit(pricing_unit),
        )


@dataclass(frozen=True)
class CancelSession:
    request_id: str | None
    session_id: uuid.UUID
    reason: str

    @classmethod
    def parse(cls, *, request_id: str, session_id: str, reason: str) -> CancelSession:
        return cls(
            request_id=rules.request_id(request_id),
            session_id=ids.parse_uuid(session_id, "session_id"),
            reason=rules.reason(reason),
        )


@dataclass(frozen=True)
class CreateSessionSeries:
    request_id: str | None
    resource_id: uuid.UUID
    start_date: date
    start_time_of_day: time
    duration_minutes: int
    rrule: str
    capacity: int
    price: Money
    # The clock the series is created by: its occurrences that started before it are skipped.
    now: datetime

    @classmethod
    def parse(
        cls,
        *,
        request_id: str,
        resource_id: str,
        start_date: str,
        start_time_of_day: str,
        duration_minutes: int,
        rrule: str,
        capacity: int,
        price_amount_minor: int | None,
        price_currency_code: str,
        now: datetime,
    ) -> CreateSessionSeries:
        try:
            time_of_day = localtime.parse_time_of_day(start_time_of_day)
        except ValueError:
            raise InvalidArgument(
                errors.INVALID_TIME_RANGE, "start_time_of_day must be HH:MM", field="start_time_of_day"
            ) from None
        # Checked here so a bad rule is refused before any I/O; expanded again with the zone.
        recurrence.parse_rule(rrule, date(2000, 1, 1), time_of_day)
        return cls(
            request_id=rules.request_id(request_id),
            resource_id=ids.parse_uuid(resource_id, "resource_id"),
            start_date=validation.parse_date(start_date, "start_date"),
            start_time_of_day=time_of_day,
            duration_minutes=recurrence.duration(duration_minutes).seconds // 60,
            rrule=rrule.strip().upper(),
            capacity=rules.capacity(capacity),
            price=rules.price(price_amount_minor, price_currency_code),
            now=now,
        )


SESSION_FIELDS = frozenset({"capacity", "price", "start_time", "end_time"})


@dataclass(frozen=True)
class UpdateSession:
    """`capacity` and times come from bookings' ChangeSession, which has judged them against
    the places held; the gateway sends only `price` here."""

    request_id: str | None
    session_id: uuid.UUID
    expected_version: int | None
    capacity: int | None = None
    price: Money | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None

    @classmethod
    def parse(
        cls,
        *,
        request_id: str,
        session_id: str,
        etag: str,
        paths: list[str],
        capacity: int,
        price_amount_minor: int | None,
        price_currency_code: str,
        start_time: datetime | None,
        end_time: datetime | None,
        now: datetime,
    ) -> UpdateSession:
        unknown = set(paths) - SESSION_FIELDS
        if (
            unknown
            or not paths
            or ({"start_time", "end_time"} & set(paths) and not {"start_time", "end_time"} <= set(paths))
        ):
            raise InvalidArgument(
                "INVALID_UPDATE_MASK",
                "update_mask names capacity, price, or start_time with end_time (at least one)",
                field="update_mask",
            )
        expected: int | None = None
        if etag:
            if not etag.isdigit() or len(etag) > 18:
                raise errors.etag_mismatch()
            expected = int(etag)
        start = end = None
        if "start_time" in paths:
            start, end = rules.session_times(start_time, end_time, now=now)
        return cls(
            request_id=rules.request_id(request_id),
            session_id=ids.parse_uuid(session_id, "session_id"),
            expected_version=expected,
            capacity=rules.capacity(capacity) if "capacity" in paths else None,
            price=rules.price(price_amount_minor, price_currency_code) if "price" in paths else None,
            start_time=start,
            end_time=end,
        )


@dataclass(frozen=True)
class CancelSessionSeries:
    request_id: str | None
    session_id: uuid.UUID
    reason: str

    @classmethod
    def parse(cls, *, request_id: str, session_id: str, reason: str) -> CancelSessionSeries:
        return cls(
            request_id=rules.request_id(request_id),
            session_id=ids.parse_uuid(session_id, "session_id"),
            reason=rules.reason(reason),
        )


@dataclass(frozen=True)
class CreateUnit:
    request_id: str | None
    resource_id: uuid.UUID
    name: str

    @classmethod
    def parse(cls, *, request_id: str, resource_id: str, name: str) -> CreateUnit:
        return cls(
            request_id=rules.request_id(request_id),
            resource_id=ids.parse_uuid(resource_id, "resource_id"),
            name=rules.name(name),
        )


@dataclass(frozen=True)
class CreateRatePlan:
    request_id: str | None
    resource_id: uuid.UUID
    name: str
    default_nightly_price: Money

    @classmethod
    def parse(
        cls,
        *,
        request_id: str,
        resource_id: str,
        name: str,
        price_amount_minor: int | None,
        price_currency_code: str,
    ) -> CreateRatePlan:
        return cls(
            request_id=rules.request_id(request_id),
            resource_id=ids.parse_uuid(resource_id, "resource_id"),
            name=rules.name(name),
            default_nightly_price=rules.price(
                price_amount_minor, price_currency_code, "default_nightly_price"
            ),
        )


@dataclass(frozen=True)
class DailyPriceInput:
    """One entry of SetDailyPrices as the request carries it; amount None clears the date."""

    date: str
    amount_minor: int | None
    currency_code: str
    override: bool


@dataclass(frozen=True)
class SetDailyPrices:
    request_id: str | None
    resource_id: uuid.UUID
    rate_plan_id: uuid.UUID
    prices: tuple[DailyPrice, ...]
    # The rate plan's version read (its etag); None sets the prices at any version.
    expected_version: int | None = None

    @classmethod
    def parse(
        cls,
        *,
        request_id: str,
        resource_id: str,
        rate_plan_id: str,
        prices: list[DailyPriceInput],
        etag: str = "",
    ) -> SetDailyPrices:
        key = rules.request_id(request_id)
        resource = ids.parse_uuid(resource_id, "resource_id")
        plan = ids.parse_uuid(rate_plan_id, "rate_plan_id")
        if not prices or len(prices) > rules.MAX_PRICE_DAYS:
            raise InvalidArgument(
                errors.INVALID_DAILY_PRICES,
                f"prices must hold 1 to {rules.MAX_PRICE_DAYS} entries",
                field="prices",
            )
        parsed: list[DailyPrice] = []
        seen: set[tuple[date, bool]] = set()
        for index, entry in enumerate(prices):
            field = f"prices[{index}]"
            day = rules.local_date(entry.date, f"{field}.date")
            if (day, entry.override) in seen:
                raise InvalidArgument(
                    errors.INVALID_DAILY_PRICES,
                    f"{field} repeats the {'override' if entry.override else 'daily price'} of {day}",
                    field=f"{field}.date",
                )
            seen.add((day, entry.override))
            price = None
            if entry.amount_minor is not None:
                price = rules.price(entry.amount_minor, entry.currency_code, f"{field}.price")
            parsed.append(DailyPrice(date=day, price=price, override=entry.override))
        return cls(
            request_id=key,
            resource_id=resource,
            rate_plan_id=plan,
            prices=tuple(parsed),
            expected_version=back_office.expected_version(etag),
        )


@dataclass(frozen=True)
class ListDailyPrices:
    resource_id: uuid.UUID
    rate_plan_id: uuid.UUID
    start_date: date
    end_date: date

    @classmethod
    def parse(cls, *, resource_id: str, rate_plan_id: str, start_date: str, end_date: str) -> ListDailyPrices:
        resource = ids.parse_uuid(resource_id, "resource_id")
        plan = ids.parse_uuid(rate_plan_id, "rate_plan_id")
        first, last = rules.date_range(start_date, end_date, rules.MAX_PRICE_DAYS)
        return cls(resource_id=resource, rate_plan_id=plan, start_date=first, end_date=last)


@dataclass(frozen=True)
class GetPricing:
    """NIGHTLY needs the dates (checked by the handler, which knows the model); INTERVAL
    ignores them."""

    resource_id: uuid.UUID
    rate_plan_id: uuid.UUID | None
    start_date: str
    end_date: str

    @classmethod
    def parse(cls, *, resource_id: str, rate_plan_id: str, start_date: str, end_date: str) -> GetPricing:
        return cls(
            resource_id=ids.parse_uuid(resource_id, "resource_id"),
            rate_plan_id=ids.optional_uuid(rate_plan_id, "rate_plan_id"),
            start_date=start_date,
            end_date=end_date,
        )

    def stay(self) -> tuple[date, date]:
        """The local check-in and check-out dates: at least one night, at most 366."""
        return rules.date_range(self.start_date, self.end_date, rules.MAX_STAY_NIGHTS)


@dataclass(frozen=True)
class ListSessions:
    company_id: uuid.UUID
    resource_id: uuid.UUID | None
    start_time_from: datetime | None
    page_size: int
    after: rules.SessionCursor | None
    start_time_to: datetime | None = None
    # Sessions of archived resources are left out unless asked for.
    show_archived: bool = False

    @classmethod
    def parse(
        cls,
        *,
        company_id: str,
        resource_id: str,
        start_time_from: datetime | None,
        page_size: int,
        page_token: str,
        start_time_to: datetime | None = None,
        show_archived: bool = False,
    ) -> ListSessions:
        return cls(
            company_id=ids.parse_uuid(company_id, "company_id"),
            resource_id=ids.optional_uuid(resource_id, "resource_id"),
            start_time_from=rules.utc(start_time_from) if start_time_from is not None else None,
            page_size=paging.page_size(page_size),
            after=rules.SessionCursor.decode(page_token),
            start_time_to=rules.utc(start_time_to) if start_time_to is not None else None,
            show_archived=show_archived,
        )


@dataclass(frozen=True)
class SumSessionPlaces:
    """The places of a company's open sessions starting in [start, end), per resource."""

    company_id: uuid.UUID
    resource_id: uuid.UUID | None  # None: every resource of the company
    start: datetime
    end: datetime

    @classmethod
    def parse(
        cls,
        *,
        company_id: str,
        resource_id: str,
        start_time_from: datetime | None,
        start_time_to: datetime | None,
    ) -> SumSessionPlaces:
        start, end = rules.time_range(start_time_from, start_time_to)
        return cls(
            company_id=ids.parse_uuid(company_id, "company_id"),
            resource_id=ids.optional_uuid(resource_id, "resource_id"),
            start=start,
            end=end,
        )


CUSTOMER_FIELDS = frozenset({"display_name", "email", "phone"})
MAX_PHONE_LENGTH = 40
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class ListCustomers:
    company_id: uuid.UUID
    query: str
    page_size: int
    page_token: str

    @classmethod
    def parse(cls, *, company_id: str, query: str, page_size: int, page_token: str) -> ListCustomers:
        cleaned = query.strip()
        if len(cleaned) > MAX_QUERY_LENGTH:
            raise InvalidArgument(
                "INVALID_QUERY", f"query is at most {MAX_QUERY_LENGTH} characters", field="query"
            )
        return cls(
            company_id=ids.parse_uuid(company_id, "company_id"),
            query=cleaned.lower(),
            page_size=paging.page_size(page_size),
            page_token=page_token,
        )


@dataclass(frozen=True)
class UpdateCustomer:
    customer_id: uuid.UUID
    expected_version: int
    # Only the fields of the mask: display_name, email, phone.
    changes: dict[str, str | None]

    @classmethod
    def parse(
        cls,
        *,
        customer_id: str,
        expected_version: int,
        paths: list[str],
        display_name: str,
        email: str,
        phone: str,
    ) -> UpdateCustomer:
        unknown = sorted(set(paths) - CUSTOMER_FIELDS)
        if unknown or not paths:
            raise InvalidArgument(
                "INVALID_UPDATE_MASK",
                f"update_mask names {', '.join(sorted(CUSTOMER_FIELDS))} (at least one)",
                field="update_mask",
            )
        if expected_version < 1:
            raise InvalidArgument(
                "VERSION_REQUIRED", "expected_version is the version read", field="expected_version"
            )
        changes: dict[str, str | None] = {}
        if "display_name" in paths:
            changes["display_name"] = rules.name(display_name, "display_name")
        if "email" in paths:
            changes["email"] = rules.email(email)
        if "phone" in paths:
            cleaned = phone.strip()
            if len(cleaned) > MAX_PHONE_LENGTH:
                raise InvalidArgument(
                    "INVALID_PHONE", f"phone is at most {MAX_PHONE_LENGTH} characters", field="phone"
                )
            changes["phone"] = cleaned or None
        return cls(
            customer_id=ids.parse_uuid(customer_id, "customer_id"),
            expected_version=expected_version,
            changes=changes,
        )
