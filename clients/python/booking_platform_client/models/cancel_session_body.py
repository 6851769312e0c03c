from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.cancel_session_body_scope import CancelSessionBodyScope
from ..types import UNSET, Unset

T = TypeVar("T", bound="CancelSessionBody")


@_attrs_define
class CancelSessionBody:
    """
    Attributes:
        reason (str):
        scope (CancelSessionBodyScope | Unset): `following`: this occurrence and every later one of its series. Default:
            CancelSessionBodyScope.THIS.
    """

    reason: str
    scope: CancelSessionBodyScope | Unset = CancelSessionBodyScope.THIS

    def to_dict(self) -> dict[str, Any]:
        reason = self.reason

        scope: str | Unset = UNSET
        if not isinstance(self.scope, Unset):
            scope = self.scope.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "reason": reason,
            }
        )
        if scope is not UNSET:
            field_dict["scope"] = scope

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        reason = d.pop("reason")

        _scope = d.pop("scope", UNSET)
        scope: CancelSessionBodyScope | Unset
        if isinstance(_scope, Unset):
            scope = UNSET
        else:
            scope = CancelSessionBodyScope(_scope)

        cancel_session_body = cls(
            reason=reason,
            scope=scope,
        )

        return cancel_session_body
