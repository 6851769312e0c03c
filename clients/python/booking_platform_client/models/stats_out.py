from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.day_stats_out import DayStatsOut
    from ..models.figures_out import FiguresOut
    from ..models.occupancy_out import OccupancyOut
    from ..models.resource_stats_out import ResourceStatsOut
    from ..models.unit_stats_out import UnitStatsOut


T = TypeVar("T", bound="StatsOut")


@_attrs_define
class StatsOut:
    """
    Attributes:
        company_id (str):
        currency (str):
        days (list[DayStatsOut]):
        end_date (str): The last local date of the period (inclusive).
        occupancy (OccupancyOut):
        resource_id (None | str):
        resources (list[ResourceStatsOut]):
        start_date (str): The first local date of the period.
        time_zone (str):
        top_units_by_hours (list[UnitStatsOut]):
        top_units_by_nights (list[UnitStatsOut]):
        totals (FiguresOut):
    """

    company_id: str
    currency: str
    days: list[DayStatsOut]
    end_date: str
    occupancy: OccupancyOut
    resource_id: None | str
    resources: list[ResourceStatsOut]
    start_date: str
    time_zone: str
    top_units_by_hours: list[UnitStatsOut]
    top_units_by_nights: list[UnitStatsOut]
    totals: FiguresOut
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        company_id = self.company_id

        currency = self.currency

        days = []
        for days_item_data in self.days:
            days_item = days_item_data.to_dict()
            days.append(days_item)

        end_date = self.end_date

        occupancy = self.occupancy.to_dict()

        resource_id: None | str
        resource_id = self.resource_id

        resources = []
        for resources_item_data in self.resources:
            resources_item = resources_item_data.to_dict()
            resources.append(resources_item)

        start_date = self.start_date

        time_zone = self.time_zone

        top_units_by_hours = []
        for top_units_by_hours_item_data in self.top_units_by_hours:
            top_units_by_hours_item = top_units_by_hours_item_data.to_dict()
            top_units_by_hours.append(top_units_by_hours_item)

        top_units_by_nights = []
        for top_units_by_nights_item_data in self.top_units_by_nights:
            top_units_by_nights_item = top_units_by_nights_item_data.to_dict()
            top_units_by_nights.append(top_units_by_nights_item)

        totals = self.totals.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "company_id": company_id,
                "currency": currency,
                "days": days,
                "end_date": end_date,
                "occupancy": occupancy,
                "resource_id": resource_id,
                "resources": resources,
                "start_date": start_date,
                "time_zone": time_zone,
                "top_units_by_hours": top_units_by_hours,
                "top_units_by_nights": top_units_by_nights,
                "totals": totals,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.day_stats_out import DayStatsOut
        from ..models.figures_out import FiguresOut
        from ..models.occupancy_out import OccupancyOut
        from ..models.resource_stats_out import ResourceStatsOut
        from ..models.unit_stats_out import UnitStatsOut

        d = dict(src_dict)
        company_id = d.pop("company_id")

        currency = d.pop("currency")

        days = []
        _days = d.pop("days")
        for days_item_data in _days:
            days_item = DayStatsOut.from_dict(days_item_data)

            days.append(days_item)

        end_date = d.pop("end_date")

        occupancy = OccupancyOut.from_dict(d.pop("occupancy"))

        def _parse_resource_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        resource_id = _parse_resource_id(d.pop("resource_id"))

        resources = []
        _resources = d.pop("resources")
        for resources_item_data in _resources:
            resources_item = ResourceStatsOut.from_dict(resources_item_data)

            resources.append(resources_item)

        start_date = d.pop("start_date")

        time_zone = d.pop("time_zone")

        top_units_by_hours = []
        _top_units_by_hours = d.pop("top_units_by_hours")
        for top_units_by_hours_item_data in _top_units_by_hours:
            top_units_by_hours_item = UnitStatsOut.from_dict(
                top_units_by_hours_item_data
            )

            top_units_by_hours.append(top_units_by_hours_item)

        top_units_by_nights = []
        _top_units_by_nights = d.pop("top_units_by_nights")
        for top_units_by_nights_item_data in _top_units_by_nights:
            top_units_by_nights_item = UnitStatsOut.from_dict(
                top_units_by_nights_item_data
            )

            top_units_by_nights.append(top_units_by_nights_item)

        totals = FiguresOut.from_dict(d.pop("totals"))

        stats_out = cls(
            company_id=company_id,
            currency=currency,
            days=days,
            end_date=end_date,
            occupancy=occupancy,
            resource_id=resource_id,
            resources=resources,
            start_date=start_date,
            time_zone=time_zone,
            top_units_by_hours=top_units_by_hours,
            top_units_by_nights=top_units_by_nights,
            totals=totals,
        )

        stats_out.additional_properties = d
        return stats_out

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
