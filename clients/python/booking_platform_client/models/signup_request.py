from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SignupRequest")


@_attrs_define
class SignupRequest:
    """
    Attributes:
        display_name (str):
        email (str):
        password (str): At least 8 characters.
        email_code (None | str | Unset): The code e-mailed to the address when it is already a customer's in the company
            (a guest who booked): asked for by 409 `EMAIL_CODE_REQUIRED`.
    """

    display_name: str
    email: str
    password: str
    email_code: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        display_name = self.display_name

        email = self.email

        password = self.password

        email_code: None | str | Unset
        if isinstance(self.email_code, Unset):
            email_code = UNSET
        else:
            email_code = self.email_code

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "display_name": display_name,
                "email": email,
                "password": password,
            }
        )
        if email_code is not UNSET:
            field_dict["email_code"] = email_code

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        display_name = d.pop("display_name")

        email = d.pop("email")

        password = d.pop("password")

        def _parse_email_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email_code = _parse_email_code(d.pop("email_code", UNSET))

        signup_request = cls(
            display_name=display_name,
            email=email,
            password=password,
            email_code=email_code,
        )

        return signup_request
