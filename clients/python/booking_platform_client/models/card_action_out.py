from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CardActionOut")


@_attrs_define
class CardActionOut:
    """
    Attributes:
        booking_id (str):
        payment_id (str):
        status (str): Still REQUIRES_ACTION: the card provider confirms a moment later; follow the booking.
    """

    booking_id: str
    payment_id: str
    status: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        booking_id = self.booking_id

        payment_id = self.payment_id

        status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "booking_id": booking_id,
                "payment_id": payment_id,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        booking_id = d.pop("booking_id")

        payment_id = d.pop("payment_id")

        status = d.pop("status")

        card_action_out = cls(
            booking_id=booking_id,
            payment_id=payment_id,
            status=status,
        )

        card_action_out.additional_properties = d
        return card_action_out

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
