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

T = TypeVar("T", bound="CustomerNextActionOut")


@_attrs_define
class CustomerNextActionOut:
    """What the customer must do before the booking can go on: pass the card's 3-D Secure check.

    Attributes:
        expire_time (datetime.datetime | None): Past it the check times out: the booking is REJECTED
            `AUTHENTICATION_TIMEOUT`, nothing charged.
        payment_id (str): The card payment waiting for the check.
        type_ (Literal['AUTHENTICATE_CARD']): The card holder must pass the card's 3-D Secure check before the booking
            can confirm.
        url (str): POST `{"approve": true}` (or `false` to refuse) to it with your own access token:
            `/v1/bookings/{id}/authenticate`. No other token: nothing secret is in the answer or an address.
    """

    expire_time: datetime.datetime | None
    payment_id: str
    type_: Literal["AUTHENTICATE_CARD"]
    url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        expire_time: None | str
        if isinstance(self.expire_time, datetime.datetime):
            expire_time = self.expire_time.isoformat()
        else:
            expire_time = self.expire_time

        payment_id = self.payment_id

        type_ = self.type_

        url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "expire_time": expire_time,
                "payment_id": payment_id,
                "type": type_,
                "url": url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_expire_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expire_time_type_0 = datetime.datetime.fromisoformat(data)

                return expire_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        expire_time = _parse_expire_time(d.pop("expire_time"))

        payment_id = d.pop("payment_id")

        type_ = cast(Literal["AUTHENTICATE_CARD"], d.pop("type"))
        if type_ != "AUTHENTICATE_CARD":
            raise ValueError(
                f"type must match const 'AUTHENTICATE_CARD', got '{type_}'"
            )

        url = d.pop("url")

        customer_next_action_out = cls(
            expire_time=expire_time,
            payment_id=payment_id,
            type_=type_,
            url=url,
        )

        customer_next_action_out.additional_properties = d
        return customer_next_action_out

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
