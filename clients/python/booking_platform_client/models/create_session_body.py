from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.price_in import PriceIn


T = TypeVar("T", bound="CreateSessionBody")


@_attrs_define
class CreateSessionBody:
    """
    Attributes:
        capacity (int):
        end_time (datetime.datetime): ISO-8601 time with a UTC offset, between 1970-01-01 and 2200-01-01.
        price (PriceIn):
        resource_id (UUID):
        start_time (datetime.datetime): ISO-8601 time with a UTC offset, between 1970-01-01 and 2200-01-01.
    """

    capacity: int
    end_time: datetime.datetime
    price: PriceIn
    resource_id: UUID
    start_time: datetime.datetime

    def to_dict(self) -> dict[str, Any]:
        capacity = self.capacity

        end_time = self.end_time.isoformat()

        price = self.price.to_dict()

        resource_id = str(self.resource_id)

        start_time = self.start_time.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "capacity": capacity,
                "end_time": end_time,
                "price": price,
                "resource_id": resource_id,
                "start_time": start_time,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.price_in import PriceIn

        d = dict(src_dict)
        capacity = d.pop("capacity")

        end_time = datetime.datetime.fromisoformat(d.pop("end_time"))

        price = PriceIn.from_dict(d.pop("price"))

        resource_id = UUID(d.pop("resource_id"))

        start_time = datetime.datetime.fromisoformat(d.pop("start_time"))

        create_session_body = cls(
            capacity=capacity,
            end_time=end_time,
            price=price,
            resource_id=resource_id,
            start_time=start_time,
        )

        return create_session_body
