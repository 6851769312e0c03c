from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="PriceIn")


@_attrs_define
class PriceIn:
    """
    Attributes:
        amount_minor (int):
        currency_code (str):
    """

    amount_minor: int
    currency_code: str

    def to_dict(self) -> dict[str, Any]:
        amount_minor = self.amount_minor

        currency_code = self.currency_code

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "amount_minor": amount_minor,
                "currency_code": currency_code,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        amount_minor = d.pop("amount_minor")

        currency_code = d.pop("currency_code")

        price_in = cls(
            amount_minor=amount_minor,
            currency_code=currency_code,
        )

        return price_in
