from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.admin_sessions_session_out import AdminSessionsSessionOut
    from ..models.moved_occurrence_out import MovedOccurrenceOut


T = TypeVar("T", bound="SeriesOut")


@_attrs_define
class SeriesOut:
    """
    Attributes:
        moved_occurrences (list[MovedOccurrenceOut]): The occurrences moved past a daylight-saving gap, soonest first;
            empty when none.
        series_id (str):
        sessions (list[AdminSessionsSessionOut]):
    """

    moved_occurrences: list[MovedOccurrenceOut]
    series_id: str
    sessions: list[AdminSessionsSessionOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        moved_occurrences = []
        for moved_occurrences_item_data in self.moved_occurrences:
            moved_occurrences_item = moved_occurrences_item_data.to_dict()
            moved_occurrences.append(moved_occurrences_item)

        series_id = self.series_id

        sessions = []
        for sessions_item_data in self.sessions:
            sessions_item = sessions_item_data.to_dict()
            sessions.append(sessions_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "moved_occurrences": moved_occurrences,
                "series_id": series_id,
                "sessions": sessions,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.admin_sessions_session_out import AdminSessionsSessionOut
        from ..models.moved_occurrence_out import MovedOccurrenceOut

        d = dict(src_dict)
        moved_occurrences = []
        _moved_occurrences = d.pop("moved_occurrences")
        for moved_occurrences_item_data in _moved_occurrences:
            moved_occurrences_item = MovedOccurrenceOut.from_dict(
                moved_occurrences_item_data
            )

            moved_occurrences.append(moved_occurrences_item)

        series_id = d.pop("series_id")

        sessions = []
        _sessions = d.pop("sessions")
        for sessions_item_data in _sessions:
            sessions_item = AdminSessionsSessionOut.from_dict(sessions_item_data)

            sessions.append(sessions_item)

        series_out = cls(
            moved_occurrences=moved_occurrences,
            series_id=series_id,
            sessions=sessions,
        )

        series_out.additional_properties = d
        return series_out

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
