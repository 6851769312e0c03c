from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.price_in import PriceIn


T = TypeVar("T", bound="HourlyRateBody")


@_attrs_define
class HourlyRateBody:
    """
    Attributes:
        hourly_rate (PriceIn):
    """

    hourly_rate: PriceIn

    def to_dict(self) -> dict[str, Any]:
        hourly_rate = self.hourly_rate.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "hourly_rate": hourly_rate,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.price_in import PriceIn

        d = dict(src_dict)
        hourly_rate = PriceIn.from_dict(d.pop("hourly_rate"))

        hourly_rate_body = cls(
            hourly_rate=hourly_rate,
        )

        return hourly_rate_body
