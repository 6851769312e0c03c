from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.unit_out import UnitOut


T = TypeVar("T", bound="UnitList")


@_attrs_define
class UnitList:
    """
    Attributes:
        has_more (bool):
        next_page_token (None | str): Always null: the whole list is one page.
        units (list[UnitOut]):
    """

    has_more: bool
    next_page_token: None | str
    units: list[UnitOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        has_more = self.has_more

        next_page_token: None | str
        next_page_token = self.next_page_token

        units = []
        for units_item_data in self.units:
            units_item = units_item_data.to_dict()
            units.append(units_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "has_more": has_more,
                "next_page_token": next_page_token,
                "units": units,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.unit_out import UnitOut

        d = dict(src_dict)
        has_more = d.pop("has_more")

        def _parse_next_page_token(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_page_token = _parse_next_page_token(d.pop("next_page_token"))

        units = []
        _units = d.pop("units")
        for units_item_data in _units:
            units_item = UnitOut.from_dict(units_item_data)

            units.append(units_item)

        unit_list = cls(
            has_more=has_more,
            next_page_token=next_page_token,
            units=units,
        )

        unit_list.additional_properties = d
        return unit_list

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
