from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.money import Money


T = TypeVar("T", bound="AdminSessionsSessionOut")


@_attrs_define
class AdminSessionsSessionOut:
    """
    Attributes:
        cancel_reason (None | str):
        capacity (int):
        company_id (str):
        end_time (datetime.datetime):
        etag (str): Send it back in If-Match to change the session.
        id (str):
        price (Money):
        resource_id (str):
        series_id (None | str):
        start_time (datetime.datetime):
        status (str):
    """

    cancel_reason: None | str
    capacity: int
    company_id: str
    end_time: datetime.datetime
    etag: str
    id: str
    price: Money
    resource_id: str
    series_id: None | str
    start_time: datetime.datetime
    status: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cancel_reason: None | str
        cancel_reason = self.cancel_reason

        capacity = self.capacity

        company_id = self.company_id

        end_time = self.end_time.isoformat()

        etag = self.etag

        id = self.id

        price = self.price.to_dict()

        resource_id = self.resource_id

        series_id: None | str
        series_id = self.series_id

        start_time = self.start_time.isoformat()

        status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cancel_reason": cancel_reason,
                "capacity": capacity,
                "company_id": company_id,
                "end_time": end_time,
                "etag": etag,
                "id": id,
                "price": price,
                "resource_id": resource_id,
                "series_id": series_id,
                "start_time": start_time,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.money import Money

        d = dict(src_dict)

        def _parse_cancel_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        cancel_reason = _parse_cancel_reason(d.pop("cancel_reason"))

        capacity = d.pop("capacity")

        company_id = d.pop("company_id")

        end_time = datetime.datetime.fromisoformat(d.pop("end_time"))

        etag = d.pop("etag")

        id = d.pop("id")

        price = Money.from_dict(d.pop("price"))

        resource_id = d.pop("resource_id")

        def _parse_series_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        series_id = _parse_series_id(d.pop("series_id"))

        start_time = datetime.datetime.fromisoformat(d.pop("start_time"))

        status = d.pop("status")

        admin_sessions_session_out = cls(
            cancel_reason=cancel_reason,
            capacity=capacity,
            company_id=company_id,
            end_time=end_time,
            etag=etag,
            id=id,
            price=price,
            resource_id=resource_id,
            series_id=series_id,
            start_time=start_time,
            status=status,
        )

        admin_sessions_session_out.additional_properties = d
        return admin_sessions_session_out

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
