from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

T = TypeVar("T", bound="ExtraIn")


@_attrs_define
class ExtraIn:
    """
    Attributes:
        extra_id (UUID):
        quantity (int):
    """

    extra_id: UUID
    quantity: int

    def to_dict(self) -> dict[str, Any]:
        extra_id = str(self.extra_id)

        quantity = self.quantity

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "extra_id": extra_id,
                "quantity": quantity,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        extra_id = UUID(d.pop("extra_id"))

        quantity = d.pop("quantity")

        extra_in = cls(
            extra_id=extra_id,
            quantity=quantity,
        )

        return extra_in
