from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.price_in import PriceIn


T = TypeVar("T", bound="CreatePassProductBody")


@_attrs_define
class CreatePassProductBody:
    """
    Attributes:
        credits_ (int):
        name (str):
        price (PriceIn):
        validity_days (int):
        company_id (None | Unset | UUID): Platform admins: the company.
    """

    credits_: int
    name: str
    price: PriceIn
    validity_days: int
    company_id: None | Unset | UUID = UNSET

    def to_dict(self) -> dict[str, Any]:
        credits_ = self.credits_

        name = self.name

        price = self.price.to_dict()

        validity_days = self.validity_days

        company_id: None | str | Unset
        if isinstance(self.company_id, Unset):
            company_id = UNSET
        elif isinstance(self.company_id, UUID):
            company_id = str(self.company_id)
        else:
            company_id = self.company_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "credits": credits_,
                "name": name,
                "price": price,
                "validity_days": validity_days,
            }
        )
        if company_id is not UNSET:
            field_dict["company_id"] = company_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.price_in import PriceIn

        d = dict(src_dict)
        credits_ = d.pop("credits")

        name = d.pop("name")

        price = PriceIn.from_dict(d.pop("price"))

        validity_days = d.pop("validity_days")

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

        create_pass_product_body = cls(
            credits_=credits_,
            name=name,
            price=price,
            validity_days=validity_days,
            company_id=company_id,
        )

        return create_pass_product_body
