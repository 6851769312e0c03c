from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.price_in import PriceIn


T = TypeVar("T", bound="DailyPriceIn")


@_attrs_define
class DailyPriceIn:
    """
    Attributes:
        date (datetime.date): ISO-8601 date between 1970-01-01 and 2200-01-01.
        price (None | PriceIn): null clears the entry of that date.
        override (bool | Unset): An override wins over the daily price. Default: False.
    """

    date: datetime.date
    price: None | PriceIn
    override: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        from ..models.price_in import PriceIn

        date = self.date.isoformat()

        price: dict[str, Any] | None
        if isinstance(self.price, PriceIn):
            price = self.price.to_dict()
        else:
            price = self.price

        override = self.override

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "date": date,
                "price": price,
            }
        )
        if override is not UNSET:
            field_dict["override"] = override

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.price_in import PriceIn

        d = dict(src_dict)
        date = datetime.date.fromisoformat(d.pop("date"))

        def _parse_price(data: object) -> None | PriceIn:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                price_type_0 = PriceIn.from_dict(data)

                return price_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PriceIn, data)

        price = _parse_price(d.pop("price"))

        override = d.pop("override", UNSET)

        daily_price_in = cls(
            date=date,
            price=price,
            override=override,
        )

        return daily_price_in
