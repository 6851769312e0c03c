from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.money import Money


T = TypeVar("T", bound="PassProductOut")


@_attrs_define
class PassProductOut:
    """
    Attributes:
        archive_time (datetime.datetime | None):
        company_id (str):
        credits_ (int):
        etag (str):
        id (str):
        name (str):
        price (Money):
        resource_ids (list[str]):
        validity_days (int):
    """

    archive_time: datetime.datetime | None
    company_id: str
    credits_: int
    etag: str
    id: str
    name: str
    price: Money
    resource_ids: list[str]
    validity_days: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        archive_time: None | str
        if isinstance(self.archive_time, datetime.datetime):
            archive_time = self.archive_time.isoformat()
        else:
            archive_time = self.archive_time

        company_id = self.company_id

        credits_ = self.credits_

        etag = self.etag

        id = self.id

        name = self.name

        price = self.price.to_dict()

        resource_ids = self.resource_ids

        validity_days = self.validity_days

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "archive_time": archive_time,
                "company_id": company_id,
                "credits": credits_,
                "etag": etag,
                "id": id,
                "name": name,
                "price": price,
                "resource_ids": resource_ids,
                "validity_days": validity_days,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.money import Money

        d = dict(src_dict)

        def _parse_archive_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                archive_time_type_0 = datetime.datetime.fromisoformat(data)

                return archive_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        archive_time = _parse_archive_time(d.pop("archive_time"))

        company_id = d.pop("company_id")

        credits_ = d.pop("credits")

        etag = d.pop("etag")

        id = d.pop("id")

        name = d.pop("name")

        price = Money.from_dict(d.pop("price"))

        resource_ids = cast(list[str], d.pop("resource_ids"))

        validity_days = d.pop("validity_days")

        pass_product_out = cls(
            archive_time=archive_time,
            company_id=company_id,
            credits_=credits_,
            etag=etag,
            id=id,
            name=name,
            price=price,
            resource_ids=resource_ids,
            validity_days=validity_days,
        )

        pass_product_out.additional_properties = d
        return pass_product_out

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
