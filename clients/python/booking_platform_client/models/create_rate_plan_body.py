from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.price_in import PriceIn


T = TypeVar("T", bound="CreateRatePlanBody")


@_attrs_define
class CreateRatePlanBody:
    """
    Attributes:
        default_nightly_price (PriceIn):
        name (str):
    """

    default_nightly_price: PriceIn
    name: str

    def to_dict(self) -> dict[str, Any]:
        default_nightly_price = self.default_nightly_price.to_dict()

        name = self.name

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "default_nightly_price": default_nightly_price,
                "name": name,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.price_in import PriceIn

        d = dict(src_dict)
        default_nightly_price = PriceIn.from_dict(d.pop("default_nightly_price"))

        name = d.pop("name")

        create_rate_plan_body = cls(
            default_nightly_price=default_nightly_price,
            name=name,
        )

        return create_rate_plan_body
