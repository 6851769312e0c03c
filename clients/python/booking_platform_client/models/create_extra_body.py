from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.create_extra_body_pricing_unit import CreateExtraBodyPricingUnit
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.price_in import PriceIn


T = TypeVar("T", bound="CreateExtraBody")


@_attrs_define
class CreateExtraBody:
    """
    Attributes:
        name (str):
        price (PriceIn):
        company_id (None | Unset | UUID): Platform admins: the company.
        pricing_unit (CreateExtraBodyPricingUnit | Unset):  Default: CreateExtraBodyPricingUnit.PER_BOOKING.
    """

    name: str
    price: PriceIn
    company_id: None | Unset | UUID = UNSET
    pricing_unit: CreateExtraBodyPricingUnit | Unset = (
        CreateExtraBodyPricingUnit.PER_BOOKING
    )

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        price = self.price.to_dict()

        company_id: None | str | Unset
        if isinstance(self.company_id, Unset):
            company_id = UNSET
        elif isinstance(self.company_id, UUID):
            company_id = str(self.company_id)
        else:
            company_id = self.company_id

        pricing_unit: str | Unset = UNSET
        if not isinstance(self.pricing_unit, Unset):
            pricing_unit = self.pricing_unit.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "price": price,
            }
        )
        if company_id is not UNSET:
            field_dict["company_id"] = company_id
        if pricing_unit is not UNSET:
            field_dict["pricing_unit"] = pricing_unit

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.price_in import PriceIn

        d = dict(src_dict)
        name = d.pop("name")

        price = PriceIn.from_dict(d.pop("price"))

        def _parse_company_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                company_id_type_0 = UUID(data)

                return company_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        company_id = _parse_company_id(d.pop("company_id", UNSET))

        _pricing_unit = d.pop("pricing_unit", UNSET)
        pricing_unit: CreateExtraBodyPricingUnit | Unset
        if isinstance(_pricing_unit, Unset):
            pricing_unit = UNSET
        else:
            pricing_unit = CreateExtraBodyPricingUnit(_pricing_unit)

        create_extra_body = cls(
            name=name,
            price=price,
            company_id=company_id,
            pricing_unit=pricing_unit,
        )

        return create_extra_body
