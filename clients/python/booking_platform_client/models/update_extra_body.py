from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.update_extra_body_pricing_unit_type_0 import (
    UpdateExtraBodyPricingUnitType0,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.price_in import PriceIn


T = TypeVar("T", bound="UpdateExtraBody")


@_attrs_define
class UpdateExtraBody:
    """
    Attributes:
        description (None | str | Unset):
        name (None | str | Unset):
        price (None | PriceIn | Unset):
        pricing_unit (None | Unset | UpdateExtraBodyPricingUnitType0):
    """

    description: None | str | Unset = UNSET
    name: None | str | Unset = UNSET
    price: None | PriceIn | Unset = UNSET
    pricing_unit: None | Unset | UpdateExtraBodyPricingUnitType0 = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.price_in import PriceIn

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        price: dict[str, Any] | None | Unset
        if isinstance(self.price, Unset):
            price = UNSET
        elif isinstance(self.price, PriceIn):
            price = self.price.to_dict()
        else:
            price = self.price

        pricing_unit: None | str | Unset
        if isinstance(self.pricing_unit, Unset):
            pricing_unit = UNSET
        elif isinstance(self.pricing_unit, UpdateExtraBodyPricingUnitType0):
            pricing_unit = self.pricing_unit.value
        else:
            pricing_unit = self.pricing_unit

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if description is not UNSET:
            field_dict["description"] = description
        if name is not UNSET:
            field_dict["name"] = name
        if price is not UNSET:
            field_dict["price"] = price
        if pricing_unit is not UNSET:
            field_dict["pricing_unit"] = pricing_unit

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.price_in import PriceIn

        d = dict(src_dict)

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_price(data: object) -> None | PriceIn | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                price_type_0 = PriceIn.from_dict(data)

                return price_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PriceIn | Unset, data)

        price = _parse_price(d.pop("price", UNSET))

        def _parse_pricing_unit(
            data: object,
        ) -> None | Unset | UpdateExtraBodyPricingUnitType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                pricing_unit_type_0 = UpdateExtraBodyPricingUnitType0(data)

                return pricing_unit_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UpdateExtraBodyPricingUnitType0, data)

        pricing_unit = _parse_pricing_unit(d.pop("pricing_unit", UNSET))

        update_extra_body = cls(
            description=description,
            name=name,
            price=price,
            pricing_unit=pricing_unit,
        )

        return update_extra_body
