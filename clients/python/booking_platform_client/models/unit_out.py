from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="UnitOut")


@_attrs_define
class UnitOut:
    """
    Attributes:
        archived (bool):
        company_id (str):
        create_time (datetime.datetime):
        etag (str):
        id (str):
        name (str):
        resource_id (str):
    """

    archived: bool
    company_id: str
    create_time: datetime.datetime
    etag: str
    id: str
    name: str
    resource_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        archived = self.archived

        company_id = self.company_id

        create_time = self.create_time.isoformat()

        etag = self.etag

        id = self.id

        name = self.name

        resource_id = self.resource_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "archived": archived,
                "company_id": company_id,
                "create_time": create_time,
                "etag": etag,
                "id": id,
                "name": name,
                "resource_id": resource_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        archived = d.pop("archived")

        company_id = d.pop("company_id")

        create_time = datetime.datetime.fromisoformat(d.pop("create_time"))

        etag = d.pop("etag")

        id = d.pop("id")

        name = d.pop("name")

        resource_id = d.pop("resource_id")

        unit_out = cls(
            archived=archived,
            company_id=company_id,
            create_time=create_time,
            etag=etag,
            id=id,
            name=name,
            resource_id=resource_id,
        )

        unit_out.additional_properties = d
        return unit_out

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
