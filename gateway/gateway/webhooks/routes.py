"""The webhook admin API (`/v1/admin/webhooks/...`): a company's endpoints (the secret is
answered once, by the create) and the delivery log with a manual redeliver. Company admins
of the company (a platform admin: any company, naming it); another company's ids are 404."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import AnyUrl, BaseModel, ConfigDict, Field, model_validator

from gateway.auth import CompanyAdmin, Principal
from gateway.problems import Problem
from gateway.routes.common import (
    IfMatch,
    Once,
    PageSize,
    PageToken,
    company_of,
    if_match_version,
    problems,
    with_etag,
)
from gateway.webhooks import signing, store
from gateway.webhooks.events import EVENT_TYPES
from gateway.webhooks.urls import check_destination
from plumbing import audit
from plumbing.db import Database
from plumbing.errors import ServiceError
from plumbing.paging import decode_page_token, encode_page_token
from plumbing.principal import Role
from plumbing.text import DESCRIPTION_PATTERN

router = APIRouter(tags=["webhooks admin"])
EventType = Literal[
    "booking.payment_due",
    "booking.confirmed",
    "booking.rejected",
    "booking.cancelling",
    "booking.cancelled",
    "refund.completed",
    "booking.no_show",
    "booking.no_show_overturned",
    "booking.changed",
    "booking.change_failed",
]
assert set(EventType.__args__) == set(EVENT_TYPES)  # type: ignore[attr-defined]
Url = Annotated[AnyUrl, Field(description="http(s); private addresses only where the gateway allows them.")]
EventTypes = Annotated[list[EventType], Field(min_length=1, max_length=len(EVENT_TYPES))]


class CreateEndpointBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    company_id: uuid.UUID | None = Field(default=None, description="Platform admins: the company.")
    url: Url
    description: str = Field(default="", max_length=500, pattern=DESCRIPTION_PATTERN)
    event_types: EventTypes


class UpdateEndpointBody(BaseModel):
    """Only the fields given change; enabling again clears the failure count."""

    model_config = ConfigDict(extra="forbid")
    url: Url | None = None
    description: str | None = Field(default=None, max_length=500, pattern=DESCRIPTION_PATTERN)
    event_types: EventTypes | None = None
    enabled: bool | None = None

    @model_validator(mode="after")
    def _something(self) -> UpdateEndpointBody:
        if not self.model_fields_set or any(getattr(self, f) is None for f in self.model_fields_set):
            raise ValueError("give at least one field to change, none of them null")
        return self


class EndpointOut(BaseModel):
    id: str
    company_id: str
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None = Field(description="BY_ADMIN, or FAILING: every attempt failed for a day.")
    consecutive_failures: int
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime
    etag: str = Field(description="Send it back in If-Match to change the endpoint (also the ETag header).")


class CreatedEndpointOut(EndpointOut):
    secret: str = Field(description="The signing secret. Answered this once only: keep it.")


class EndpointList(BaseModel):
    endpoints: list[EndpointOut]
    next_page_token: str | None
    has_more: bool


class AttemptOut(BaseModel):
    attempt: int
    attempted_at: datetime
    status_code: int | None
    response_ms: int
    error: str | None


class DeliveryOut(BaseModel):
    id: str
    endpoint_id: str
    event_id: str
    company_id: str
    booking_id: str
    event_type: str
    status: str = Field(
        description="PENDING (retried until a day has passed), SUCCEEDED or FAILED (given up)."
    )
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_response_ms: int | None
    last_error: str | None
    created_at: datetime
    completed_at: datetime | None
    attempt_log: list[AttemptOut] | None = None


class DeliveryList(BaseModel):
    deliveries: list[DeliveryOut]
    next_page_token: str | None
    has_more: bool


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _scope(principal: Principal) -> str | None:
    """The company whose rows the caller reaches; None for a platform admin (every company)."""
    if principal.role is Role.PLATFORM_ADMIN:
        return None
    if principal.company_id is None:
        raise Problem(403, "PERMISSION_DENIED", "This endpoint is for company admins.")
    return principal.company_id


def _page(token: str | None) -> tuple[datetime, uuid.UUID] | None:
    try:
        return decode_page_token(token, datetime, uuid.UUID) if token else None
    except ServiceError as error:
        raise Problem(400, error.reason, "The page token is not valid.") from None


async def _checked_url(request: Request, url: AnyUrl) -> str:
    try:
        await check_destination(
            str(url), allow_private=request.app.state.settings.webhooks_allow_private_urls
        )
    except ServiceError as error:
        raise Problem(
            400, error.reason, error.message, errors=[{"field": "url", "message": error.message}]
        ) from None
    return str(url)


def _endpoint_not_found() -> Problem:
    return Problem(404, "WEBHOOK_ENDPOINT_NOT_FOUND", "No such webhook endpoint.")


def _plain(endpoint: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in endpoint.items() if k in ("url", "description", "event_types", "enabled")}


def _endpoint(row: dict[str, Any]) -> EndpointOut:
    return EndpointOut(
        **{**row, "id": str(row["id"]), "company_id": str(row["company_id"]), "etag": str(row["version"])}
    )


def _delivery(row: dict[str, Any]) -> DeliveryOut:
    return DeliveryOut(
        **{
            **row,
            "id": str(row["id"]),
            "endpoint_id": str(row["endpoint_id"]),
            "company_id": str(row["company_id"]),
            "booking_id": str(row["booking_id"]),
        }
    )


@router.post(
    "/v1/admin/webhooks/endpoints",
    operation_id="createWebhookEndpoint",
    status_code=201,
    response_model=CreatedEndpointOut,
    responses=problems(400, 401, 403, 404, 409, 422, 503),
)
async def create_endpoint(
    request: Request, body: CreateEndpointBody, principal: CompanyAdmin, once: Once
) -> Response:
    """Registers an endpoint for the event types given. The answer holds the signing secret,
    this once only. Requires an `Idempotency-Key`."""
    company = company_of(principal, body.company_id)
    url = await _checked_url(request, body.url)

    async def call(key: str) -> Response:
        async with _db(request).transaction() as conn:
            row = await store.create_endpoint(
                conn,
                company_id=company,
                url=url,
                description=body.description,
                event_types=sorted(set(body.event_types)),
                secret=(secret := signing.new_secret()),
            )
            await audit.record(
                conn,
                company_id=company,
                entity_type="webhook_endpoint",
                entity_id=row["id"],
                action="webhook_endpoint.create",
                after=_plain(row),
            )
        out = CreatedEndpointOut(**_endpoint(row).model_dump(), secret=secret)
        return with_etag(out, out.etag, status=201)

    return await once.run(principal, call, path="/v1/admin/webhooks/endpoints", body=body)


@router.get(
    "/v1/admin/webhooks/endpoints",
    operation_id="listWebhookEndpoints",
    response_model=EndpointList,
    responses=problems(400, 401, 403, 404, 503),
)
async def list_endpoints(
    request: Request,
    principal: CompanyAdmin,
    company_id: Annotated[uuid.UUID | None, Query(description="Platform admins: the company.")] = None,
    page_size: PageSize = 50,
    page_token: PageToken = None,
) -> EndpointList:
    """A company's endpoints, oldest first (never their secrets)."""
    company = company_of(principal, company_id)
    async with _db(request).transaction() as conn:
        rows, has_more = await store.list_endpoints(conn, company, limit=page_size, after=_page(page_token))
    last = rows[-1] if rows and has_more else None
    return EndpointList(
        endpoints=[_endpoint(r) for r in rows],
        next_page_token=encode_page_token(last["created_at"], uuid.UUID(str(last["id"]))) if last else None,
        has_more=has_more,
    )


@router.get(
    "/v1/admin/webhooks/endpoints/{endpoint_id}",
    operation_id="getWebhookEndpoint",
    response_model=EndpointOut,
    responses=problems(400, 401, 403, 404, 503),
)
async def get_endpoint(request: Request, endpoint_id: uuid.UUID, principal: CompanyAdmin) -> Response:
    """One endpoint (never its secret); its `ETag` header is the version to send back in `If-Match`."""
    async with _db(request).transaction() as conn:
        row = await store.get_endpoint(conn, str(endpoint_id), _scope(principal))
    if row is None:
        raise _endpoint_not_found()
    out = _endpoint(row)
    return with_etag(out, out.etag)


@router.patch(
    "/v1/admin/webhooks/endpoints/{endpoint_id}",
    operation_id="updateWebhookEndpoint",
    response_model=EndpointOut,
    responses=problems(400, 401, 403, 404, 409, 412, 422, 428, 503),
)
async def update_endpoint(
    request: Request,
    endpoint_id: uuid.UUID,
    body: UpdateEndpointBody,
    principal: CompanyAdmin,
    once: Once,
    if_match: IfMatch = None,
) -> Response:
    """Changes the URL, description, event types or `enabled`, only at the version read:
    `If-Match` with the endpoint's ETag (428 PRECONDITION_REQUIRED without it, 412
    PRECONDITION_FAILED when another change came first: read it again). Requires an
    `Idempotency-Key`."""
    version = if_match_version(if_match, "webhook endpoint")
    scope = _scope(principal)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True, mode="json")
    if body.url is not None:
        changes["url"] = await _checked_url(request, body.url)
    if "event_types" in changes:
        changes["event_types"] = sorted(set(changes["event_types"]))

    async def call(key: str) -> Response:
        async with _db(request).transaction() as conn:
            before = await store.get_endpoint(conn, str(endpoint_id), scope)
            if before is None:
                raise _endpoint_not_found()
            # The conditional update judges: another change between the read and here is 412 too.
            row = await store.update_endpoint(conn, str(endpoint_id), scope, changes, version=version)
            if row is None:
                raise Problem(412, "PRECONDITION_FAILED", "The webhook endpoint changed since it was read.")
            await audit.record(
                conn,
                company_id=str(row["company_id"]),
                entity_type="webhook_endpoint",
                entity_id=str(row["id"]),
                action="webhook_endpoint.update",
                before=_plain(before),
                after=_plain(row),
            )
        out = _endpoint(row)
        return with_etag(out, out.etag)

    return await once.run(principal, call, path=f"/v1/admin/webhooks/endpoints/{endpoint_id}", body=body)


@router.delete(
    "/v1/admin/webhooks/endpoints/{endpoint_id}",
    operation_id="deleteWebhookEndpoint",
    status_code=204,
    responses=problems(400, 401, 403, 404, 409, 422, 503),
)
async def delete_endpoint(
    request: Request, endpoint_id: uuid.UUID, principal: CompanyAdmin, once: Once
) -> Response:
    """Removes the endpoint with its deliveries. Requires an `Idempotency-Key`."""
    scope = _scope(principal)

    async def call(key: str) -> Response:
        async with _db(request).transaction() as conn:
            row = await store.delete_endpoint(conn, str(endpoint_id), scope)
            if row is None:
                raise _endpoint_not_found()
            await audit.record(
                conn,
                company_id=str(row["company_id"]),
                entity_type="webhook_endpoint",
                entity_id=str(row["id"]),
                action="webhook_endpoint.delete",
                before=_plain(row),
            )
        return Response(status_code=204)

    return await once.run(principal, call, path=f"/v1/admin/webhooks/endpoints/{endpoint_id}")


@router.get(
    "/v1/admin/webhooks/deliveries",
    operation_id="listWebhookDeliveries",
    response_model=DeliveryList,
    responses=problems(400, 401, 403, 404, 503),
)
async def list_deliveries(
    request: Request,
    principal: CompanyAdmin,
    company_id: Annotated[uuid.UUID | None, Query(description="Platform admins: the company.")] = None,
    endpoint_id: uuid.UUID | None = None,
    booking_id: uuid.UUID | None = None,
    status: Literal["PENDING", "SUCCEEDED", "FAILED"] | None = None,
    event_type: EventType | None = None,
    page_size: PageSize = 50,
    page_token: PageToken = None,
) -> DeliveryList:
    """The delivery log, newest first: each delivery's status, attempts, last status code and
    response time."""
    company = company_of(principal, company_id)
    async with _db(request).transaction() as conn:
        rows, has_more = await store.list_deliveries(
            conn,
            company,
            endpoint_id=str(endpoint_id) if endpoint_id else None,
            booking_id=str(booking_id) if booking_id else None,
            status=status,
            event_type=event_type,
            limit=page_size,
            after=_page(page_token),
        )
    last = rows[-1] if rows and has_more else None
    return DeliveryList(
        deliveries=[_delivery(r) for r in rows],
        next_page_token=encode_page_token(last["created_at"], uuid.UUID(str(last["id"]))) if last else None,
        has_more=has_more,
    )


@router.get(
    "/v1/admin/webhooks/deliveries/{delivery_id}",
    operation_id="getWebhookDelivery",
    response_model=DeliveryOut,
    responses=problems(400, 401, 403, 404, 503),
)
async def get_delivery(request: Request, delivery_id: uuid.UUID, principal: CompanyAdmin) -> DeliveryOut:
    """One delivery with every attempt (time, status code, response time, error)."""
    async with _db(request).transaction() as conn:
        row = await store.get_delivery(conn, str(delivery_id), _scope(principal))
    if row is None:
        raise Problem(404, "WEBHOOK_DELIVERY_NOT_FOUND", "No such webhook delivery.")
    return _delivery(row)


@router.post(
    "/v1/admin/webhooks/deliveries/{delivery_id}/redeliver",
    operation_id="redeliverWebhook",
    status_code=202,
    response_model=DeliveryOut,
    responses=problems(400, 401, 403, 404, 409, 422, 503),
)
async def redeliver(
    request: Request, delivery_id: uuid.UUID, principal: CompanyAdmin, once: Once
) -> Response:
    """Sends the delivery again, now (the same event id and body, a new signature), whatever
    its status. Requires an `Idempotency-Key`."""
    scope = _scope(principal)

    async def call(key: str) -> Response:
        async with _db(request).transaction() as conn:
            row = await store.redeliver(conn, str(delivery_id), scope)
            if row is None:
                raise Problem(404, "WEBHOOK_DELIVERY_NOT_FOUND", "No such webhook delivery.")
            await audit.record(
                conn,
                company_id=str(row["company_id"]),
                entity_type="webhook_delivery",
                entity_id=str(row["id"]),
                action="webhook_delivery.redeliver",
            )
        dispatcher = getattr(request.app.state, "webhook_dispatcher", None)
        if dispatcher is not None:
            dispatcher.wakeup.set()
        return JSONResponse(_delivery(row).model_dump(mode="json"), status_code=202)

    return await once.run(principal, call, path=f"/v1/admin/webhooks/deliveries/{delivery_id}/redeliver")
