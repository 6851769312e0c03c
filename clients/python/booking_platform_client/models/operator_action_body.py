from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="OperatorActionBody")


@_attrs_define
class OperatorActionBody:
    """An operator's action on a saga: the reason goes to the saga's step log.

    Attributes:
        reason (str): Why (required, not blank); recorded in the step log.
    """

    reason: str

    def to_dict(self) -> dict[str, Any]:
        reason = self.reason

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        reason = d.pop("reason")

        operator_action_body = cls(
            reason=reason,
        )

        return operator_action_body
