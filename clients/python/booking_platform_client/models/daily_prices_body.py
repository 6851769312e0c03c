from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.daily_price_in import DailyPriceIn


T = TypeVar("T", bound="DailyPricesBody")


@_attrs_define
class DailyPricesBody:
    """
    Attributes:
        prices (list[DailyPriceIn]):
    """

    prices: list[DailyPriceIn]

    def to_dict(self) -> dict[str, Any]:
        prices = []
        for prices_item_data in self.prices:
            prices_item = prices_item_data.to_dict()
            prices.append(prices_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "prices": prices,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.daily_price_in import DailyPriceIn

        d = dict(src_dict)
        prices = []
        _prices = d.pop("prices")
        for prices_item_data in _prices:
            prices_item = DailyPriceIn.from_dict(prices_item_data)

            prices.append(prices_item)

        daily_prices_body = cls(
            prices=prices,
        )

        return daily_prices_body
