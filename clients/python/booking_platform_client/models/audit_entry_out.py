from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.audit_entry_out_changed import AuditEntryOutChanged


T = TypeVar("T", bound="AuditEntryOut")


@_attrs_define
class AuditEntryOut:
    """
    Attributes:
        action (str):
        actor_api_key_id (None | str): The API key that made the change.
        actor_role (str):
        actor_user_id (None | str): The user who made the change (none for an API key).
        changed (AuditEntryOutChanged): The changed fields only: {"before": {...}, "after": {...}}; secrets as
            [REDACTED].
        company_id (None | str):
        entity_id (str):
        entity_type (str):
        id (str):
        occurred_at (datetime.datetime):
        reason (None | str):
        request_id (None | str): The X-Request-ID of the HTTP request that made it.
        service (str): The service whose data changed.
        trace_id (None | str):
    """

    action: str
    actor_api_key_id: None | str
    actor_role: str
    actor_user_id: None | str
    changed: AuditEntryOutChanged
    company_id: None | str
    entity_id: str
    entity_type: str
    id: str
    occurred_at: datetime.datetime
    reason: None | str
    request_id: None | str
    service: str
    trace_id: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action

        actor_api_key_id: None | str
        actor_api_key_id = self.actor_api_key_id

        actor_role = self.actor_role

        actor_user_id: None | str
        actor_user_id = self.actor_user_id

        changed = self.changed.to_dict()

        company_id: None | str
        company_id = self.company_id

        entity_id = self.entity_id

        entity_type = self.entity_type

        id = self.id

        occurred_at = self.occurred_at.isoformat()

        reason: None | str
        reason = self.reason

        request_id: None | str
        request_id = self.request_id

        service = self.service

        trace_id: None | str
        trace_id = self.trace_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "actor_api_key_id": actor_api_key_id,
                "actor_role": actor_role,
                "actor_user_id": actor_user_id,
                "changed": changed,
                "company_id": company_id,
                "entity_id": entity_id,
                "entity_type": entity_type,
                "id": id,
                "occurred_at": occurred_at,
                "reason": reason,
                "request_id": request_id,
                "service": service,
                "trace_id": trace_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.audit_entry_out_changed import AuditEntryOutChanged

        d = dict(src_dict)
        action = d.pop("action")

        def _parse_actor_api_key_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        actor_api_key_id = _parse_actor_api_key_id(d.pop("actor_api_key_id"))

        actor_role = d.pop("actor_role")

        def _parse_actor_user_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        actor_user_id = _parse_actor_user_id(d.pop("actor_user_id"))

        changed = AuditEntryOutChanged.from_dict(d.pop("changed"))

        def _parse_company_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        company_id = _parse_company_id(d.pop("company_id"))

        entity_id = d.pop("entity_id")

        entity_type = d.pop("entity_type")

        id = d.pop("id")

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        def _parse_request_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        request_id = _parse_request_id(d.pop("request_id"))

        service = d.pop("service")

        def _parse_trace_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        trace_id = _parse_trace_id(d.pop("trace_id"))

        audit_entry_out = cls(
            action=action,
            actor_api_key_id=actor_api_key_id,
            actor_role=actor_role,
            actor_user_id=actor_user_id,
            changed=changed,
            company_id=company_id,
            entity_id=entity_id,
            entity_type=entity_type,
            id=id,
            occurred_at=occurred_at,
            reason=reason,
            request_id=request_id,
            service=service,
            trace_id=trace_id,
        )

        audit_entry_out.additional_properties = d
        return audit_entry_out

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
