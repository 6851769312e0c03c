from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.extra_out_pricing_unit import ExtraOutPricingUnit

if TYPE_CHECKING:
    from ..models.money import Money


T = TypeVar("T", bound="ExtraOut")


@_attrs_define
class ExtraOut:
    """
    Attributes:
        archived (bool):
        company_id (str):
        description (str):
        etag (str):
        id (str):
        name (str):
        price (Money):
        pricing_unit (ExtraOutPricingUnit):
    """

    archived: bool
    company_id: str
    description: str
    etag: str
    id: str
    name: str
    price: Money
    pricing_unit: ExtraOutPricingUnit
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        archived = self.archived

        company_id = self.company_id

        description = self.description

        etag = self.etag

        id = self.id

        name = self.name

        price = self.price.to_dict()

        pricing_unit = self.pricing_unit.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "archived": archived,
                "company_id": company_id,
                "description": description,
                "etag": etag,
                "id": id,
                "name": name,
                "price": price,
                "pricing_unit": pricing_unit,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.money import Money

        d = dict(src_dict)
        archived = d.pop("archived")

        company_id = d.pop("company_id")

        description = d.pop("description")

        etag = d.pop("etag")

        id = d.pop("id")

        name = d.pop("name")

        price = Money.from_dict(d.pop("price"))

        pricing_unit = ExtraOutPricingUnit(d.pop("pricing_unit"))

        extra_out = cls(
            archived=archived,
            company_id=company_id,
            description=description,
            etag=etag,
            id=id,
            name=name,
            price=price,
            pricing_unit=pricing_unit,
        )

        extra_out.additional_properties = d
        return extra_out

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
