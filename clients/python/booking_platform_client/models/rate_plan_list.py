from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.rate_plan_out import RatePlanOut


T = TypeVar("T", bound="RatePlanList")


@_attrs_define
class RatePlanList:
    """
    Attributes:
        has_more (bool):
        next_page_token (None | str): Always null: the whole list is one page.
        rate_plans (list[RatePlanOut]): In creation order; the first is the default.
    """

    has_more: bool
    next_page_token: None | str
    rate_plans: list[RatePlanOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        has_more = self.has_more

        next_page_token: None | str
        next_page_token = self.next_page_token

        rate_plans = []
        for rate_plans_item_data in self.rate_plans:
            rate_plans_item = rate_plans_item_data.to_dict()
            rate_plans.append(rate_plans_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "has_more": has_more,
                "next_page_token": next_page_token,
                "rate_plans": rate_plans,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.rate_plan_out import RatePlanOut

        d = dict(src_dict)
        has_more = d.pop("has_more")

        def _parse_next_page_token(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_page_token = _parse_next_page_token(d.pop("next_page_token"))

        rate_plans = []
        _rate_plans = d.pop("rate_plans")
        for rate_plans_item_data in _rate_plans:
            rate_plans_item = RatePlanOut.from_dict(rate_plans_item_data)

            rate_plans.append(rate_plans_item)

        rate_plan_list = cls(
            has_more=has_more,
            next_page_token=next_page_token,
            rate_plans=rate_plans,
        )

        rate_plan_list.additional_properties = d
        return rate_plan_list

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
