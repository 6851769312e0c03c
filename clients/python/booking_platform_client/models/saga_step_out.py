from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SagaStepOut")


@_attrs_define
class SagaStepOut:
    """
    Attributes:
        action (str):
        attempt (int):
        create_time (datetime.datetime | None):
        kind (str):
        message_id (None | str):
        outcome (str):
        step (str):
        amount_minor (int | Unset): Replies: what the participant covered, in minor units. Default: 0.
        bonus_minor (int | Unset): Wallet replies: the bonus part of amount_minor. Default: 0.
        reference (None | str | Unset): Replies: the participant's record id.
    """

    action: str
    attempt: int
    create_time: datetime.datetime | None
    kind: str
    message_id: None | str
    outcome: str
    step: str
    amount_minor: int | Unset = 0
    bonus_minor: int | Unset = 0
    reference: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action

        attempt = self.attempt

        create_time: None | str
        if isinstance(self.create_time, datetime.datetime):
            create_time = self.create_time.isoformat()
        else:
            create_time = self.create_time

        kind = self.kind

        message_id: None | str
        message_id = self.message_id

        outcome = self.outcome

        step = self.step

        amount_minor = self.amount_minor

        bonus_minor = self.bonus_minor

        reference: None | str | Unset
        if isinstance(self.reference, Unset):
            reference = UNSET
        else:
            reference = self.reference

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "attempt": attempt,
                "create_time": create_time,
                "kind": kind,
                "message_id": message_id,
                "outcome": outcome,
                "step": step,
            }
        )
        if amount_minor is not UNSET:
            field_dict["amount_minor"] = amount_minor
        if bonus_minor is not UNSET:
            field_dict["bonus_minor"] = bonus_minor
        if reference is not UNSET:
            field_dict["reference"] = reference

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        action = d.pop("action")

        attempt = d.pop("attempt")

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

        kind = d.pop("kind")

        def _parse_message_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        message_id = _parse_message_id(d.pop("message_id"))

        outcome = d.pop("outcome")

        step = d.pop("step")

        amount_minor = d.pop("amount_minor", UNSET)

        bonus_minor = d.pop("bonus_minor", UNSET)

        def _parse_reference(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reference = _parse_reference(d.pop("reference", UNSET))

        saga_step_out = cls(
            action=action,
            attempt=attempt,
            create_time=create_time,
            kind=kind,
            message_id=message_id,
            outcome=outcome,
            step=step,
            amount_minor=amount_minor,
            bonus_minor=bonus_minor,
            reference=reference,
        )

        saga_step_out.additional_properties = d
        return saga_step_out

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
