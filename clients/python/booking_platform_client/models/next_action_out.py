from __future__ import annotations

from collections.abc import Mapping
from typing import (
    Any,
    Literal,
    Self,
    TypeVar,
    cast,
)

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="NextActionOut")


@_attrs_define
class NextActionOut:
    """
    Attributes:
        token (str): The signed token of this check (keep it private; it expires).
        type_ (Literal['AUTHENTICATE_CARD']): The card holder must pass the card's 3-D Secure check before the booking
            can confirm.
        url (str): The challenge page: open it with `Authorization: Bearer <token>` (never in the address).
    """

    token: str
    type_: Literal["AUTHENTICATE_CARD"]
    url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        token = self.token

        type_ = self.type_

        url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "token": token,
                "type": type_,
                "url": url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        token = d.pop("token")

        type_ = cast(Literal["AUTHENTICATE_CARD"], d.pop("type"))
        if type_ != "AUTHENTICATE_CARD":
            raise ValueError(
                f"type must match const 'AUTHENTICATE_CARD', got '{type_}'"
            )

        url = d.pop("url")

        next_action_out = cls(
            token=token,
            type_=type_,
            url=url,
        )

        next_action_out.additional_properties = d
        return next_action_out

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
