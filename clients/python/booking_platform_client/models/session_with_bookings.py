from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.booking_out import BookingOut
    from ..models.money import Money


T = TypeVar("T", bound="SessionWithBookings")


@_attrs_define
class SessionWithBookings:
    """
    Attributes:
        active_bookings (int): Bookings holding places (pending, confirmed, checked in).
        booked_places (int): Places those bookings hold.
        bookings (list[BookingOut]): The session's bookings, newest first (up to 200).
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

    active_bookings: int
    booked_places: int
    bookings: list[BookingOut]
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
        active_bookings = self.active_bookings

        booked_places = self.booked_places

        bookings = []
        for bookings_item_data in self.bookings:
            bookings_item = bookings_item_data.to_dict()
            bookings.append(bookings_item)

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
                "active_bookings": active_bookings,
                "booked_places": booked_places,
                "bookings": bookings,
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
        from ..models.booking_out import BookingOut
        from ..models.money import Money

        d = dict(src_dict)
        active_bookings = d.pop("active_bookings")

        booked_places = d.pop("booked_places")

        bookings = []
        _bookings = d.pop("bookings")
        for bookings_item_data in _bookings:
            bookings_item = BookingOut.from_dict(bookings_item_data)

            bookings.append(bookings_item)

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

        session_with_bookings = cls(
            active_bookings=active_bookings,
            booked_places=booked_places,
            bookings=bookings,
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

        session_with_bookings.additional_properties = d
        return session_with_bookings

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
