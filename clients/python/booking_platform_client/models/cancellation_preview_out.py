from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.money import Money


T = TypeVar("T", bound="CancellationPreviewOut")


@_attrs_define
class CancellationPreviewOut:
    """What cancelling the booking now would give back: bookings' own answer, by the rule its
    cancellation uses (the refund steps the booking saved when it was made).

        Attributes:
            at_desk (Money):
            card (Money):
            credits_ (int): Pass credits given back (only with a full refund).
            percent (int): Percentage refunded if cancelled now (0-100).
            preview_time (datetime.datetime | None): The moment this was computed for: a refund step may close right after
                it.
            wallet (Money):
    """

    at_desk: Money
    card: Money
    credits_: int
    percent: int
    preview_time: datetime.datetime | None
    wallet: Money
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        at_desk = self.at_desk.to_dict()

        card = self.card.to_dict()

        credits_ = self.credits_

        percent = self.percent

        preview_time: None | str
        if isinstance(self.preview_time, datetime.datetime):
            preview_time = self.preview_time.isoformat()
        else:
            preview_time = self.preview_time

        wallet = self.wallet.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "at_desk": at_desk,
                "card": card,
                "credits": credits_,
                "percent": percent,
                "preview_time": preview_time,
                "wallet": wallet,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.money import Money

        d = dict(src_dict)
        at_desk = Money.from_dict(d.pop("at_desk"))

        card = Money.from_dict(d.pop("card"))

        credits_ = d.pop("credits")

        percent = d.pop("percent")

        def _parse_preview_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                preview_time_type_0 = datetime.datetime.fromisoformat(data)

                return preview_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        preview_time = _parse_preview_time(d.pop("preview_time"))

        wallet = Money.from_dict(d.pop("wallet"))

        cancellation_preview_out = cls(
            at_desk=at_desk,
            card=card,
            credits_=credits_,
            percent=percent,
            preview_time=preview_time,
            wallet=wallet,
        )

        cancellation_preview_out.additional_properties = d
        return cancellation_preview_out

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
