from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.company_out_state import CompanyOutState

T = TypeVar("T", bound="CompanyOut")


@_attrs_define
class CompanyOut:
    """
    Attributes:
        address (None | str):
        allowed_origins (list[str]): Browser origins allowed to call the API (CORS).
        contact_email (None | str):
        contact_phone (None | str):
        create_time (datetime.datetime):
        currency_code (str):
        description (str):
        etag (str): Send it back in If-Match to change the company.
        id (str):
        name (str):
        state (CompanyOutState):
        suspend_reason (None | str):
        time_zone (str):
    """

    address: None | str
    allowed_origins: list[str]
    contact_email: None | str
    contact_phone: None | str
    create_time: datetime.datetime
    currency_code: str
    description: str
    etag: str
    id: str
    name: str
    state: CompanyOutState
    suspend_reason: None | str
    time_zone: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        address: None | str
        address = self.address

        allowed_origins = self.allowed_origins

        contact_email: None | str
        contact_email = self.contact_email

        contact_phone: None | str
        contact_phone = self.contact_phone

        create_time = self.create_time.isoformat()

        currency_code = self.currency_code

        description = self.description

        etag = self.etag

        id = self.id

        name = self.name

        state = self.state.value

        suspend_reason: None | str
        suspend_reason = self.suspend_reason

        time_zone = self.time_zone

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "address": address,
                "allowed_origins": allowed_origins,
                "contact_email": contact_email,
                "contact_phone": contact_phone,
                "create_time": create_time,
                "currency_code": currency_code,
                "description": description,
                "etag": etag,
                "id": id,
                "name": name,
                "state": state,
                "suspend_reason": suspend_reason,
                "time_zone": time_zone,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_address(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        address = _parse_address(d.pop("address"))

        allowed_origins = cast(list[str], d.pop("allowed_origins"))

        def _parse_contact_email(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        contact_email = _parse_contact_email(d.pop("contact_email"))

        def _parse_contact_phone(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        contact_phone = _parse_contact_phone(d.pop("contact_phone"))

        create_time = datetime.datetime.fromisoformat(d.pop("create_time"))

        currency_code = d.pop("currency_code")

        description = d.pop("description")

        etag = d.pop("etag")

        id = d.pop("id")

        name = d.pop("name")

        state = CompanyOutState(d.pop("state"))

        def _parse_suspend_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        suspend_reason = _parse_suspend_reason(d.pop("suspend_reason"))

        time_zone = d.pop("time_zone")

        company_out = cls(
            address=address,
            allowed_origins=allowed_origins,
            contact_email=contact_email,
            contact_phone=contact_phone,
            create_time=create_time,
            currency_code=currency_code,
            description=description,
            etag=etag,
            id=id,
            name=name,
            state=state,
            suspend_reason=suspend_reason,
            time_zone=time_zone,
        )

        company_out.additional_properties = d
        return company_out

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
