from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.money import Money


T = TypeVar("T", bound="BookingExtraOut")


@_attrs_define
class BookingExtraOut:
    """
    Attributes:
        extra_id (str):
        name (str):
        quantity (int):
        unit_price (Money):
    """

    extra_id: str
    name: str
    quantity: int
    unit_price: Money
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        extra_id = self.extra_id

        name = self.name

        quantity = self.quantity

        unit_price = self.unit_price.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "extra_id": extra_id,
                "name": name,
                "quantity": quantity,
                "unit_price": unit_price,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.money import Money

        d = dict(src_dict)
        extra_id = d.pop("extra_id")

        name = d.pop("name")

        quantity = d.pop("quantity")

        unit_price = Money.from_dict(d.pop("unit_price"))

        booking_extra_out = cls(
            extra_id=extra_id,
            name=name,
            quantity=quantity,
            unit_price=unit_price,
        )

        booking_extra_out.additional_properties = d
        return booking_extra_out

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
