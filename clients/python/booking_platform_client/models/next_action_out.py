from __future__ import annotations

import datetime
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

from ..types import UNSET, Unset

T = TypeVar("T", bound="NextActionOut")


@_attrs_define
class NextActionOut:
    """
    Attributes:
        token (str): The signed token of this check (keep it private; it expires).
        type_ (Literal['AUTHENTICATE_CARD']): The card holder must pass the card's 3-D Secure check before the booking
            can confirm.
        url (str): The challenge page: open it with `Authorization: Bearer <token>` (never in the address).
        expire_time (datetime.datetime | None | Unset): Past it the check times out: the booking is REJECTED
            `AUTHENTICATION_TIMEOUT`, nothing charged.
    """

    token: str
    type_: Literal["AUTHENTICATE_CARD"]
    url: str
    expire_time: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        token = self.token

        type_ = self.type_

        url = self.url

        expire_time: None | str | Unset
        if isinstance(self.expire_time, Unset):
            expire_time = UNSET
        elif isinstance(self.expire_time, datetime.datetime):
            expire_time = self.expire_time.isoformat()
        else:
            expire_time = self.expire_time

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "token": token,
                "type": type_,
                "url": url,
            }
        )
        if expire_time is not UNSET:
            field_dict["expire_time"] = expire_time

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

        def _parse_expire_time(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expire_time_type_0 = datetime.datetime.fromisoformat(data)

                return expire_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        expire_time = _parse_expire_time(d.pop("expire_time", UNSET))

        next_action_out = cls(
            token=token,
            type_=type_,
            url=url,
            expire_time=expire_time,
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
