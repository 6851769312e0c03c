from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="OccupancyOut")


@_attrs_define
class OccupancyOut:
    """
    Attributes:
        hours_percent (float): Minutes rented / minutes of the period.
        nights_percent (float): Unit-nights sold / units x nights.
        percent (float): The mean of the resources' occupancy (those with capacity).
        places_percent (float): Places sold / places of the open sessions.
    """

    hours_percent: float
    nights_percent: float
    percent: float
    places_percent: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        hours_percent = self.hours_percent

        nights_percent = self.nights_percent

        percent = self.percent

        places_percent = self.places_percent

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "hours_percent": hours_percent,
                "nights_percent": nights_percent,
                "percent": percent,
                "places_percent": places_percent,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        hours_percent = d.pop("hours_percent")

        nights_percent = d.pop("nights_percent")

        percent = d.pop("percent")

        places_percent = d.pop("places_percent")

        occupancy_out = cls(
            hours_percent=hours_percent,
            nights_percent=nights_percent,
            percent=percent,
            places_percent=places_percent,
        )

        occupancy_out.additional_properties = d
        return occupancy_out

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
