from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="MovedOccurrenceOut")


@_attrs_define
class MovedOccurrenceOut:
    """An occurrence whose local start time does not exist that day (the hour a daylight-saving
    change skips): the session starts at the time after the gap (RFC 5545).

        Attributes:
            local_date (datetime.date):
            local_start_time (str): When the session starts (HH:MM).
            requested_local_time (str): The rule's local time (HH:MM).
            session_id (str):
    """

    local_date: datetime.date
    local_start_time: str
    requested_local_time: str
    session_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        local_date = self.local_date.isoformat()

        local_start_time = self.local_start_time

        requested_local_time = self.requested_local_time

        session_id = self.session_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "local_date": local_date,
                "local_start_time": local_start_time,
                "requested_local_time": requested_local_time,
                "session_id": session_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        local_date = datetime.date.fromisoformat(d.pop("local_date"))

        local_start_time = d.pop("local_start_time")

        requested_local_time = d.pop("requested_local_time")

        session_id = d.pop("session_id")

        moved_occurrence_out = cls(
            local_date=local_date,
            local_start_time=local_start_time,
            requested_local_time=requested_local_time,
            session_id=session_id,
        )

        moved_occurrence_out.additional_properties = d
        return moved_occurrence_out

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
