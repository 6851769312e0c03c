from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.dead_letter_out_headers import DeadLetterOutHeaders


T = TypeVar("T", bound="DeadLetterOut")


@_attrs_define
class DeadLetterOut:
    """
    Attributes:
        consumer (str):
        dead_letter_time (datetime.datetime | None):
        deliveries (int):
        headers (DeadLetterOutHeaders):
        id (str): The dead letter's sequence in the DLQ stream.
        original_message_id (None | str):
        original_sequence (int):
        original_stream (str):
        original_subject (str):
        original_time (datetime.datetime | None):
        payload_base64 (str):
        reason (str):
        replay_message_id (None | str):
        replay_time (datetime.datetime | None):
        replayed (bool):
        service (str):
        summary (None | str): The payload, readable, when its type is known.
    """

    consumer: str
    dead_letter_time: datetime.datetime | None
    deliveries: int
    headers: DeadLetterOutHeaders
    id: str
    original_message_id: None | str
    original_sequence: int
    original_stream: str
    original_subject: str
    original_time: datetime.datetime | None
    payload_base64: str
    reason: str
    replay_message_id: None | str
    replay_time: datetime.datetime | None
    replayed: bool
    service: str
    summary: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        consumer = self.consumer

        dead_letter_time: None | str
        if isinstance(self.dead_letter_time, datetime.datetime):
            dead_letter_time = self.dead_letter_time.isoformat()
        else:
            dead_letter_time = self.dead_letter_time

        deliveries = self.deliveries

        headers = self.headers.to_dict()

        id = self.id

        original_message_id: None | str
        original_message_id = self.original_message_id

        original_sequence = self.original_sequence

        original_stream = self.original_stream

        original_subject = self.original_subject

        original_time: None | str
        if isinstance(self.original_time, datetime.datetime):
            original_time = self.original_time.isoformat()
        else:
            original_time = self.original_time

        payload_base64 = self.payload_base64

        reason = self.reason

        replay_message_id: None | str
        replay_message_id = self.replay_message_id

        replay_time: None | str
        if isinstance(self.replay_time, datetime.datetime):
            replay_time = self.replay_time.isoformat()
        else:
            replay_time = self.replay_time

        replayed = self.replayed

        service = self.service

        summary: None | str
        summary = self.summary

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "consumer": consumer,
                "dead_letter_time": dead_letter_time,
                "deliveries": deliveries,
                "headers": headers,
                "id": id,
                "original_message_id": original_message_id,
                "original_sequence": original_sequence,
                "original_stream": original_stream,
                "original_subject": original_subject,
                "original_time": original_time,
                "payload_base64": payload_base64,
                "reason": reason,
                "replay_message_id": replay_message_id,
                "replay_time": replay_time,
                "replayed": replayed,
                "service": service,
                "summary": summary,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.dead_letter_out_headers import DeadLetterOutHeaders

        d = dict(src_dict)
        consumer = d.pop("consumer")

        def _parse_dead_letter_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                dead_letter_time_type_0 = datetime.datetime.fromisoformat(data)

                return dead_letter_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        dead_letter_time = _parse_dead_letter_time(d.pop("dead_letter_time"))

        deliveries = d.pop("deliveries")

        headers = DeadLetterOutHeaders.from_dict(d.pop("headers"))

        id = d.pop("id")

        def _parse_original_message_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        original_message_id = _parse_original_message_id(d.pop("original_message_id"))

        original_sequence = d.pop("original_sequence")

        original_stream = d.pop("original_stream")

        original_subject = d.pop("original_subject")

        def _parse_original_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                original_time_type_0 = datetime.datetime.fromisoformat(data)

                return original_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        original_time = _parse_original_time(d.pop("original_time"))

        payload_base64 = d.pop("payload_base64")

        reason = d.pop("reason")

        def _parse_replay_message_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        replay_message_id = _parse_replay_message_id(d.pop("replay_message_id"))

        def _parse_replay_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                replay_time_type_0 = datetime.datetime.fromisoformat(data)

                return replay_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        replay_time = _parse_replay_time(d.pop("replay_time"))

        replayed = d.pop("replayed")

        service = d.pop("service")

        def _parse_summary(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        summary = _parse_summary(d.pop("summary"))

        dead_letter_out = cls(
            consumer=consumer,
            dead_letter_time=dead_letter_time,
            deliveries=deliveries,
            headers=headers,
            id=id,
            original_message_id=original_message_id,
            original_sequence=original_sequence,
            original_stream=original_stream,
            original_subject=original_subject,
            original_time=original_time,
            payload_base64=payload_base64,
            reason=reason,
            replay_message_id=replay_message_id,
            replay_time=replay_time,
            replayed=replayed,
            service=service,
            summary=summary,
        )

        dead_letter_out.additional_properties = d
        return dead_letter_out

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
