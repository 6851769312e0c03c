from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.money import Money


T = TypeVar("T", bound="RefundOut")


@_attrs_define
class RefundOut:
    """What a cancellation gives back, by the policy in force when it was asked for.

    Attributes:
        card (Money):
        create_time (datetime.datetime | None):
        credits_ (int): Pass credits given back.
        percent (int): Percentage of the price refunded (0-100).
        status (str):
        wallet (Money):
    """

    card: Money
    create_time: datetime.datetime | None
    credits_: int
    percent: int
    status: str
    wallet: Money
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        card = self.card.to_dict()

        create_time: None | str
        if isinstance(self.create_time, datetime.datetime):
            create_time = self.create_time.isoformat()
        else:
            create_time = self.create_time

        credits_ = self.credits_

        percent = self.percent

        status = self.status

        wallet = self.wallet.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "card": card,
                "create_time": create_time,
                "credits": credits_,
                "percent": percent,
                "status": status,
                "wallet": wallet,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.money import Money

        d = dict(src_dict)
        card = Money.from_dict(d.pop("card"))

        def _parse_create_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                create_time_type_0 = datetime.datetime.fromisoformat(data)

                return create_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        create_time = _parse_create_time(d.pop("create_time"))

        credits_ = d.pop("credits")

        percent = d.pop("percent")

        status = d.pop("status")

        wallet = Money.from_dict(d.pop("wallet"))

        refund_out = cls(
            card=card,
            create_time=create_time,
            credits_=credits_,
            percent=percent,
            status=status,
            wallet=wallet,
        )

        refund_out.additional_properties = d
        return refund_out

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
