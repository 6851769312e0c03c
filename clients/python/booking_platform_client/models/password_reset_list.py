from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.password_reset_out import PasswordResetOut


T = TypeVar("T", bound="PasswordResetList")


@_attrs_define
class PasswordResetList:
    """
    Attributes:
        has_more (bool):
        next_page_token (None | str):
        password_resets (list[PasswordResetOut]):
    """

    has_more: bool
    next_page_token: None | str
    password_resets: list[PasswordResetOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        has_more = self.has_more

        next_page_token: None | str
        next_page_token = self.next_page_token

        password_resets = []
        for password_resets_item_data in self.password_resets:
            password_resets_item = password_resets_item_data.to_dict()
            password_resets.append(password_resets_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "has_more": has_more,
                "next_page_token": next_page_token,
                "password_resets": password_resets,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.password_reset_out import PasswordResetOut

        d = dict(src_dict)
        has_more = d.pop("has_more")

        def _parse_next_page_token(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_page_token = _parse_next_page_token(d.pop("next_page_token"))

        password_resets = []
        _password_resets = d.pop("password_resets")
        for password_resets_item_data in _password_resets:
            password_resets_item = PasswordResetOut.from_dict(password_resets_item_data)

            password_resets.append(password_resets_item)

        password_reset_list = cls(
            has_more=has_more,
            next_page_token=next_page_token,
            password_resets=password_resets,
        )

        password_reset_list.additional_properties = d
        return password_reset_list

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
