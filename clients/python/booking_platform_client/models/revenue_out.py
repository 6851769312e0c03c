from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RevenueOut")


@_attrs_define
class RevenueOut:
    """
    Attributes:
        card_minor (int): Charged to cards and kept.
        desk_minor (int): Paid at the front desk (cash or external) and kept.
        pass_minor (int): Covered by passes and kept.
        total_minor (int): The sum of the sources.
        wallet_bonus_minor (int): Paid from the wallet's bonus balance and kept.
        wallet_main_minor (int): Paid from the wallet's main balance and kept.
    """

    card_minor: int
    desk_minor: int
    pass_minor: int
    total_minor: int
    wallet_bonus_minor: int
    wallet_main_minor: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        card_minor = self.card_minor

        desk_minor = self.desk_minor

        pass_minor = self.pass_minor

        total_minor = self.total_minor

        wallet_bonus_minor = self.wallet_bonus_minor

        wallet_main_minor = self.wallet_main_minor

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "card_minor": card_minor,
                "desk_minor": desk_minor,
                "pass_minor": pass_minor,
                "total_minor": total_minor,
                "wallet_bonus_minor": wallet_bonus_minor,
                "wallet_main_minor": wallet_main_minor,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        card_minor = d.pop("card_minor")

        desk_minor = d.pop("desk_minor")

        pass_minor = d.pop("pass_minor")

        total_minor = d.pop("total_minor")

        wallet_bonus_minor = d.pop("wallet_bonus_minor")

        wallet_main_minor = d.pop("wallet_main_minor")

        revenue_out = cls(
            card_minor=card_minor,
            desk_minor=desk_minor,
            pass_minor=pass_minor,
            total_minor=total_minor,
            wallet_bonus_minor=wallet_bonus_minor,
            wallet_main_minor=wallet_main_minor,
        )

        revenue_out.additional_properties = d
        return revenue_out

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
