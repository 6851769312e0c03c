from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="InviteAcceptRequest")


@_attrs_define
class InviteAcceptRequest:
    """
    Attributes:
        password (str): At least 8 characters.
        token (str):
        display_name (None | str | Unset):
    """

    password: str
    token: str
    display_name: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        password = self.password

        token = self.token

        display_name: None | str | Unset
        if isinstance(self.display_name, Unset):
            display_name = UNSET
        else:
            display_name = self.display_name

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "password": password,
                "token": token,
            }
        )
        if display_name is not UNSET:
            field_dict["display_name"] = display_name

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        password = d.pop("password")

        token = d.pop("token")

        def _parse_display_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        display_name = _parse_display_name(d.pop("display_name", UNSET))

        invite_accept_request = cls(
            password=password,
            token=token,
            display_name=display_name,
        )

        return invite_accept_request
