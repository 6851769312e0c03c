from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.complete_card_authentication_body_approve import (
    CompleteCardAuthenticationBodyApprove,
)

T = TypeVar("T", bound="CompleteCardAuthenticationBody")


@_attrs_define
class CompleteCardAuthenticationBody:
    """
    Attributes:
        approve (CompleteCardAuthenticationBodyApprove):
        token (str):
    """

    approve: CompleteCardAuthenticationBodyApprove
    token: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        approve = self.approve.value

        token = self.token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "approve": approve,
                "token": token,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        approve = CompleteCardAuthenticationBodyApprove(d.pop("approve"))

        token = d.pop("token")

        complete_card_authentication_body = cls(
            approve=approve,
            token=token,
        )

        complete_card_authentication_body.additional_properties = d
        return complete_card_authentication_body

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
