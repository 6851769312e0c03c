from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="CancellationWindow")


@_attrs_define
class CancellationWindow:
    """
    Attributes:
        minutes_before_start (int):
        refund_percent (int):
    """

    minutes_before_start: int
    refund_percent: int

    def to_dict(self) -> dict[str, Any]:
        minutes_before_start = self.minutes_before_start

        refund_percent = self.refund_percent

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "minutes_before_start": minutes_before_start,
                "refund_percent": refund_percent,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        minutes_before_start = d.pop("minutes_before_start")

        refund_percent = d.pop("refund_percent")

        cancellation_window = cls(
            minutes_before_start=minutes_before_start,
            refund_percent=refund_percent,
        )

        return cancellation_window
