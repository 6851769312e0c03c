from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PaymentPlanOut")


@_attrs_define
class PaymentPlanOut:
    """
    Attributes:
        entitlement_id (None | str):
        pay_later (bool):
        use_card (bool): True when a card token was given (the token is not echoed).
        use_wallet (bool):
    """

    entitlement_id: None | str
    pay_later: bool
    use_card: bool
    use_wallet: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        entitlement_id: None | str
        entitlement_id = self.entitlement_id

        pay_later = self.pay_later

        use_card = self.use_card

        use_wallet = self.use_wallet

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "entitlement_id": entitlement_id,
                "pay_later": pay_later,
                "use_card": use_card,
                "use_wallet": use_wallet,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_entitlement_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        entitlement_id = _parse_entitlement_id(d.pop("entitlement_id"))

        pay_later = d.pop("pay_later")

        use_card = d.pop("use_card")

        use_wallet = d.pop("use_wallet")

        payment_plan_out = cls(
            entitlement_id=entitlement_id,
            pay_later=pay_later,
            use_card=use_card,
            use_wallet=use_wallet,
        )

        payment_plan_out.additional_properties = d
        return payment_plan_out

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
