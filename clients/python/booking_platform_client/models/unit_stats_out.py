from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="UnitStatsOut")


@_attrs_define
class UnitStatsOut:
    """
    Attributes:
        hours (float):
        name (str):
        nights (int):
        resource_id (str):
        revenue_minor (int):
        unit_id (None | str): The unit of a stay (none for a rented resource).
    """

    hours: float
    name: str
    nights: int
    resource_id: str
    revenue_minor: int
    unit_id: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        hours = self.hours

        name = self.name

        nights = self.nights

        resource_id = self.resource_id

        revenue_minor = self.revenue_minor

        unit_id: None | str
        unit_id = self.unit_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "hours": hours,
                "name": name,
                "nights": nights,
                "resource_id": resource_id,
                "revenue_minor": revenue_minor,
                "unit_id": unit_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        hours = d.pop("hours")

        name = d.pop("name")

        nights = d.pop("nights")

        resource_id = d.pop("resource_id")

        revenue_minor = d.pop("revenue_minor")

        def _parse_unit_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        unit_id = _parse_unit_id(d.pop("unit_id"))

        unit_stats_out = cls(
            hours=hours,
            name=name,
            nights=nights,
            resource_id=resource_id,
            revenue_minor=revenue_minor,
            unit_id=unit_id,
        )

        unit_stats_out.additional_properties = d
        return unit_stats_out

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
