from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="CreateCompanyBody")


@_attrs_define
class CreateCompanyBody:
    """
    Attributes:
        currency_code (str):
        name (str):
        time_zone (str):
    """

    currency_code: str
    name: str
    time_zone: str

    def to_dict(self) -> dict[str, Any]:
        currency_code = self.currency_code

        name = self.name

        time_zone = self.time_zone

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "currency_code": currency_code,
                "name": name,
                "time_zone": time_zone,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        currency_code = d.pop("currency_code")

        name = d.pop("name")

        time_zone = d.pop("time_zone")

        create_company_body = cls(
            currency_code=currency_code,
            name=name,
            time_zone=time_zone,
        )

        return create_company_body
