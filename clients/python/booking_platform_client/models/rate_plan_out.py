from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.money import Money


T = TypeVar("T", bound="RatePlanOut")


@_attrs_define
class RatePlanOut:
    """
    Attributes:
        company_id (str):
        create_time (datetime.datetime):
        default_nightly_price (Money):
        etag (str):
        id (str):
        name (str):
        resource_id (str):
    """

    company_id: str
    create_time: datetime.datetime
    default_nightly_price: Money
    etag: str
    id: str
    name: str
    resource_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        company_id = self.company_id

        create_time = self.create_time.isoformat()

        default_nightly_price = self.default_nightly_price.to_dict()

        etag = self.etag

        id = self.id

        name = self.name

        resource_id = self.resource_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "company_id": company_id,
                "create_time": create_time,
                "default_nightly_price": default_nightly_price,
                "etag": etag,
                "id": id,
                "name": name,
                "resource_id": resource_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.money import Money

        d = dict(src_dict)
        company_id = d.pop("company_id")

        create_time = datetime.datetime.fromisoformat(d.pop("create_time"))

        default_nightly_price = Money.from_dict(d.pop("default_nightly_price"))

        etag = d.pop("etag")

        id = d.pop("id")

        name = d.pop("name")

        resource_id = d.pop("resource_id")

        rate_plan_out = cls(
            company_id=company_id,
            create_time=create_time,
            default_nightly_price=default_nightly_price,
            etag=etag,
            id=id,
            name=name,
            resource_id=resource_id,
        )

        rate_plan_out.additional_properties = d
        return rate_plan_out

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
