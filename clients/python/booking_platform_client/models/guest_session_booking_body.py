from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.extra_in import ExtraIn
    from ..models.guest_in import GuestIn


T = TypeVar("T", bound="GuestSessionBookingBody")


@_attrs_define
class GuestSessionBookingBody:
    """Places in a session (classes, tours), paid by card.

    Attributes:
        card_token (str): A card token from the card provider: registered with payments, never stored elsewhere.
        guest (GuestIn):
        extras (list[ExtraIn] | Unset):
        quantity (int | Unset): Places. Default: 1.
    """

    card_token: str
    guest: GuestIn
    extras: list[ExtraIn] | Unset = UNSET
    quantity: int | Unset = 1

    def to_dict(self) -> dict[str, Any]:
        card_token = self.card_token

        guest = self.guest.to_dict()

        extras: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.extras, Unset):
            extras = []
            for extras_item_data in self.extras:
                extras_item = extras_item_data.to_dict()
                extras.append(extras_item)

        quantity = self.quantity

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "card_token": card_token,
                "guest": guest,
            }
        )
        if extras is not UNSET:
            field_dict["extras"] = extras
        if quantity is not UNSET:
            field_dict["quantity"] = quantity

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.extra_in import ExtraIn
        from ..models.guest_in import GuestIn

        d = dict(src_dict)
        card_token = d.pop("card_token")

        guest = GuestIn.from_dict(d.pop("guest"))

        _extras = d.pop("extras", UNSET)
        extras: list[ExtraIn] | Unset = UNSET
        if _extras is not UNSET:
            extras = []
            for extras_item_data in _extras:
                extras_item = ExtraIn.from_dict(extras_item_data)

                extras.append(extras_item)

        quantity = d.pop("quantity", UNSET)

        guest_session_booking_body = cls(
            card_token=card_token,
            guest=guest,
            extras=extras,
            quantity=quantity,
        )

        return guest_session_booking_body
