from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.money import Money


T = TypeVar("T", bound="SessionOut")


@_attrs_define
class SessionOut:
    """
    Attributes:
        capacity (int):
        company_id (str):
        end_time (datetime.datetime | None):
        id (str):
        price (Money):
        resource_id (str):
        start_time (datetime.datetime | None):
        status (str):
        places_left (int | None | Unset): Places still free in an OPEN session (0: full); null where not told
            (cancelled).
    """

    capacity: int
    company_id: str
    end_time: datetime.datetime | None
    id: str
    price: Money
    resource_id: str
    start_time: datetime.datetime | None
    status: str
    places_left: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        capacity = self.capacity

        company_id = self.company_id

        end_time: None | str
        if isinstance(self.end_time, datetime.datetime):
            end_time = self.end_time.isoformat()
        else:
            end_time = self.end_time

        id = self.id

        price = self.price.to_dict()

        resource_id = self.resource_id

        start_time: None | str
        if isinstance(self.start_time, datetime.datetime):
            start_time = self.start_time.isoformat()
        else:
            start_time = self.start_time

        status = self.status

        places_left: int | None | Unset
        if isinstance(self.places_left, Unset):
            places_left = UNSET
        else:
            places_left = self.places_left

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "capacity": capacity,
                "company_id": company_id,
                "end_time": end_time,
                "id": id,
                "price": price,
                "resource_id": resource_id,
                "start_time": start_time,
                "status": status,
            }
        )
        if places_left is not UNSET:
            field_dict["places_left"] = places_left

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.money import Money

        d = dict(src_dict)
        capacity = d.pop("capacity")

        company_id = d.pop("company_id")

        def _parse_end_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                end_time_type_0 = datetime.datetime.fromisoformat(data)

                return end_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        end_time = _parse_end_time(d.pop("end_time"))

        id = d.pop("id")

        price = Money.from_dict(d.pop("price"))

        resource_id = d.pop("resource_id")

        def _parse_start_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                start_time_type_0 = datetime.datetime.fromisoformat(data)

                return start_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        start_time = _parse_start_time(d.pop("start_time"))

        status = d.pop("status")

        def _parse_places_left(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        places_left = _parse_places_left(d.pop("places_left", UNSET))

        session_out = cls(
            capacity=capacity,
            company_id=company_id,
            end_time=end_time,
            id=id,
            price=price,
            resource_id=resource_id,
            start_time=start_time,
            status=status,
            places_left=places_left,
        )

        session_out.additional_properties = d
        return session_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
