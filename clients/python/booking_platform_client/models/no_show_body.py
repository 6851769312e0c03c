from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="NoShowBody")


@_attrs_define
class NoShowBody:
    """
    Attributes:
        no_show (bool): true: the customer did not come (a started CONFIRMED booking becomes NO_SHOW); false: they came
            after all (a NO_SHOW becomes CHECKED_IN).
        reason (str):
    """

    no_show: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        no_show = self.no_show

        reason = self.reason

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "no_show": no_show,
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        no_show = d.pop("no_show")

        reason = d.pop("reason")

        no_show_body = cls(
            no_show=no_show,
            reason=reason,
        )

        return no_show_body
