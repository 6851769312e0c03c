from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.create_endpoint_body_event_types_item import (
    CreateEndpointBodyEventTypesItem,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateEndpointBody")


@_attrs_define
class CreateEndpointBody:
    """
    Attributes:
        event_types (list[CreateEndpointBodyEventTypesItem]):
        url (str): http(s); private addresses only where the gateway allows them.
        company_id (None | Unset | UUID): Platform admins: the company.
        description (str | Unset):  Default: ''.
    """

    event_types: list[CreateEndpointBodyEventTypesItem]
    url: str
    company_id: None | Unset | UUID = UNSET
    description: str | Unset = ""

    def to_dict(self) -> dict[str, Any]:
        event_types = []
        for event_types_item_data in self.event_types:
            event_types_item = event_types_item_data.value
            event_types.append(event_types_item)

        url = self.url

        company_id: None | str | Unset
        if isinstance(self.company_id, Unset):
            company_id = UNSET
        elif isinstance(self.company_id, UUID):
            company_id = str(self.company_id)
        else:
            company_id = self.company_id

        description = self.description

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "event_types": event_types,
                "url": url,
            }
        )
        if company_id is not UNSET:
            field_dict["company_id"] = company_id
        if description is not UNSET:
            field_dict["description"] = description

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        event_types = []
        _event_types = d.pop("event_types")
        for event_types_item_data in _event_types:
            event_types_item = CreateEndpointBodyEventTypesItem(event_types_item_data)

            event_types.append(event_types_item)

        url = d.pop("url")

        def _parse_company_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                company_id_type_0 = UUID(data)

                return company_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        company_id = _parse_company_id(d.pop("company_id", UNSET))

        description = d.pop("description", UNSET)

        create_endpoint_body = cls(
            event_types=event_types,
            url=url,
            company_id=company_id,
            description=description,
        )

        return create_endpoint_body
