from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.saga_step_out import SagaStepOut


T = TypeVar("T", bound="SagaOut")


@_attrs_define
class SagaOut:
    """
    Attributes:
        attempt (int):
        booking_id (str):
        company_id (None | str):
        create_time (datetime.datetime | None):
        current_step (None | str):
        deadline_time (datetime.datetime | None):
        id (str):
        kind (str):
        needs_attention (bool): A step after the pivot keeps failing: an operator should look.
        reason (None | str): Why the saga compensated (reason code), or the operator's last note.
        state (str):
        steps (list[SagaStepOut]): The step log, oldest first (empty in lists).
        update_time (datetime.datetime | None):
        trace_id (None | str | Unset): The OpenTelemetry trace of the request that started the saga (32 hex digits).
    """

    attempt: int
    booking_id: str
    company_id: None | str
    create_time: datetime.datetime | None
    current_step: None | str
    deadline_time: datetime.datetime | None
    id: str
    kind: str
    needs_attention: bool
    reason: None | str
    state: str
    steps: list[SagaStepOut]
    update_time: datetime.datetime | None
    trace_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempt = self.attempt

        booking_id = self.booking_id

        company_id: None | str
        company_id = self.company_id

        create_time: None | str
        if isinstance(self.create_time, datetime.datetime):
            create_time = self.create_time.isoformat()
        else:
            create_time = self.create_time

        current_step: None | str
        current_step = self.current_step

        deadline_time: None | str
        if isinstance(self.deadline_time, datetime.datetime):
            deadline_time = self.deadline_time.isoformat()
        else:
            deadline_time = self.deadline_time

        id = self.id

        kind = self.kind

        needs_attention = self.needs_attention

        reason: None | str
        reason = self.reason

        state = self.state

        steps = []
        for steps_item_data in self.steps:
            steps_item = steps_item_data.to_dict()
            steps.append(steps_item)

        update_time: None | str
        if isinstance(self.update_time, datetime.datetime):
            update_time = self.update_time.isoformat()
        else:
            update_time = self.update_time

        trace_id: None | str | Unset
        if isinstance(self.trace_id, Unset):
            trace_id = UNSET
        else:
            trace_id = self.trace_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempt": attempt,
                "booking_id": booking_id,
                "company_id": company_id,
                "create_time": create_time,
                "current_step": current_step,
                "deadline_time": deadline_time,
                "id": id,
                "kind": kind,
                "needs_attention": needs_attention,
                "reason": reason,
                "state": state,
                "steps": steps,
                "update_time": update_time,
            }
        )
        if trace_id is not UNSET:
            field_dict["trace_id"] = trace_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.saga_step_out import SagaStepOut

        d = dict(src_dict)
        attempt = d.pop("attempt")

        booking_id = d.pop("booking_id")

        def _parse_company_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        company_id = _parse_company_id(d.pop("company_id"))

        def _parse_create_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                create_time_type_0 = datetime.datetime.fromisoformat(data)

                return create_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        create_time = _parse_create_time(d.pop("create_time"))

        def _parse_current_step(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        current_step = _parse_current_step(d.pop("current_step"))

        def _parse_deadline_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                deadline_time_type_0 = datetime.datetime.fromisoformat(data)

                return deadline_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        deadline_time = _parse_deadline_time(d.pop("deadline_time"))

        id = d.pop("id")

        kind = d.pop("kind")

        needs_attention = d.pop("needs_attention")

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        state = d.pop("state")

        steps = []
        _steps = d.pop("steps")
        for steps_item_data in _steps:
            steps_item = SagaStepOut.from_dict(steps_item_data)

            steps.append(steps_item)

        def _parse_update_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                update_time_type_0 = datetime.datetime.fromisoformat(data)

                return update_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        update_time = _parse_update_time(d.pop("update_time"))

        def _parse_trace_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        trace_id = _parse_trace_id(d.pop("trace_id", UNSET))

        saga_out = cls(
            attempt=attempt,
            booking_id=booking_id,
            company_id=company_id,
            create_time=create_time,
            current_step=current_step,
            deadline_time=deadline_time,
            id=id,
            kind=kind,
            needs_attention=needs_attention,
            reason=reason,
            state=state,
            steps=steps,
            update_time=update_time,
            trace_id=trace_id,
        )

        saga_out.additional_properties = d
        return saga_out

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
