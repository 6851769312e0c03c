from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PaymentIn")


@_attrs_define
class PaymentIn:
    """
    Attributes:
        card_token (None | str | Unset): A card token from the card provider: registered with payments, never stored
            elsewhere.
        entitlement_id (None | Unset | UUID):
        pay_later (bool | Unset): Wallet-only plans: when the wallet lacks funds, keep the place and bill later (the
            booking becomes PENDING_PAYMENT; pay it with POST /v1/bookings/{id}/settle). Default: False.
        payment_method_id (None | Unset | UUID): Instead of card_token: a payment method registered before.
        use_wallet (bool | Unset):  Default: False.
    """

    card_token: None | str | Unset = UNSET
    entitlement_id: None | Unset | UUID = UNSET
    pay_later: bool | Unset = False
    payment_method_id: None | Unset | UUID = UNSET
    use_wallet: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        card_token: None | str | Unset
        if isinstance(self.card_token, Unset):
            card_token = UNSET
        else:
            card_token = self.card_token

        entitlement_id: None | str | Unset
        if isinstance(self.entitlement_id, Unset):
            entitlement_id = UNSET
        elif isinstance(self.entitlement_id, UUID):
            entitlement_id = str(self.entitlement_id)
        else:
            entitlement_id = self.entitlement_id

        pay_later = self.pay_later

        payment_method_id: None | str | Unset
        if isinstance(self.payment_method_id, Unset):
            payment_method_id = UNSET
        elif isinstance(self.payment_method_id, UUID):
            payment_method_id = str(self.payment_method_id)
        else:
            payment_method_id = self.payment_method_id

        use_wallet = self.use_wallet

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if card_token is not UNSET:
            field_dict["card_token"] = card_token
        if entitlement_id is not UNSET:
            field_dict["entitlement_id"] = entitlement_id
        if pay_later is not UNSET:
            field_dict["pay_later"] = pay_later
        if payment_method_id is not UNSET:
            field_dict["payment_method_id"] = payment_method_id
        if use_wallet is not UNSET:
            field_dict["use_wallet"] = use_wallet

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

        def _parse_entitlement_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                entitlement_id_type_0 = UUID(data)

                return entitlement_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        entitlement_id = _parse_entitlement_id(d.pop("entitlement_id", UNSET))

        pay_later = d.pop("pay_later", UNSET)

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

        use_wallet = d.pop("use_wallet", UNSET)

        payment_in = cls(
            card_token=card_token,
            entitlement_id=entitlement_id,
            pay_later=pay_later,
            payment_method_id=payment_method_id,
            use_wallet=use_wallet,
        )

        return payment_in
