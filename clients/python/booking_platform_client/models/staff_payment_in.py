from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.staff_payment_in_desk_type_0 import StaffPaymentInDeskType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="StaffPaymentIn")


@_attrs_define
class StaffPaymentIn:
    """Paid at the desk (cash or external, the whole price), or from the customer's wallet and
    pass. No card at the desk.

        Attributes:
            desk (None | StaffPaymentInDeskType0 | Unset): CASH or EXTERNAL: paid in full at the desk.
            entitlement_id (None | Unset | UUID):
            use_wallet (bool | Unset):  Default: False.
    """

    desk: None | StaffPaymentInDeskType0 | Unset = UNSET
    entitlement_id: None | Unset | UUID = UNSET
    use_wallet: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        desk: None | str | Unset
        if isinstance(self.desk, Unset):
            desk = UNSET
        elif isinstance(self.desk, StaffPaymentInDeskType0):
            desk = self.desk.value
        else:
            desk = self.desk

        entitlement_id: None | str | Unset
        if isinstance(self.entitlement_id, Unset):
            entitlement_id = UNSET
        elif isinstance(self.entitlement_id, UUID):
            entitlement_id = str(self.entitlement_id)
        else:
            entitlement_id = self.entitlement_id

        use_wallet = self.use_wallet

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if desk is not UNSET:
            field_dict["desk"] = desk
        if entitlement_id is not UNSET:
            field_dict["entitlement_id"] = entitlement_id
        if use_wallet is not UNSET:
            field_dict["use_wallet"] = use_wallet

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_desk(data: object) -> None | StaffPaymentInDeskType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                desk_type_0 = StaffPaymentInDeskType0(data)

                return desk_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | StaffPaymentInDeskType0 | Unset, data)

        desk = _parse_desk(d.pop("desk", UNSET))

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

        use_wallet = d.pop("use_wallet", UNSET)

        staff_payment_in = cls(
            desk=desk,
            entitlement_id=entitlement_id,
            use_wallet=use_wallet,
        )

        return staff_payment_in
