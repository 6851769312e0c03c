from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="UserOut")


@_attrs_define
class UserOut:
    """
    Attributes:
        active (bool): False once deactivated: the account cannot log in or refresh.
        company_id (None | str):
        created_at (datetime.datetime):
        customer_id (None | str):
        display_name (None | str):
        email (str):
        etag (str): Send it back in If-Match to change the user.
        id (str):
        role (str):
    """

    active: bool
    company_id: None | str
    created_at: datetime.datetime
    customer_id: None | str
    display_name: None | str
    email: str
    etag: str
    id: str
    role: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        active = self.active

        company_id: None | str
        company_id = self.company_id

        created_at = self.created_at.isoformat()

        customer_id: None | str
        customer_id = self.customer_id

        display_name: None | str
        display_name = self.display_name

        email = self.email

        etag = self.etag

        id = self.id

        role = self.role

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "active": active,
                "company_id": company_id,
                "created_at": created_at,
                "customer_id": customer_id,
                "display_name": display_name,
                "email": email,
                "etag": etag,
                "id": id,
                "role": role,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        active = d.pop("active")

        def _parse_company_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        company_id = _parse_company_id(d.pop("company_id"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_customer_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        customer_id = _parse_customer_id(d.pop("customer_id"))

        def _parse_display_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        display_name = _parse_display_name(d.pop("display_name"))

        email = d.pop("email")

        etag = d.pop("etag")

        id = d.pop("id")

        role = d.pop("role")

        user_out = cls(
            active=active,
            company_id=company_id,
            created_at=created_at,
            customer_id=customer_id,
            display_name=display_name,
            email=email,
            etag=etag,
            id=id,
            role=role,
        )

        user_out.additional_properties = d
        return user_out

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
