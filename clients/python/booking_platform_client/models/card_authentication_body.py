from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="CardAuthenticationBody")


@_attrs_define
class CardAuthenticationBody:
    """
    Attributes:
        approve (bool): true: pass the 3-D Secure check; false: refuse it.
    """

    approve: bool

    def to_dict(self) -> dict[str, Any]:
        approve = self.approve

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "approve": approve,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        approve = d.pop("approve")

        card_authentication_body = cls(
            approve=approve,
        )

        return card_authentication_body
