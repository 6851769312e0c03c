"""The audit log of the back office: `GET /v1/admin/audit`, every change a person or an API
key made in any service, newest first (gateway.audit_log keeps the one log). Company admins
see their company's entries; platform admins every company's, or one company's."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from gateway import audit_log
from gateway.auth import CompanyAdmin, company_in_reach
from gateway.edge import EdgeDateTime
from gateway.problems import Problem
from gateway.routes.common import PageSize, PageToken, problems
from plumbing.errors import ServiceError
from plumbing.paging import decode_page_token, encode_page_token
from plumbing.principal import Role

router = APIRouter()

Filter = Annotated[str | None, Query(min_length=1, max_length=200)]
Actor = Annotated[str | None, Query(min_length=1, max_length=200, description="A user or API key id.")]
Entity = Annotated[str | None, Query(min_length=1, max_length=200, description="An entity type.")]
From = Annotated[EdgeDateTime | None, Query(alias="from", description="From this time on.")]
To = Annotated[EdgeDateTime | None, Query(alias="to", description="Before this time.")]


class AuditEntryOut(BaseModel):
    id: str
    occurred_at: datetime
    service: str = Field(examples=["bookings"], description="The service whose data changed.")
    company_id: str | None
    actor_user_id: str | None = Field(description="The user who made the change (none for an API key).")
    actor_api_key_id: str | None = Field(description="The API key that made the change.")
    actor_role: str = Field(examples=["COMPANY_ADMIN"])
    entity_type: str = Field(examples=["booking"])
    entity_id: str
    action: str = Field(examples=["booking.cancel"])
    changed: dict[str, Any] = Field(
        description='The changed fields only: {"before": {...}, "after": {...}}; secrets as [REDACTED].',
        examples=[{"before": {"status": "CONFIRMED"}, "after": {"status": "CANCELLED"}}],
    )
    reason: str | None
    request_id: str | None = Field(description="The X-Request-ID of the HTTP request that made it.")
    trace_id: str | None


class AuditEntryList(BaseModel):
    entries: list[AuditEntryOut]
    next_page_token: str | None
    has_more: bool


@router.get(
    "/v1/admin/audit",
    operation_id="listAuditEntries",
    response_model=AuditEntryList,
    tags=["admin"],
    responses=problems(400, 401, 403, 404, 503),
)
async def list_audit_entries(
    request: Request,
    principal: CompanyAdmin,
    actor: Actor = None,
    entity: Entity = None,
    entity_id: Filter = None,
    action: Filter = None,
    occurred_from: From = None,
    occurred_to: To = None,
    company_id: Annotated[
        uuid.UUID | None, Query(description="One company's entries (a company admin's own by default).")
    ] = None,
    page_size: PageSize = 50,
    page_token: PageToken = None,
) -> AuditEntryList:
    """Every change a person or an API key made, in any service, newest first."""
    if company_id is not None:
        company = company_in_reach(principal, company_id)
    elif principal.role is Role.PLATFORM_ADMIN:
        company = None
    else:
        company = principal.company_id
        if company is None:  # a company admin always has one; never widen to every company
            raise Problem(403, "PERMISSION_DENIED", "This endpoint is for company admins.")
    try:
        after = decode_page_token(page_token, datetime, uuid.UUID) if page_token else None
    except ServiceError as error:
        raise Problem(400, error.reason, "The page token is not valid.") from None
    query = audit_log.AuditQuery(
        company_id=company,
        actor=actor,
        entity_type=entity,
        entity_id=entity_id,
        action=action,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
    )
    rows, has_more = await audit_log.list_entries(request.app.state.db, query, limit=page_size, after=after)
    last = rows[-1] if rows and has_more else None
    return AuditEntryList(
        entries=[AuditEntryOut(**{**row, "id": str(row["id"])}) for row in rows],
        next_page_token=encode_page_token(last["occurred_at"], uuid.UUID(str(last["id"]))) if last else None,
        has_more=has_more,
    )
