from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.figures_out import FiguresOut


T = TypeVar("T", bound="ResourceStatsOut")


@_attrs_define
class ResourceStatsOut:
    """
    Attributes:
        booking_model (str):
        capacity (int): Places, unit-nights or minutes that could be sold.
        figures (FiguresOut):
        name (str):
        occupancy_percent (float):
        resource_id (str):
        sold (int): Places, unit-nights or minutes sold.
    """

    booking_model: str
    capacity: int
    figures: FiguresOut
    name: str
    occupancy_percent: float
    resource_id: str
    sold: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        booking_model = self.booking_model

        capacity = self.capacity

        figures = self.figures.to_dict()

        name = self.name

        occupancy_percent = self.occupancy_percent

        resource_id = self.resource_id

        sold = self.sold

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "booking_model": booking_model,
                "capacity": capacity,
                "figures": figures,
                "name": name,
                "occupancy_percent": occupancy_percent,
                "resource_id": resource_id,
                "sold": sold,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.figures_out import FiguresOut

        d = dict(src_dict)
        booking_model = d.pop("booking_model")

        capacity = d.pop("capacity")

        figures = FiguresOut.from_dict(d.pop("figures"))

        name = d.pop("name")

        occupancy_percent = d.pop("occupancy_percent")

        resource_id = d.pop("resource_id")

        sold = d.pop("sold")

        resource_stats_out = cls(
            booking_model=booking_model,
            capacity=capacity,
            figures=figures,
            name=name,
            occupancy_percent=occupancy_percent,
            resource_id=resource_id,
            sold=sold,
        )

        resource_stats_out.additional_properties = d
        return resource_stats_out

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
