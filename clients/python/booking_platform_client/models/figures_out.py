from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.revenue_out import RevenueOut


T = TypeVar("T", bound="FiguresOut")


@_attrs_define
class FiguresOut:
    """
    Attributes:
        active (int): Confirmed and neither cancelled nor no-show.
        cancelled (int): Cancelled after their confirmation.
        confirmed (int): Bookings confirmed, whatever became of them since.
        hours_sold (float): Hours of rentals (minutes_sold / 60, two decimals).
        minutes_sold (int):
        nights_sold (int): Unit-nights of stays.
        no_show (int):
        places_sold (int): Places of sessions (time slots).
        revenue (RevenueOut):
    """

    active: int
    cancelled: int
    confirmed: int
    hours_sold: float
    minutes_sold: int
    nights_sold: int
    no_show: int
    places_sold: int
    revenue: RevenueOut
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active = self.active

        cancelled = self.cancelled

        confirmed = self.confirmed

        hours_sold = self.hours_sold

        minutes_sold = self.minutes_sold

        nights_sold = self.nights_sold

        no_show = self.no_show

        places_sold = self.places_sold

        revenue = self.revenue.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "active": active,
                "cancelled": cancelled,
                "confirmed": confirmed,
                "hours_sold": hours_sold,
                "minutes_sold": minutes_sold,
                "nights_sold": nights_sold,
                "no_show": no_show,
                "places_sold": places_sold,
                "revenue": revenue,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.revenue_out import RevenueOut

        d = dict(src_dict)
        active = d.pop("active")

        cancelled = d.pop("cancelled")

        confirmed = d.pop("confirmed")

        hours_sold = d.pop("hours_sold")

        minutes_sold = d.pop("minutes_sold")

        nights_sold = d.pop("nights_sold")

        no_show = d.pop("no_show")

        places_sold = d.pop("places_sold")

        revenue = RevenueOut.from_dict(d.pop("revenue"))

        figures_out = cls(
            active=active,
            cancelled=cancelled,
            confirmed=confirmed,
            hours_sold=hours_sold,
            minutes_sold=minutes_sold,
            nights_sold=nights_sold,
            no_show=no_show,
            places_sold=places_sold,
            revenue=revenue,
        )

        figures_out.additional_properties = d
        return figures_out

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
