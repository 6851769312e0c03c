from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SettleBookingBody")


@_attrs_define
class SettleBookingBody:
    """
    Attributes:
        card_token (None | str | Unset): Card token to charge the amount due.
        payment_method_id (None | Unset | UUID): Instead of card_token: a payment method registered before.
    """

    card_token: None | str | Unset = UNSET
    payment_method_id: None | Unset | UUID = UNSET

    def to_dict(self) -> dict[str, Any]:
        card_token: None | str | Unset
        if isinstance(self.card_token, Unset):
            card_token = UNSET
        else:
            card_token = self.card_token

        payment_method_id: None | str | Unset
        if isinstance(self.payment_method_id, Unset):
            payment_method_id = UNSET
        elif isinstance(self.payment_method_id, UUID):
            payment_method_id = str(self.payment_method_id)
        else:
            payment_method_id = self.payment_method_id

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if card_token is not UNSET:
            field_dict["card_token"] = card_token
        if payment_method_id is not UNSET:
            field_dict["payment_method_id"] = payment_method_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_card_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        card_token = _parse_card_token(d.pop("card_token", UNSET))

        def _parse_payment_method_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                payment_method_id_type_0 = UUID(data)

                return payment_method_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        payment_method_id = _parse_payment_method_id(d.pop("payment_method_id", UNSET))

        settle_booking_body = cls(
            card_token=card_token,
            payment_method_id=payment_method_id,
        )

        return settle_booking_body
