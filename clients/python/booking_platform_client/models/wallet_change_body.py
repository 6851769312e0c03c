from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.wallet_change_body_balance import WalletChangeBodyBalance
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.amount_in import AmountIn


T = TypeVar("T", bound="WalletChangeBody")


@_attrs_define
class WalletChangeBody:
    """
    Attributes:
        amount (AmountIn):
        reason (str):
        balance (WalletChangeBodyBalance | Unset): MAIN or BONUS. Default: WalletChangeBodyBalance.MAIN.
    """

    amount: AmountIn
    reason: str
    balance: WalletChangeBodyBalance | Unset = WalletChangeBodyBalance.MAIN

    def to_dict(self) -> dict[str, Any]:
        amount = self.amount.to_dict()

        reason = self.reason

        balance: str | Unset = UNSET
        if not isinstance(self.balance, Unset):
            balance = self.balance.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "amount": amount,
                "reason": reason,
            }
        )
        if balance is not UNSET:
            field_dict["balance"] = balance

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.amount_in import AmountIn

        d = dict(src_dict)
        amount = AmountIn.from_dict(d.pop("amount"))

        reason = d.pop("reason")

        _balance = d.pop("balance", UNSET)
        balance: WalletChangeBodyBalance | Unset
        if isinstance(_balance, Unset):
            balance = UNSET
        else:
            balance = WalletChangeBodyBalance(_balance)

        wallet_change_body = cls(
            amount=amount,
            reason=reason,
            balance=balance,
        )

        return wallet_change_body
