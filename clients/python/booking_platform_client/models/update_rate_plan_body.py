from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.price_in import PriceIn


T = TypeVar("T", bound="UpdateRatePlanBody")


@_attrs_define
class UpdateRatePlanBody:
    """
    Attributes:
        default_nightly_price (None | PriceIn | Unset):
        name (None | str | Unset):
    """

    default_nightly_price: None | PriceIn | Unset = UNSET
    name: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.price_in import PriceIn

        default_nightly_price: dict[str, Any] | None | Unset
        if isinstance(self.default_nightly_price, Unset):
            default_nightly_price = UNSET
        elif isinstance(self.default_nightly_price, PriceIn):
            default_nightly_price = self.default_nightly_price.to_dict()
        else:
            default_nightly_price = self.default_nightly_price

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if default_nightly_price is not UNSET:
            field_dict["default_nightly_price"] = default_nightly_price
        if name is not UNSET:
            field_dict["name"] = name

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.price_in import PriceIn

        d = dict(src_dict)

        def _parse_default_nightly_price(data: object) -> None | PriceIn | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                default_nightly_price_type_0 = PriceIn.from_dict(data)

                return default_nightly_price_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PriceIn | Unset, data)

        default_nightly_price = _parse_default_nightly_price(
            d.pop("default_nightly_price", UNSET)
        )

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        update_rate_plan_body = cls(
            default_nightly_price=default_nightly_price,
            name=name,
        )

        return update_rate_plan_body
