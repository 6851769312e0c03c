"""Back office: pass products (`/v1/admin/pass-products`): what a company sells as passes
("10 classes, valid 90 days"), the resources a pass is for, archived when off sale.

Staff read; company admins create and change (prices are theirs). Passes checks the tenancy
and the role again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from google.protobuf.field_mask_pb2 import FieldMask
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bookingplatform.passes.v1 import passes_pb2
from gateway.auth import CompanyAdmin, Staff
from gateway.deps import clients_of, rpc
from gateway.routes.admin_sessions import PriceIn
from gateway.routes.common import (
    IfMatch,
    Once,
    PageToken,
    caller_request_id,
    changed_at_version,
    company_of,
    if_match_etag,
    problems,
    with_etag,
)
from gateway.schemas import Money
from plumbing.text import NAME_PATTERN

router = APIRouter(tags=["admin"])


class CreatePassProductBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    company_id: uuid.UUID | None = Field(default=None, description="Platform admins: the company.")
    name: str = Field(min_length=1, max_length=200, pattern=NAME_PATTERN, examples=["10 classes"])
    credits: int = Field(ge=1, le=10_000, examples=[10])
    validity_days: int = Field(ge=1, le=3660, examples=[90])
    price: PriceIn


class UpdatePassProductBody(BaseModel):
    """Only the fields given change; passes granted before keep what they were granted."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200, pattern=NAME_PATTERN)
    credits: int | None = Field(default=None, ge=1, le=10_000)
    validity_days: int | None = Field(default=None, ge=1, le=3660)
    price: PriceIn | None = None
    resource_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=100, description="The resources the pass is for; [] = every resource."
    )

    @model_validator(mode="after")
    def _something(self) -> UpdatePassProductBody:
        if not self.model_fields_set:
            raise ValueError("give at least one field to change")
        return self


class PassProductOut(BaseModel):
    id: str
    company_id: str
    name: str
    credits: int
    validity_days: int
    price: Money
    resource_ids: list[str]
    archive_time: datetime | None
    etag: str

    @classmethod
    def of(cls, p: passes_pb2.PassProduct) -> PassProductOut:
        return cls(
            id=p.id,
            company_id=p.company_id,
            name=p.name,
            credits=p.credits,
            validity_days=p.validity_days,
            price=Money(amount_minor=p.price.amount_minor, currency_code=p.price.currency_code),
            resource_ids=list(p.resource_ids),
            archive_time=p.archive_time.ToDatetime(tzinfo=UTC) if p.HasField("archive_time") else None,
            etag=p.etag,
        )


class PassProductList(BaseModel):
    products: list[PassProductOut]
    next_page_token: str | None
    has_more: bool


def _answer(product: passes_pb2.PassProduct, status: int = 200) -> JSONResponse:
    out = PassProductOut.of(product)
    return with_etag(out, out.etag, status)


@router.post(
    "/v1/admin/pass-products",
    operation_id="createPassProduct",
    status_code=201,
    response_model=PassProductOut,
    responses=problems(400, 401, 403, 404, 409, 422, 428, 503),
)
async def create_pass_product(
    request: Request, body: CreatePassProductBody, principal: CompanyAdmin, once: Once
) -> Response:
    """Creates a pass product. Requires an `Idempotency-Key`."""
    company = company_of(principal, body.company_id)

    async def call(key: str) -> Response:
        reply = await rpc(
            "passes",
            clients_of(request).passes.CreatePassProduct(
                passes_pb2.CreatePassProductRequest(
                    request_id=caller_request_id("pass-product", principal, key),
                    company_id=company,
                    name=body.name,
                    credits=body.credits,
                    validity_days=body.validity_days,
                    price=body.price.proto(),
                )
            ),
        )
        return _answer(reply.product, 201)

    return await once.run(principal, call, path="/v1/admin/pass-products", body=body)


@router.get(
    "/v1/admin/pass-products",
    operation_id="listPassProducts",
    response_model=PassProductList,
    responses=problems(400, 401, 403, 404, 503),
)
async def list_pass_products(
    request: Request,
    principal: Staff,
    company_id: Annotated[uuid.UUID | None, Query(description="Platform admins: the company.")] = None,
    show_archived: bool = False,
    page_size: Annotated[int, Query(ge=1, le=200, description="At most 200.")] = 50,
    page_token: PageToken = None,
) -> PassProductList:
    """A company's pass products, oldest first (archived ones only with `show_archived`)."""
    reply = await rpc(
        "passes",
        clients_of(request).passes.ListPassProducts(
            passes_pb2.ListPassProductsRequest(
                company_id=company_of(principal, company_id),
                page_size=page_size,
                page_token=page_token or "",
                show_archived=show_archived,
            )
        ),
    )
    return PassProductList(
        products=[PassProductOut.of(p) for p in reply.products],
        next_page_token=reply.next_page_token or None,
        has_more=bool(reply.next_page_token),
    )


@router.get(
    "/v1/admin/pass-products/{product_id}",
    operation_id="getPassProduct",
    response_model=PassProductOut,
    responses=problems(400, 401, 403, 404, 503),
)
async def get_pass_product(request: Request, product_id: uuid.UUID, principal: Staff) -> Response:
    """One pass product; its `ETag` is what `If-Match` takes."""
    reply = await rpc(
        "passes",
        clients_of(request).passes.GetPassProduct(
            passes_pb2.GetPassProductRequest(product_id=str(product_id))
        ),
    )
    return _answer(reply.product)


@router.patch(
    "/v1/admin/pass-products/{product_id}",
    operation_id="updatePassProduct",
    response_model=PassProductOut,
    responses=problems(400, 401, 403, 404, 409, 412, 422, 428, 503),
)
async def update_pass_product(
    request: Request,
    product_id: uuid.UUID,
    body: UpdatePassProductBody,
    principal: CompanyAdmin,
    once: Once,
    if_match: IfMatch = None,
) -> Response:
    """Changes the fields given at the version read (`If-Match`: 412 stale, 428 missing).
    Requires an `Idempotency-Key`."""
    etag = if_match_etag(if_match, "product")

    async def call(key: str) -> Response:
        given = passes_pb2.PassProduct(id=str(product_id), etag=etag)
        paths: list[str] = []
        if body.name is not None:
            given.name, paths = body.name, [*paths, "name"]
        if body.credits is not None:
            given.credits, paths = body.credits, [*paths, "credits"]
        if body.validity_days is not None:
            given.validity_days, paths = body.validity_days, [*paths, "validity_days"]
        if body.price is not None:
            given.price.CopyFrom(body.price.proto())
            paths.append("price")
        if body.resource_ids is not None:
            given.resource_ids.extend(str(r) for r in body.resource_ids)
            paths.append("resource_ids")
        reply = await changed_at_version(
            "passes",
            clients_of(request).passes.UpdatePassProduct(
                passes_pb2.UpdatePassProductRequest(
                    request_id=caller_request_id("pass-product-update", principal, key),
                    product=given,
                    update_mask=FieldMask(paths=paths),
                )
            ),
            "product",
        )
        return _answer(reply.product)

    return await once.run(
        principal, call, path=f"/v1/admin/pass-products/{product_id}?if-match={etag}", body=body
    )


@router.post(
    "/v1/admin/pass-products/{product_id}/archive",
    operation_id="archivePassProduct",
    response_model=PassProductOut,
    responses=problems(400, 401, 403, 404, 409, 412, 422, 428, 503),
)
async def archive_pass_product(
    request: Request, product_id: uuid.UUID, principal: CompanyAdmin, once: Once, if_match: IfMatch = None
) -> Response:
    """Takes the product off sale; passes granted before stay valid. `If-Match` and an
    `Idempotency-Key` required."""
    etag = if_match_etag(if_match, "product")

    async def call(key: str) -> Response:
        reply = await changed_at_version(
            "passes",
            clients_of(request).passes.ArchivePassProduct(
                passes_pb2.ArchivePassProductRequest(
                    request_id=caller_request_id("pass-product-archive", principal, key),
                    product_id=str(product_id),
                    etag=etag,
                )
            ),
            "product",
        )
        return _answer(reply.product)

    return await once.run(
        principal, call, path=f"/v1/admin/pass-products/{product_id}/archive?if-match={etag}"
    )
