"""Catalog's mapping to and from `bookingplatform.catalog.v1`: domain objects as messages (gRPC
replies and events), and the request fields the commands are parsed from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from catalog.domain import back_office, localtime, rules
from catalog.domain.model import (
    BookingModel,
    Company,
    CompanyState,
    Customer,
    DailyPrice,
    Extra,
    Money,
    MovedSession,
    NightPrice,
    PriceSource,
    Pricing,
    PricingUnit,
    RatePlan,
    Resource,
    ResourcePolicy,
    Session,
    SessionStatus,
    Unit,
)

BOOKING_MODELS: dict[BookingModel, catalog_pb2.BookingModel.ValueType] = {
    BookingModel.TIME_SLOT: catalog_pb2.BOOKING_MODEL_TIME_SLOT,
    BookingModel.NIGHTLY: catalog_pb2.BOOKING_MODEL_NIGHTLY,
    BookingModel.INTERVAL: catalog_pb2.BOOKING_MODEL_INTERVAL,
}
BOOKING_MODEL_NAMES: dict[int, str] = {int(number): model.value for model, number in BOOKING_MODELS.items()}

COMPANY_STATES: dict[CompanyState, catalog_pb2.CompanyState.ValueType] = {
    CompanyState.ACTIVE: catalog_pb2.COMPANY_STATE_ACTIVE,
    CompanyState.SUSPENDED: catalog_pb2.COMPANY_STATE_SUSPENDED,
}

SESSION_STATUSES: dict[SessionStatus, catalog_pb2.SessionStatus.ValueType] = {
    SessionStatus.OPEN: catalog_pb2.SESSION_STATUS_OPEN,
    SessionStatus.CANCELLED: catalog_pb2.SESSION_STATUS_CANCELLED,
}


PRICING_UNITS: dict[PricingUnit, catalog_pb2.PricingUnit.ValueType] = {
    PricingUnit.PER_BOOKING: catalog_pb2.PRICING_UNIT_PER_BOOKING,
    PricingUnit.PER_NIGHT: catalog_pb2.PRICING_UNIT_PER_NIGHT,
    PricingUnit.PER_GUEST: catalog_pb2.PRICING_UNIT_PER_GUEST,
    PricingUnit.PER_HOUR: catalog_pb2.PRICING_UNIT_PER_HOUR,
    PricingUnit.PER_GUEST_NIGHT: catalog_pb2.PRICING_UNIT_PER_GUEST_NIGHT,
}
PRICING_UNIT_NAMES: dict[int, str] = {int(number): unit.value for unit, number in PRICING_UNITS.items()}

PRICE_SOURCES: dict[PriceSource, catalog_pb2.PriceSource.ValueType] = {
    PriceSource.DEFAULT: catalog_pb2.PRICE_SOURCE_DEFAULT,
    PriceSource.DAILY: catalog_pb2.PRICE_SOURCE_DAILY,
    PriceSource.OVERRIDE: catalog_pb2.PRICE_SOURCE_OVERRIDE,
}


def timestamp(value: datetime) -> Timestamp:
    message = Timestamp()
    message.FromDatetime(value)
    return message


def money(value: Money) -> money_pb2.Money:
    return money_pb2.Money(amount_minor=value.amount_minor, currency_code=value.currency_code)


def company(value: Company) -> catalog_pb2.Company:
    return catalog_pb2.Company(
        id=str(value.id),
        name=value.name,
        time_zone=value.time_zone,
        currency_code=value.currency_code,
        create_time=timestamp(value.created_at),
        description=value.description,
        contact_email=value.contact_email,
        contact_phone=value.contact_phone,
        address=value.address,
        allowed_origins=list(value.allowed_origins),
        state=COMPANY_STATES[value.state],
        suspend_reason=value.suspend_reason or "",
        etag=back_office.etag(value.version),
    )


def customer(value: Customer) -> catalog_pb2.Customer:
    return catalog_pb2.Customer(
        id=str(value.id),
        company_id=str(value.company_id),
        display_name=value.display_name,
        email=value.email or "",
        guest=value.guest,
        create_time=timestamp(value.created_at),
        version=value.version,
        phone=value.phone or "",
    )


def policy_input(message: catalog_pb2.ResourcePolicy) -> rules.PolicyInput:
    """A request's policy, to be validated against the resource's booking model."""
    return rules.PolicyInput(
        lead_time_minutes=message.lead_time_minutes,
        horizon_days=message.horizon_days,
        free_cancellation_minutes=message.free_cancellation_minutes,
        max_places_per_booking=message.max_places_per_booking,
        min_duration_minutes=message.min_duration_minutes,
        max_duration_minutes=message.max_duration_minutes,
        min_nights=message.min_nights,
        max_nights=message.max_nights,
        granularity_minutes=message.granularity_minutes,
        buffer_before_minutes=message.buffer_before_minutes,
        buffer_after_minutes=message.buffer_after_minutes,
        max_active_bookings_per_customer=message.max_active_bookings_per_customer,
        cancellation_windows=tuple(
            (w.minutes_before_start, w.refund_percent) for w in message.cancellation_windows
        ),
        check_in_deadline_minutes=message.check_in_deadline_minutes,
        no_show_grace_minutes=message.no_show_grace_minutes,
        check_in_time=message.check_in_time,
        check_out_time=message.check_out_time,
        max_guests_per_unit=message.max_guests_per_unit,
    )


def optional_policy_input(request: Any) -> rules.PolicyInput | None:
    """The request's `policy` field, or None when it is not set (the model's defaults apply)."""
    return policy_input(request.policy) if request.HasField("policy") else None


def price_amount(message: Any, field: str = "price") -> int | None:
    """The amount of a Money field, or None when the field is not set (refused as missing)."""
    return int(getattr(message, field).amount_minor) if message.HasField(field) else None


def pricing_unit_name(value: int) -> str | None:
    """None for UNSPECIFIED (PER_BOOKING); an unknown number is passed on to be refused."""
    if value == catalog_pb2.PRICING_UNIT_UNSPECIFIED:
        return None
    return PRICING_UNIT_NAMES.get(value, str(value))


def policy(value: ResourcePolicy) -> catalog_pb2.ResourcePolicy:
    """The policy with its effective cancellation windows (derived from the deprecated
    free_cancellation_minutes when none were set) and the free_cancellation_minutes they imply."""
    return catalog_pb2.ResourcePolicy(
        lead_time_minutes=value.lead_time_minutes,
        horizon_days=value.horizon_days,
        free_cancellation_minutes=value.effective_free_cancellation_minutes(),
        max_places_per_booking=value.max_places_per_booking,
        min_duration_minutes=value.min_duration_minutes,
        max_duration_minutes=value.max_duration_minutes,
        min_nights=value.min_nights,
        max_nights=value.max_nights,
        granularity_minutes=value.granularity_minutes,
        buffer_before_minutes=value.buffer_before_minutes,
        buffer_after_minutes=value.buffer_after_minutes,
        max_active_bookings_per_customer=value.max_active_bookings_per_customer,
        cancellation_windows=[
            catalog_pb2.CancellationWindow(
                minutes_before_start=w.minutes_before_start, refund_percent=w.refund_percent
            )
            for w in value.effective_cancellation_windows()
        ],
        check_in_deadline_minutes=value.check_in_deadline_minutes,
        no_show_grace_minutes=value.no_show_grace_minutes,
        check_in_time=localtime.format_time_of_day(value.check_in_time) if value.check_in_time else "",
        check_out_time=localtime.format_time_of_day(value.check_out_time) if value.check_out_time else "",
        max_guests_per_unit=value.max_guests_per_unit,
    )


def resource(value: Resource) -> catalog_pb2.Resource:
    message = catalog_pb2.Resource(
        id=str(value.id),
        company_id=str(value.company_id),
        name=value.name,
        booking_model=BOOKING_MODELS[value.booking_model],
        policy=policy(value.policy),
        version=value.version,
        description=value.description,
        image_urls=list(value.image_urls),
        amenities=list(value.amenities),
        capacity=value.capacity,
        archive_time=timestamp(value.archived_at) if value.archived_at is not None else None,
        etag=back_office.etag(value.version),
    )
    if value.hourly_rate is not None:
        message.hourly_rate.CopyFrom(money(value.hourly_rate))
    return message


def moved_occurrence(value: MovedSession) -> catalog_pb2.MovedOccurrence:
    return catalog_pb2.MovedOccurrence(
        session_id=str(value.session_id),
        local_date=value.asked.date().isoformat(),
        requested_local_time=value.asked.strftime("%H:%M"),
        local_start_time=value.starts.strftime("%H:%M"),
    )


def session(value: Session) -> catalog_pb2.Session:
    return catalog_pb2.Session(
        id=str(value.id),
        company_id=str(value.company_id),
        resource_id=str(value.resource_id),
        start_time=timestamp(value.start_time),
        end_time=timestamp(value.end_time),
        capacity=value.capacity,
        price=money(value.price),
        status=SESSION_STATUSES[value.status],
        cancel_reason=value.cancel_reason or "",
        cancel_time=timestamp(value.cancelled_at) if value.cancelled_at is not None else None,
        etag=value.etag,
        series_id=str(value.series_id) if value.series_id is not None else "",
    )


def extra(value: Extra) -> catalog_pb2.Extra:
    return catalog_pb2.Extra(
        id=str(value.id),
        company_id=str(value.company_id),
        name=value.name,
        price=money(value.price),
        pricing_unit=PRICING_UNITS[value.pricing_unit],
        description=value.description,
        archive_time=timestamp(value.archived_at) if value.archived_at is not None else None,
        etag=back_office.etag(value.version),
    )


def unit(value: Unit) -> catalog_pb2.Unit:
    return catalog_pb2.Unit(
        id=str(value.id),
        company_id=str(value.company_id),
        resource_id=str(value.resource_id),
        name=value.name,
        create_time=timestamp(value.created_at),
        archive_time=timestamp(value.archived_at) if value.archived_at is not None else None,
        etag=back_office.etag(value.version),
    )


def rate_plan(value: RatePlan) -> catalog_pb2.RatePlan:
    return catalog_pb2.RatePlan(
        id=str(value.id),
        company_id=str(value.company_id),
        resource_id=str(value.resource_id),
        name=value.name,
        default_nightly_price=money(value.default_nightly_price),
        create_time=timestamp(value.created_at),
        etag=back_office.etag(value.version),
    )


def daily_price(value: DailyPrice) -> catalog_pb2.DailyPrice:
    return catalog_pb2.DailyPrice(
        date=value.date.isoformat(),
        price=money(value.price) if value.price is not None else None,
        override=value.override,
    )


def night_price(value: NightPrice) -> catalog_pb2.NightPrice:
    return catalog_pb2.NightPrice(
        date=value.date.isoformat(), price=money(value.price), source=PRICE_SOURCES[value.source]
    )


def pricing(value: Pricing) -> catalog_pb2.GetPricingResponse:
    reply = catalog_pb2.GetPricingResponse(resource=resource(value.resource), time_zone=value.time_zone)
    if value.nightly is not None:
        reply.rate_plan_id = str(value.nightly.rate_plan_id)
        reply.nights.extend(night_price(night) for night in value.nightly.nights)
        reply.total.CopyFrom(money(value.nightly.total))
        reply.check_in_time.CopyFrom(timestamp(value.nightly.check_in))
        reply.check_out_time.CopyFrom(timestamp(value.nightly.check_out))
    if value.hourly_rate is not None:
        reply.hourly_rate.CopyFrom(money(value.hourly_rate))
    return reply
