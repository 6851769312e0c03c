"""Domain objects as their `bookingplatform.catalog.v1` messages (gRPC replies and events)."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from catalog.domain.model import (
    BookingModel,
    Company,
    Customer,
    Extra,
    Money,
    Resource,
    ResourcePolicy,
    Session,
    SessionStatus,
)

BOOKING_MODELS: dict[BookingModel, catalog_pb2.BookingModel.ValueType] = {
    BookingModel.TIME_SLOT: catalog_pb2.BOOKING_MODEL_TIME_SLOT,
    BookingModel.NIGHTLY: catalog_pb2.BOOKING_MODEL_NIGHTLY,
    BookingModel.INTERVAL: catalog_pb2.BOOKING_MODEL_INTERVAL,
}
BOOKING_MODEL_NAMES: dict[int, str] = {int(number): model.value for model, number in BOOKING_MODELS.items()}

SESSION_STATUSES: dict[SessionStatus, catalog_pb2.SessionStatus.ValueType] = {
    SessionStatus.OPEN: catalog_pb2.SESSION_STATUS_OPEN,
    SessionStatus.CANCELLED: catalog_pb2.SESSION_STATUS_CANCELLED,
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
    )


def customer(value: Customer) -> catalog_pb2.Customer:
    return catalog_pb2.Customer(
        id=str(value.id),
        company_id=str(value.company_id),
        display_name=value.display_name,
        email=value.email or "",
        guest=value.guest,
        create_time=timestamp(value.created_at),
    )


def policy(value: ResourcePolicy) -> catalog_pb2.ResourcePolicy:
    return catalog_pb2.ResourcePolicy(
        lead_time_minutes=value.lead_time_minutes,
        horizon_days=value.horizon_days,
        free_cancellation_minutes=value.free_cancellation_minutes,
        max_places_per_booking=value.max_places_per_booking,
    )


def resource(value: Resource) -> catalog_pb2.Resource:
    return catalog_pb2.Resource(
        id=str(value.id),
        company_id=str(value.company_id),
        name=value.name,
        booking_model=BOOKING_MODELS[value.booking_model],
        policy=policy(value.policy),
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
    )


def extra(value: Extra) -> catalog_pb2.Extra:
    return catalog_pb2.Extra(
        id=str(value.id), company_id=str(value.company_id), name=value.name, price=money(value.price)
    )
