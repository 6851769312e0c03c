from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.price_in import PriceIn


T = TypeVar("T", bound="CreateSeriesBody")


@_attrs_define
class CreateSeriesBody:
    """
    Attributes:
        capacity (int):
        duration_minutes (int):
        price (PriceIn):
        resource_id (UUID):
        rrule (str): RFC 5545 RRULE: FREQ DAILY, WEEKLY, MONTHLY or YEARLY with COUNT or UNTIL; at most 500 occurrences
            within two years.
        start_date (datetime.date): Local date of the first occurrence (the rule's DTSTART).
        start_time (str): Local time of day of every occurrence, kept across DST changes.
    """

    capacity: int
    duration_minutes: int
    price: PriceIn
    resource_id: UUID
    rrule: str
    start_date: datetime.date
    start_time: str

    def to_dict(self) -> dict[str, Any]:
        capacity = self.capacity

        duration_minutes = self.duration_minutes

        price = self.price.to_dict()

        resource_id = str(self.resource_id)

        rrule = self.rrule

        start_date = self.start_date.isoformat()

        start_time = self.start_time

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "capacity": capacity,
                "duration_minutes": duration_minutes,
                "price": price,
                "resource_id": resource_id,
                "rrule": rrule,
                "start_date": start_date,
                "start_time": start_time,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.price_in import PriceIn

        d = dict(src_dict)
        capacity = d.pop("capacity")

        duration_minutes = d.pop("duration_minutes")

        price = PriceIn.from_dict(d.pop("price"))

        resource_id = UUID(d.pop("resource_id"))

        rrule = d.pop("rrule")

        start_date = datetime.date.fromisoformat(d.pop("start_date"))

        start_time = d.pop("start_time")

        create_series_body = cls(
            capacity=capacity,
            duration_minutes=duration_minutes,
            price=price,
            resource_id=resource_id,
            rrule=rrule,
            start_date=start_date,
            start_time=start_time,
        )

        return create_series_body
