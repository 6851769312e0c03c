from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.money import Money


T = TypeVar("T", bound="WalletOut")


@_attrs_define
class WalletOut:
    """
    Attributes:
        bonus_balance (Money):
        company_id (str):
        customer_id (str):
        main_balance (Money):
    """

    bonus_balance: Money
    company_id: str
    customer_id: str
    main_balance: Money
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bonus_balance = self.bonus_balance.to_dict()

        company_id = self.company_id

        customer_id = self.customer_id

        main_balance = self.main_balance.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "bonus_balance": bonus_balance,
                "company_id": company_id,
                "customer_id": customer_id,
                "main_balance": main_balance,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.money import Money

        d = dict(src_dict)
        bonus_balance = Money.from_dict(d.pop("bonus_balance"))

        company_id = d.pop("company_id")

        customer_id = d.pop("customer_id")

        main_balance = Money.from_dict(d.pop("main_balance"))

        wallet_out = cls(
            bonus_balance=bonus_balance,
            company_id=company_id,
            customer_id=customer_id,
            main_balance=main_balance,
        )

        wallet_out.additional_properties = d
        return wallet_out

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
