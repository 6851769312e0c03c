"""Back office: companies, resources (the three booking models, their policies, descriptions,
images, amenities, capacity), units, extras, rate plans with daily prices and overrides, and
hourly rates (`/v1/admin/companies`, `/v1/admin/resources`, `/v1/admin/units`,
`/v1/admin/extras`, `/v1/admin/rate-plans`).

Who: companies are created, listed, suspended and resumed by platform admins; a company's
admins (or a platform admin) change its profile and its catalog; staff read but change no
price, policy or anything else here (403). Catalog checks the tenancy again (another
company's id is not found there too) and records every change in its audit log.

Every update carries the version it read: `If-Match` with the `ETag` of the read (412
PRECONDITION_FAILED when stale, 428 PRECONDITION_REQUIRED when missing), and only the fields
given change (a field mask). Every change takes an `Idempotency-Key`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from google.protobuf.field_mask_pb2 import FieldMask
from pydantic import BaseModel, ConfigDict, Field

from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from gateway.auth import CompanyAdmin, PlatformAdmin, Principal, Staff, company_in_reach
from gateway.deps import clients_of, rpc
from gateway.edge import EdgeDate, WholeNumber
from gateway.problems import Problem
from gateway.routes.common import (
    Idempotent,
    IfMatch,
    Once,
    PageSize,
    PageToken,
    caller_request_id,
    changed_at_version,
    company_of,
    if_match_etag,
    problems,
    with_etag,
)
from gateway.schemas import Money
from plumbing.principal import Role
from plumbing.text import DESCRIPTION_PATTERN, NAME_PATTERN, OPTIONAL_DOTTED_EMAIL_PATTERN

router = APIRouter(tags=["admin: catalog"])

BookingModelName = Literal["TIME_SLOT", "NIGHTLY", "INTERVAL"]
PricingUnitName = Literal["PER_BOOKING", "PER_NIGHT", "PER_GUEST", "PER_HOUR", "PER_GUEST_NIGHT"]
TimeOfDay = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["15:00"])]
# One line of readable characters; free text of several lines (plumbing.text).
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=NAME_PATTERN)]
Description = Annotated[str, Field(max_length=5000, pattern=DESCRIPTION_PATTERN)]
Amenity = Annotated[str, Field(min_length=1, max_length=100, pattern=NAME_PATTERN)]

# ----- schemas -----


class PriceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount_minor: WholeNumber = Field(ge=0, le=1_000_000_000, examples=[1500])
    currency_code: str = Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])

    def proto(self) -> money_pb2.Money:
        return money_pb2.Money(amount_minor=self.amount_minor, currency_code=self.currency_code)


class CancellationWindow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    minutes_before_start: WholeNumber = Field(ge=0, le=527_040, examples=[1440])
    refund_percent: WholeNumber = Field(ge=0, le=100, examples=[100])


_MINUTES = Field(default=0, ge=0, le=527_040)
_COUNT = Field(default=0, ge=0, le=100_000)


class Policy(BaseModel):
    """The booking rules (catalog's README, Policy): 0 = no limit / not used. Rules of another
    booking model (e.g. `min_nights` on an INTERVAL resource) are refused (400 INVALID_POLICY)."""

    model_config = ConfigDict(extra="forbid")
    lead_time_minutes: WholeNumber = _MINUTES
    horizon_days: WholeNumber = Field(default=365, ge=0, le=3660)
    max_places_per_booking: WholeNumber = _COUNT
    min_duration_minutes: WholeNumber = _MINUTES
    max_duration_minutes: WholeNumber = _MINUTES
    min_nights: WholeNumber = Field(default=0, ge=0, le=366)
    max_nights: WholeNumber = Field(default=0, ge=0, le=366)
    granularity_minutes: WholeNumber = Field(default=0, ge=0, le=1440)
    buffer_before_minutes: WholeNumber = _MINUTES
    buffer_after_minutes: WholeNumber = _MINUTES
    max_active_bookings_per_customer: WholeNumber = _COUNT
    cancellation_windows: list[CancellationWindow] = Field(
        default_factory=list,
        max_length=10,
        description="Refund steps; none: free cancellation until the start. Replies list the effective ones.",
    )
    check_in_deadline_minutes: WholeNumber = _MINUTES
    no_show_grace_minutes: WholeNumber = _MINUTES
    check_in_time: TimeOfDay | None = Field(default=None, description="NIGHTLY: local check-in time.")
    check_out_time: TimeOfDay | None = Field(default=None, description="NIGHTLY: local check-out time.")
    max_guests_per_unit: WholeNumber = _COUNT

    def proto(self) -> catalog_pb2.ResourcePolicy:
        values = self.model_dump(exclude={"cancellation_windows", "check_in_time", "check_out_time"})
        return catalog_pb2.ResourcePolicy(
            **values,
            # Not the deprecated 24-hour default: no windows means free cancellation until the start.
            free_cancellation_minutes=0,
            cancellation_windows=[
                catalog_pb2.CancellationWindow(**w.model_dump()) for w in self.cancellation_windows
            ],
            check_in_time=self.check_in_time or "",
            check_out_time=self.check_out_time or "",
        )

    @classmethod
    def of(cls, p: catalog_pb2.ResourcePolicy) -> Policy:
        return cls(
            lead_time_minutes=p.lead_time_minutes,
            horizon_days=p.horizon_days,
            max_places_per_booking=p.max_places_per_booking,
            min_duration_minutes=p.min_duration_minutes,
            max_duration_minutes=p.max_duration_minutes,
            min_nights=p.min_nights,
            max_nights=p.max_nights,
            granularity_minutes=p.granularity_minutes,
            buffer_before_minutes=p.buffer_before_minutes,
            buffer_after_minutes=p.buffer_after_minutes,
            max_active_bookings_per_customer=p.max_active_bookings_per_customer,
            cancellation_windows=[
                CancellationWindow(
                    minutes_before_start=w.minutes_before_start, refund_percent=w.refund_percent
                )
                for w in p.cancellation_windows
            ],
            check_in_deadline_minutes=p.check_in_deadline_minutes,
            no_show_grace_minutes=p.no_show_grace_minutes,
            check_in_time=p.check_in_time or None,
            check_out_time=p.check_out_time or None,
            max_guests_per_unit=p.max_guests_per_unit,
        )


class CompanyOut(BaseModel):
    id: str
    name: str
    time_zone: str = Field(examples=["Europe/Berlin"])
    currency_code: str = Field(examples=["EUR"])
    description: str
    contact_email: str | None
    contact_phone: str | None
    address: str | None
    allowed_origins: list[str] = Field(description="Browser origins allowed to call the API (CORS).")
    state: Literal["ACTIVE", "SUSPENDED"]
    suspend_reason: str | None
    create_time: datetime
    etag: str = Field(description="Send it back in If-Match to change the company.")

    @classmethod
    def of(cls, c: catalog_pb2.Company) -> CompanyOut:
        return cls(
            id=c.id,
            name=c.name,
            time_zone=c.time_zone,
            currency_code=c.currency_code,
            description=c.description,
            contact_email=c.contact_email or None,
            contact_phone=c.contact_phone or None,
            address=c.address or None,
            allowed_origins=list(c.allowed_origins),
            state="SUSPENDED" if c.state == catalog_pb2.COMPANY_STATE_SUSPENDED else "ACTIVE",
            suspend_reason=c.suspend_reason or None,
            create_time=c.create_time.ToDatetime(tzinfo=UTC),
            etag=c.etag,
        )


class CompanyList(BaseModel):
    companies: list[CompanyOut]
    next_page_token: str | None
    has_more: bool


class CreateCompanyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name = Field(examples=["Harbour Yoga"])
    time_zone: str = Field(min_length=1, max_length=64, examples=["Europe/Berlin"])
    currency_code: str = Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])


class UpdateCompanyBody(BaseModel):
    """Only the fields given change. The currency changes only while the company has no price
    and no customer's wallet of the company holds money (409 CURRENCY_LOCKED)."""

    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    time_zone: str | None = Field(default=None, min_length=1, max_length=64)
    currency_code: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    description: Description | None = None
    contact_email: str | None = Field(
        default=None,
        max_length=254,
        pattern=OPTIONAL_DOTTED_EMAIL_PATTERN,
        description="One plain address (staff copies of e-mails go there); empty removes it.",
    )
    contact_phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=500, pattern=DESCRIPTION_PATTERN)
    allowed_origins: list[Annotated[str, Field(max_length=2000)]] | None = Field(
        default=None, max_length=20, examples=[["https://shop.example.com"]]
    )


class SuspendBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(
        min_length=1, max_length=500, pattern=DESCRIPTION_PATTERN, examples=["Unpaid invoices"]
    )


class ResourceOut(BaseModel):
    id: str
    company_id: str
    name: str
    booking_model: BookingModelName
    policy: Policy
    hourly_rate: Money | None = Field(description="INTERVAL: the price of one hour.")
    description: str
    image_urls: list[str]
    amenities: list[str]
    capacity: int = Field(description="How many people it holds (0 = not stated).")
    archived: bool
    archive_time: datetime | None
    version: int
    etag: str = Field(description="Send it back in If-Match to change the resource.")

    @classmethod
    def of(cls, r: catalog_pb2.Resource) -> ResourceOut:
        return cls(
            id=r.id,
            company_id=r.company_id,
            name=r.name,
            booking_model=catalog_pb2.BookingModel.Name(r.booking_model).removeprefix("BOOKING_MODEL_"),  # type: ignore[arg-type]
            policy=Policy.of(r.policy),
            hourly_rate=Money.of(r.hourly_rate) if r.HasField("hourly_rate") else None,
            description=r.description,
            image_urls=list(r.image_urls),
            amenities=list(r.amenities),
            capacity=r.capacity,
            archived=r.HasField("archive_time"),
            archive_time=r.archive_time.ToDatetime(tzinfo=UTC) if r.HasField("archive_time") else None,
            version=r.version,
            etag=r.etag,
        )


class ResourceList(BaseModel):
    resources: list[ResourceOut]
    next_page_token: str | None
    has_more: bool


class CreateResourceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    company_id: uuid.UUID | None = Field(default=None, description="Platform admins: the company.")
    name: Name = Field(examples=["Studio A"])
    booking_model: BookingModelName
    policy: Policy | None = Field(default=None, description="Omitted: the default policy.")
    hourly_rate: PriceIn | None = Field(default=None, description="INTERVAL only.")
    description: Description = ""
    image_urls: list[Annotated[str, Field(max_length=2000)]] = Field(default_factory=list, max_length=20)
    amenities: list[Amenity] = Field(default_factory=list, max_length=50)
    capacity: WholeNumber = Field(default=0, ge=0, le=100_000)


class UpdateResourceBody(BaseModel):
    """Only the fields given change; `policy` replaces the whole policy."""

    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    description: Description | None = None
    image_urls: list[Annotated[str, Field(max_length=2000)]] | None = Field(default=None, max_length=20)
    amenities: list[Amenity] | None = Field(default=None, max_length=50)
    capacity: WholeNumber | None = Field(default=None, ge=0, le=100_000)
    policy: Policy | None = None
    hourly_rate: PriceIn | None = Field(default=None, description="INTERVAL only.")


class HourlyRateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hourly_rate: PriceIn


class UnitOut(BaseModel):
    id: str
    company_id: str
    resource_id: str
    name: str
    archived: bool
    create_time: datetime
    etag: str

    @classmethod
    def of(cls, u: catalog_pb2.Unit) -> UnitOut:
        return cls(
            id=u.id,
            company_id=u.company_id,
            resource_id=u.resource_id,
            name=u.name,
            archived=u.HasField("archive_time"),
            create_time=u.create_time.ToDatetime(tzinfo=UTC),
            etag=u.etag,
        )


class UnitList(BaseModel):
    units: list[UnitOut]
    next_page_token: str | None = Field(description="Always null: the whole list is one page.")
    has_more: bool


class CreateUnitBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name = Field(examples=["Cabin 1"])


class UpdateUnitBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name


class ExtraOut(BaseModel):
    id: str
    company_id: str
    name: str
    description: str
    price: Money
    pricing_unit: PricingUnitName
    archived: bool
    etag: str

    @classmethod
    def of(cls, e: catalog_pb2.Extra) -> ExtraOut:
        return cls(
            id=e.id,
            company_id=e.company_id,
            name=e.name,
            description=e.description,
            price=Money.of(e.price),
            pricing_unit=catalog_pb2.PricingUnit.Name(e.pricing_unit).removeprefix("PRICING_UNIT_"),  # type: ignore[arg-type]
            archived=e.HasField("archive_time"),
            etag=e.etag,
        )


class ExtraList(BaseModel):
    extras: list[ExtraOut]
    next_page_token: str | None = Field(description="Always null: the whole list is one page.")
    has_more: bool


class CreateExtraBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    company_id: uuid.UUID | None = Field(default=None, description="Platform admins: the company.")
    name: Name = Field(examples=["Towel"])
    price: PriceIn
    pricing_unit: PricingUnitName = "PER_BOOKING"


class UpdateExtraBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    description: Description | None = None
    price: PriceIn | None = None
    pricing_unit: PricingUnitName | None = None


class RatePlanOut(BaseModel):
    id: str
    company_id: str
    resource_id: str
    name: str
    default_nightly_price: Money
    create_time: datetime
    etag: str

    @classmethod
    def of(cls, p: catalog_pb2.RatePlan) -> RatePlanOut:
        return cls(
            id=p.id,
            company_id=p.company_id,
            resource_id=p.resource_id,
            name=p.name,
            default_nightly_price=Money.of(p.default_nightly_price),
            create_time=p.create_time.ToDatetime(tzinfo=UTC),
            etag=p.etag,
        )


class RatePlanList(BaseModel):
    rate_plans: list[RatePlanOut] = Field(description="In creation order; the first is the default.")
    next_page_token: str | None = Field(description="Always null: the whole list is one page.")
    has_more: bool


class CreateRatePlanBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name = Field(examples=["Standard"])
    default_nightly_price: PriceIn


class UpdateRatePlanBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    default_nightly_price: PriceIn | None = None


class DailyPriceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: EdgeDate
    price: PriceIn | None = Field(description="null clears the entry of that date.")
    override: bool = Field(default=False, description="An override wins over the daily price.")


class DailyPricesBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prices: list[DailyPriceIn] = Field(min_length=1, max_length=800)


class DailyPriceOut(BaseModel):
    date: str = Field(examples=["2031-07-01"])
    price: Money
    override: bool


class DailyPriceList(BaseModel):
    prices: list[DailyPriceOut]
    next_page_token: str | None = Field(description="Always null: the date range is one page.")
    has_more: bool


# ----- helpers -----


def _mask(body: BaseModel) -> FieldMask:
    paths = sorted(name for name in body.model_fields_set if getattr(body, name) is not None)
    if not paths:
        raise Problem(400, "VALIDATION_FAILED", "Give at least one field to change.")
    return FieldMask(paths=paths)


# ----- companies -----


@router.post(
    "/v1/admin/companies",
    operation_id="createCompany",
    status_code=201,
    response_model=CompanyOut,
    responses=problems(400, 401, 403, 409, 422, 428, 503),
)
async def create_company(
    request: Request, body: CreateCompanyBody, principal: PlatformAdmin, once: Once
) -> Response:
    """Creates a company (platform admins). Requires an `Idempotency-Key`."""

    async def call(key: str) -> Response:
        reply = await rpc(
            "catalog",
            clients_of(request).catalog.CreateCompany(
                catalog_pb2.CreateCompanyRequest(
                    request_id=caller_request_id("company", principal, key), **body.model_dump()
                )
            ),
        )
        out = CompanyOut.of(reply.company)
        return with_etag(out, out.etag, 201)

    return await once.run(principal, call, path="/v1/admin/companies", body=body)


@router.get(
    "/v1/admin/companies",
    operation_id="listCompanies",
    response_model=CompanyList,
    responses=problems(400, 401, 403, 503),
)
async def list_companies(
    request: Request, principal: PlatformAdmin, page_size: PageSize = 50, page_token: PageToken = None
) -> CompanyList:
    """Every company, oldest first (platform admins)."""
    reply = await rpc(
        "catalog",
        clients_of(request).catalog.ListCompanies(
            catalog_pb2.ListCompaniesRequest(page_size=page_size, page_token=page_token or "")
        ),
    )
    return CompanyList(
        companies=[CompanyOut.of(c) for c in reply.companies],
        next_page_token=reply.next_page_token or None,
        has_more=bool(reply.next_page_token),
    )


@router.get(
    "/v1/admin/companies/{company_id}",
    operation_id="getCompany",
    response_model=CompanyOut,
    responses=problems(400, 401, 403, 404, 503),
)
async def get_company(request: Request, company_id: uuid.UUID, principal: Staff) -> Response:
    """A company (its own staff and admins, or a platform admin); `ETag` is its version."""
    company = company_in_reach(principal, company_id)
    reply = await rpc(
        "catalog", clients_of(request).catalog.GetCompany(catalog_pb2.GetCompanyRequest(company_id=company))
    )
    out = CompanyOut.of(reply.company)
    return with_etag(out, out.etag)


@router.patch(
    "/v1/admin/companies/{company_id}",
    operation_id="updateCompany",
    response_model=CompanyOut,
    responses=problems(400, 401, 403, 404, 409, 412, 422, 428, 503),
)
async def update_company(
    request: Request,
    company_id: uuid.UUID,
    body: UpdateCompanyBody,
    principal: CompanyAdmin,
    once: Once,
    if_match: IfMatch = None,
) -> Response:
    """Changes the fields given at the version read (`If-Match`). Requires an `Idempotency-Key`."""
    company = company_in_reach(principal, company_id)
    etag = if_match_etag(if_match)
    mask = _mask(body)

    async def call(key: str) -> Response:
        given = catalog_pb2.Company(id=company, etag=etag)
        for path in mask.paths:
            value = getattr(body, path)
            if isinstance(value, list):
                getattr(given, path).extend(value)
            else:
                setattr(given, path, value)
        reply = await changed_at_version(
            "catalog",
            clients_of(request).catalog.UpdateCompany(
                catalog_pb2.UpdateCompanyRequest(
                    request_id=caller_request_id("company-update", principal, key),
                    company=given,
                    update_mask=mask,
                )
            ),
        )
        out = CompanyOut.of(reply.company)
        return with_etag(out, out.etag)

    return await once.run(principal, call, path=f"/v1/admin/companies/{company}?if-match={etag}", body=body)


async def _suspension(
    request: Request, principal: Principal, once: Idempotent, company: str, etag: str, reason: str | None
) -> Response:
    async def call(key: str) -> Response:
        catalog = clients_of(request).catalog
        if reason is None:
            resumed = await changed_at_version(
                "catalog",
                catalog.ResumeCompany(
                    catalog_pb2.ResumeCompanyRequest(
                        request_id=caller_request_id("company-resume", principal, key),
                        company_id=company,
                        etag=etag,
                    )
                ),
            )
            changed = resumed.company
        else:
            suspended = await changed_at_version(
                "catalog",
                catalog.SuspendCompany(
                    catalog_pb2.SuspendCompanyRequest(
                        request_id=caller_request_id("company-suspend", principal, key),
                        company_id=company,
                        etag=etag,
                        reason=reason,
                    )
                ),
            )
            changed = suspended.company
        out = CompanyOut.of(changed)
        return with_etag(out, out.etag)

    action = "resume" if reason is None else "suspend"
    return await once.run(
        principal, call, path=f"/v1/admin/companies/{company}/{action}?if-match={etag}&reason={reason or ''}"
    )


@router.post(
    "/v1/admin/companies/{company_id}/suspend",
    operation_id="suspendCompany",
    response_model=CompanyOut,
    responses=problems(400, 401, 403, 404, 409, 412, 422, 428, 503),
)
async def suspend_company(
    request: Request,
    company_id: uuid.UUID,
    body: SuspendBody,
    principal: PlatformAdmin,
    once: Once,
    if_match: IfMatch = None,
) -> Response:
    """Suspends a company (platform admins): none of its sessions, stays or rentals can be
    booked until it is resumed. Requires `If-Match` and an `Idempotency-Key`."""
    return await _suspension(request, principal, once, str(company_id), if_match_etag(if_match), body.reason)


@router.post(
    "/v1/admin/companies/{company_id}/resume",
    operation_id="resumeCompany",
    response_model=CompanyOut,
    responses=problems(400, 401, 403, 404, 409, 412, 422, 428, 503),
)
async def resume_company(
    request: Request, company_id: uuid.UUID, principal: PlatformAdmin, once: Once, if_match: IfMatch = None
) -> Response:
    """Resumes a suspended company (platform admins). Requires `If-Match` and an `Idempotency-Key`."""
    return await _suspension(request, principal, once, str(company_id), if_match_etag(if_match), None)


# ----- resources -----


@router.post(
    "/v1/admin/resources",
    operation_id="createResource",
    status_code=201,
    response_model=ResourceOut,
    responses=problems(400, 401, 403, 404, 409, 412, 422, 428, 503),
)
async def create_resource(
    request: Request, body: CreateResourceBody, principal: CompanyAdmin, once: Once
) -> Response:
    """Creates a resource of one of the three booking models, with its policy (the default
    when omitted), hourly rate (INTERVAL), description, images, amenities and capacity.
    Requires an `Idempotency-Key`."""
    company = company_of(principal, body.company_id)

    async def call(key: str) -> Response:
        catalog = clients_of(request).catalog
        create = catalog_pb2.CreateResourceRequest(
            request_id=caller_request_id("resource", principal, key),
            company_id=company,
            name=body.name,
            booking_model=catalog_pb2.BookingModel.Value(f"BOOKING_MODEL_{body.booking_model}"),
            # The profile is created with the resource: one that catalog refuses (an image
            # address that is not https) is a resource not created.
            description=body.description,
            image_urls=body.image_urls,
            amenities=body.amenities,
            capacity=body.capacity,
        )
        if body.policy is not None:
            create.policy.CopyFrom(body.policy.proto())
        if body.hourly_rate is not None:
            create.hourly_rate.CopyFrom(body.hourly_rate.proto())
        resource = (await rpc("catalog", catalog.CreateResource(create))).resource
        out = ResourceOut.of(resource)
        return with_etag(out, out.etag, 201)

    return await once.run(principal, call, path="/v1/admin/resources", body=body)


@router.get(
    "/v1/admin/resources",
    operation_id="listResources",
    response_model=ResourceList,
    responses=problems(400, 401, 403, 404, 503),
)
async def list_resources(
    request: Request,
    principal: Staff,
    company_id: Annotated[uuid.UUID | None, Query(description="Platform admins: the company.")] = None,
    booking_model: BookingModelName | None = None,
    include_archived: Annotated[bool, Query(description="Also archived resources.")] = False,
    page_size: PageSize = 50,
    page_token: PageToken = None,
) -> ResourceList:
    """A company's resources, oldest first; archived ones only with `include_archived`."""
    company = company_of(principal, company_id)
    reply = await rpc(
        "catalog",
        clients_of(request).catalog.ListResources(
            catalog_pb2.ListResourcesRequest(
                company_id=company,
                page_size=page_size,
                page_token=page_token or "",
                booking_model=catalog_pb2.BookingModel.Value(f"BOOKING_MODEL_{booking_model}")
                if booking_model
                else catalog_pb2.BOOKING_MODEL_UNSPECIFIED,
                show_archived=include_archived,
            )
        ),
    )
    return ResourceList(
        resources=[ResourceOut.of(r) for r in reply.resources],
        next_page_token=reply.next_page_token or None,
        has_more=bool(reply.next_page_token),
    )


@router.get(
    "/v1/admin/resources/{resource_id}",
    operation_id="getResource",
    response_model=ResourceOut,
    responses=problems(400, 401, 403, 404, 503),
)
async def get_resource(request: Request, resource_id: uuid.UUID, principal: Staff) -> Response:
    """A resource (archived ones too); `ETag` is its version."""
    reply = await rpc(
        "catalog",
        clients_of(request).catalog.GetResource(catalog_pb2.GetResourceRequest(resource_id=str(resource_id))),
    )
    if reply.resource.company_id != principal.company_id and principal.role is not Role.PLATFORM_ADMIN:
        raise Problem(404, "RESOURCE_NOT_FOUND", "No such resource.")
    out = ResourceOut.of(reply.resource)
    return with_etag(out, out.etag)


async def _update_resource(
    request: Request,
    principal: Principal,
    once: Idempotent,
    resource_id: uuid.UUID,
    etag: str,
    body: BaseModel,
) -> Response:
    mask = _mask(body)

    async def call(key: str) -> Response:
        given = catalog_pb2.Resource(id=str(resource_id), etag=etag)
        for path in mask.paths:
            value = getattr(body, path)
            if isinstance(value, PriceIn):
                getattr(given, path).CopyFrom(value.proto())
            elif isinstance(value, Policy):
                given.policy.CopyFrom(value.proto())
            elif isinstance(value, list):
                getattr(given, path).extend(value)
            else:
                setattr(given, path, value)
        reply = await changed_at_version(
            "catalog",
            clients_of(request).catalog.UpdateResource(
                catalog_pb2.UpdateResourceRequest(
                    request_id=caller_request_id("resource-update", principal, key),
                    resource=given,
                    update_mask=mask,
                )
            ),
        )
        out = ResourceOut.of(reply.resource)
        return with_etag(out, out.etag)

    return await once.run(
        principal,
        call,
        path=f"/v1/admin/resources/{resource_id}?if-match={etag}&mask={mask.paths}",
        body=body,
    )


@router.patch(
    "/v1/admin/resources/{resource_id}",
    operation_id="updateResource",
    response_model=ResourceOut,
    responses=problems(400, 401, 403, 404, 409, 412, 422, 428, 503),
)
async def update_resource(
    request: Request,
    resource_id: uuid.UUID,
    body: UpdateResourceBody,
    principal: CompanyAdmin,
    once: Once,
    if_match: IfMatch = None,
) -> Response:
    """Changes the fields given at the version read (`If-Match`); `policy` replaces the whole
    policy. Requires an `Idempotency-Key`."""
    return await _update_resource(request, principal, once, resource_id, if_match_etag(if_match), body)


@router.put(
    "/v1/admin/resources/{resource_id}/hourly-rate",
    operation_id="setHourlyRate",
    response_model=ResourceOut,
    responses=problems(400, 401, 403, 404, 409, 412, 422, 428, 503),
)
async def set_hourly_rate(
    request: Request,
    resource_id: uuid.UUID,
    body: HourlyRateBody,
    principal: CompanyAdmin,
    once: Once,
    if_match: IfMatch = None,
) -> Response:
    """Sets the hourly rate of an INTERVAL resource at the version read (`If-Match`; 409
    RESOURCE_NOT_INTERVAL on another model). Requires an `Idempotency-Key`."""
    return await _update_resource(request, principal, once, resource_id, if_match_etag(if_match), body)


@router.post(
    "/v1/admin/resources/{resource_id}/archive",
    operation_id="archiveResource",
    response_model=ResourceOut,
    responses=problems(400, 401, 403, 404, 409, 412, 422, 428, 503),
)
async def archive_resource(
    request: Request, resource_id: uuid.UUID, principal: CompanyAdmin, once: Once, if_match: IfMatch = None
) -> Response:
    """Archives a resource instead of deleting it: hidden from lists and new bookings, its
    bookings stay. Requires `If-Match` and an `Idempotency-Key`."""
    etag = if_match_etag(if_match)

    async def call(key: str) -> Response:
        reply = await changed_at_version(
            "catalog",
            clients_of(request).catalog.ArchiveResource(
                catalog_pb2.ArchiveResourceRequest(
                    request_id=caller_request_id("resource-archive", principal, key),
                    resource_id=str(resource_id),
                    etag=etag,
                )
            ),
        )
        out = ResourceOut.of(reply.resource)
        return with_etag(out, out.etag)

    return await once.run(principal, call, path=f"/v1/admin/resources/{resource_id}/archive?if-match={etag}")


# ----- units -----


@router.get(
    "/v1/admin/resources/{resource_id}/units",
    operation_id="listUnits",
    response_model=UnitList,
    responses=problems(400, 401, 403, 404, 409, 503),
)
async def list_units(
    request: Request,
    resource_id: uuid.UUID,
    principal: Staff,
    include_archived: Annotated[bool, Query(description="Also archived units.")] = False,
) -> UnitList:
    """The units of a NIGHTLY resource in creation order (409 RESOURCE_NOT_NIGHTLY otherwise)."""
    reply = await rpc(
        "catalog",
        clients_of(request).catalog.ListUnits(
            catalog_pb2.ListUnitsRequest(resource_id=str(resource_id), show_archived=include_archived)
        ),
    )
    return UnitList(units=[UnitOut.of(u) for u in reply.units], next_page_token=None, has_more=False)


@router.post(
    "/v1/admin/resources/{resource_id}/units",
    operation_id="createUnit",
    status_code=201,
    response_model=UnitOut,
    responses=problems(400, 401, 403, 404, 409, 422, 428, 503),
)
async def create_unit(
    request: Request, resource_id: uuid.UUID, body: CreateUnitBody, principal: CompanyAdmin, once: Once
) -> Response:
    """Creates a unit of a NIGHTLY resource (409 UNIT_NAME_TAKEN). Requires an `Idempotency-Key`."""

    async def call(key: str) -> Response:
        reply = await rpc(
            "catalog",
            clients_of(request).catalog.CreateUnit(
                catalog_pb2.CreateUnitRequest(
                    request_id=caller_request_id("unit", principal, key),
                    resource_id=str(resource_id),
                    name=body.name,
                )
            ),
        )
        out = UnitOut.of(reply.unit)
        return with_etag(out, out.etag, 201)

    return await once.run(principal, call, path=f"/v1/admin/resources/{resource_id}/units", body=body)


@router.patch(
    "/v1/admin/units/{unit_id}",
    operation_id="updateUnit",
    response_model=UnitOut,
    responses=problems(400, 401, 403, 404, 409, 412, 422, 428, 503),
)
async def update_unit(
    request: Request,
    unit_id: uuid.UUID,
    body: UpdateUnitBody,
    principal: CompanyAdmin,
    once: Once,
    if_match: IfMatch = None,
) -> Response:
    """Renames a unit at the version read (`If-Match`). Requires an `Idempotency-Key`."""
    etag = if_match_etag(if_match)

    async def call(key: str) -> Response:
        reply = await changed_at_version(
            "catalog",
            clients_of(request).catalog.UpdateUnit(
                catalog_pb2.UpdateUnitRequest(
                    request_id=caller_request_id("unit-update", principal, key),
                    unit=catalog_pb2.Unit(id=str(unit_id), etag=etag, name=body.name),
                    update_mask=FieldMask(paths=["name"]),
                )
            ),
        )
        out = UnitOut.of(reply.unit)
        return with_etag(out, out.etag)

    return await once.run(principal, call, path=f"/v1/admin/units/{unit_id}?if-match={etag}", body=body)


@router.post(
    "/v1/admin/units/{unit_id}/archive",
    operation_id="archiveUnit",
    response_model=UnitOut,
    responses=problems(400, 401, 403, 404, 409, 412, 422, 428, 503),
)
async def archive_unit(
    request: Request, unit_id: uuid.UUID, principal: CompanyAdmin, once: Once, if_match: IfMatch = None
) -> Response:
    """Archives a unit: not offered to new stays, its bookings stay. Requires `If-Match` and
    an `Idempotency-Key`."""
    etag = if_match_etag(if_match)

    async def call(key: str) -> Response:
        reply = await changed_at_version(
            "catalog",
            clients_of(request).catalog.ArchiveUnit(
                catalog_pb2.ArchiveUnitRequest(
                    request_id=caller_request_id("unit-archive", principal, key),
                    unit_id=str(unit_id),
                    etag=etag,
                )
            ),
        )
        out = UnitOut.of(reply.unit)
        return with_etag(out, out.etag)

    return await once.run(principal, call, path=f"/v1/admin/units/{unit_id}/archive?if-match={etag}")


# ----- extras -----


@router.get(
    "/v1/admin/extras",
    operation_id="listExtras",
    response_model=ExtraList,
    responses=problems(400, 401, 403, 404, 503),
)
async def list_extras(
    request: Request,
    principal: Staff,
    company_id: Annotated[uuid.UUID | None, Query(description="Platform admins: the company.")] = None,
    include_archived: Annotated[bool, Query(description="Also archived extras.")] = False,
) -> ExtraList:
    """A company's extras in creation order."""
    company = company_of(principal, company_id)
    reply = await rpc(
        "catalog",
        clients_of(request).catalog.ListExtras(
            catalog_pb2.ListExtrasRequest(company_id=company, show_archived=include_archived)
        ),
    )
    return ExtraList(extras=[ExtraOut.of(e) for e in reply.extras], next_page_token=None, has_more=False)


@router.post(
    "/v1/admin/extras",
    operation_id="createExtra",
    status_code=201,
    response_model=ExtraOut,
    responses=problems(400, 401, 403, 404, 409, 422, 428, 503),
)
async def create_extra(
    request: Request, body: CreateExtraBody, principal: CompanyAdmin, once: Once
) -> Response:
    """Creates an extra sold with bookings, priced per booking, night, guest, hour or guest-night.
    Requires an `Idempotency-Key`."""
    company = company_of(principal, body.company_id)

    async def call(key: str) -> Response:
        reply = await rpc(
            "catalog",
            clients_of(request).catalog.CreateExtra(
                catalog_pb2.CreateExtraRequest(
                    request_id=caller_request_id("extra", principal, key),
                    company_id=company,
                    name=body.name,
                    price=body.price.proto(),
                    pricing_unit=catalog_pb2.PricingUnit.Value(f"PRICING_UNIT_{body.pricing_unit}"),
                )
            ),
        )
        out = ExtraOut.of(reply.extra)
        return with_etag(out, out.etag, 201)

    return await once.run(principal, call, path="/v1/admin/extras", body=body)


@router.get(
    "/v1/admin/extras/{extra_id}",
    operation_id="getExtra",
    response_model=ExtraOut,
    responses=problems(400, 401, 403, 404, 503),
)
async def get_extra(request: Request, extra_id: uuid.UUID, principal: Staff) -> Response:
    """An extra (archived ones too); `ETag` is its version."""
    reply = await rpc(
        "catalog", clients_of(request).catalog.GetExtra(catalog_pb2.GetExtraRequest(extra_id=str(extra_id)))
    )
    out = ExtraOut.of(reply.extra)
    return with_etag(out, out.etag)


@router.patch(
    "/v1/admin/extras/{extra_id}",
    operation_id="updateExtra",
    response_model=ExtraOut,
    responses=problems(400, 401, 403, 404, 409, 412, 422, 428, 503),
)
async def update_extra(
    request: Request,
    extra_id: uuid.UUID,
    body: UpdateExtraBody,
    principal: CompanyAdmin,
    once: Once,
    if_match: IfMatch = None,
) -> Response:
    """Changes the fields given at the version read (`If-Match`). Requires an `Idempotency-Key`."""
    etag = if_match_etag(if_match)
    mask = _mask(body)

    async def call(key: str) -> Response:
        given = catalog_pb2.Extra(id=str(extra_id), etag=etag)
        if body.name is not None:
            given.name = body.name
        if body.description is not None:
            given.description = body.description
        if body.price is not None:
            given.price.CopyFrom(body.price.proto())
        if body.pricing_unit is not None:
            given.pricing_unit = catalog_pb2.PricingUnit.Value(f"PRICING_UNIT_{body.pricing_unit}")
        reply = await changed_at_version(
            "catalog",
            clients_of(request).catalog.UpdateExtra(
                catalog_pb2.UpdateExtraRequest(
                    request_id=caller_request_id("extra-update", principal, key),
                    extra=given,
                    update_mask=mask,
                )
            ),
        )
        out = ExtraOut.of(reply.extra)
        return with_etag(out, out.etag)

    return await once.run(principal, call, path=f"/v1/admin/extras/{extra_id}?if-match={etag}", body=body)


@router.post(
    "/v1/admin/extras/{extra_id}/archive",
    operation_id="archiveExtra",
    response_model=ExtraOut,
    responses=problems(400, 401, 403, 404, 409, 412, 422, 428, 503),
)
async def archive_extra(
    request: Request, extra_id: uuid.UUID, principal: CompanyAdmin, once: Once, if_match: IfMatch = None
) -> Response:
    """Archives an extra: not listed, not sold with new bookings. Requires `If-Match` and an
    `Idempotency-Key`."""
    etag = if_match_etag(if_match)

    async def call(key: str) -> Response:
        reply = await changed_at_version(
            "catalog",
            clients_of(request).catalog.ArchiveExtra(
                catalog_pb2.ArchiveExtraRequest(
                    request_id=caller_request_id("extra-archive", principal, key),
                    extra_id=str(extra_id),
                    etag=etag,
                )
            ),
        )
        out = ExtraOut.of(reply.extra)
        return with_etag(out, out.etag)

    return await once.run(principal, call, path=f"/v1/admin/extras/{extra_id}/archive?if-match={etag}")


# ----- rate plans and daily prices -----


@router.get(
    "/v1/admin/resources/{resource_id}/rate-plans",
    operation_id="listRatePlans",
    response_model=RatePlanList,
    responses=problems(400, 401, 403, 404, 409, 503),
)
async def list_rate_plans(request: Request, resource_id: uuid.UUID, principal: Staff) -> RatePlanList:
    """The rate plans of a NIGHTLY resource; the first is the default."""
    reply = await rpc(
        "catalog",
        clients_of(request).catalog.ListRatePlans(
            catalog_pb2.ListRatePlansRequest(resource_id=str(resource_id))
        ),
    )
    return RatePlanList(
        rate_plans=[RatePlanOut.of(p) for p in reply.rate_plans], next_page_token=None, has_more=False
    )


@router.post(
    "/v1/admin/resources/{resource_id}/rate-plans",
    operation_id="createRatePlan",
    status_code=201,
    response_model=RatePlanOut,
    responses=problems(400, 401, 403, 404, 409, 422, 428, 503),
)
async def create_rate_plan(
    request: Request, resource_id: uuid.UUID, body: CreateRatePlanBody, principal: CompanyAdmin, once: Once
) -> Response:
    """Creates a rate plan of a NIGHTLY resource with its default nightly price. Requires an
    `Idempotency-Key`."""

    async def call(key: str) -> Response:
        reply = await rpc(
            "catalog",
            clients_of(request).catalog.CreateRatePlan(
                catalog_pb2.CreateRatePlanRequest(
                    request_id=caller_request_id("rate-plan", principal, key),
                    resource_id=str(resource_id),
                    name=body.name,
                    default_nightly_price=body.default_nightly_price.proto(),
                )
            ),
        )
        out = RatePlanOut.of(reply.rate_plan)
        return with_etag(out, out.etag, 201)

    return await once.run(principal, call, path=f"/v1/admin/resources/{resource_id}/rate-plans", body=body)


@router.patch(
    "/v1/admin/rate-plans/{rate_plan_id}",
    operation_id="updateRatePlan",
    response_model=RatePlanOut,
    responses=problems(400, 401, 403, 404, 409, 412, 422, 428, 503),
)
async def update_rate_plan(
    request: Request,
    rate_plan_id: uuid.UUID,
    body: UpdateRatePlanBody,
    principal: CompanyAdmin,
    once: Once,
    if_match: IfMatch = None,
) -> Response:
    """Renames a rate plan or changes its default nightly price at the version read
    (`If-Match`). Requires an `Idempotency-Key`."""
    etag = if_match_etag(if_match)
    mask = _mask(body)

    async def call(key: str) -> Response:
        given = catalog_pb2.RatePlan(id=str(rate_plan_id), etag=etag, name=body.name or "")
        if body.default_nightly_price is not None:
            given.default_nightly_price.CopyFrom(body.default_nightly_price.proto())
        reply = await changed_at_version(
            "catalog",
            clients_of(request).catalog.UpdateRatePlan(
                catalog_pb2.UpdateRatePlanRequest(
                    request_id=caller_request_id("rate-plan-update", principal, key),
                    rate_plan=given,
                    update_mask=mask,
                )
            ),
        )
        out = RatePlanOut.of(reply.rate_plan)
        return with_etag(out, out.etag)

    return await once.run(
        principal, call, path=f"/v1/admin/rate-plans/{rate_plan_id}?if-match={etag}", body=body
    )


def _daily(p: catalog_pb2.DailyPrice) -> DailyPriceOut:
    return DailyPriceOut(date=p.date, price=Money.of(p.price), override=p.override)


@router.get(
    "/v1/admin/resources/{resource_id}/rate-plans/{rate_plan_id}/prices",
    operation_id="listDailyPrices",
    response_model=DailyPriceList,
    responses=problems(400, 401, 403, 404, 409, 503),
)
async def list_daily_prices(
    request: Request,
    resource_id: uuid.UUID,
    rate_plan_id: uuid.UUID,
    principal: Staff,
    start: Annotated[EdgeDate, Query(alias="from", description="First local date.")],
    end: Annotated[
        EdgeDate, Query(alias="to", description="Last local date, exclusive (at most 800 days on).")
    ],
) -> DailyPriceList:
    """The stored daily prices and overrides of a rate plan in a date range."""
    reply = await rpc(
        "catalog",
        clients_of(request).catalog.ListDailyPrices(
            catalog_pb2.ListDailyPricesRequest(
                resource_id=str(resource_id),
                rate_plan_id=str(rate_plan_id),
                start_date=start.isoformat(),
                end_date=end.isoformat(),
            )
        ),
    )
    return DailyPriceList(prices=[_daily(p) for p in reply.prices], next_page_token=None, has_more=False)


@router.put(
    "/v1/admin/resources/{resource_id}/rate-plans/{rate_plan_id}/prices",
    operation_id="setDailyPrices",
    response_model=DailyPriceList,
    responses=problems(400, 401, 403, 404, 409, 412, 422, 428, 503),
)
async def set_daily_prices(
    request: Request,
    resource_id: uuid.UUID,
    rate_plan_id: uuid.UUID,
    body: DailyPricesBody,
    principal: CompanyAdmin,
    once: Once,
    if_match: IfMatch = None,
) -> Response:
    """Sets or clears (price null) daily prices and overrides of up to 800 dates in one go, at
    the rate plan's version read (`If-Match`: the rate plan's `ETag`; its prices are part of it,
    so setting them answers the plan's new `ETag`). Requires an `Idempotency-Key`."""
    etag = if_match_etag(if_match)

    async def call(key: str) -> Response:
        prices = []
        for entry in body.prices:
            price = catalog_pb2.DailyPrice(date=entry.date.isoformat(), override=entry.override)
            if entry.price is not None:
                price.price.CopyFrom(entry.price.proto())
            prices.append(price)
        reply = await changed_at_version(
            "catalog",
            clients_of(request).catalog.SetDailyPrices(
                catalog_pb2.SetDailyPricesRequest(
                    request_id=caller_request_id("daily-prices", principal, key),
                    resource_id=str(resource_id),
                    rate_plan_id=str(rate_plan_id),
                    prices=prices,
                    etag=etag,
                )
            ),
        )
        out = DailyPriceList(prices=[_daily(p) for p in reply.prices], next_page_token=None, has_more=False)
        return with_etag(out, reply.etag)

    return await once.run(
        principal,
        call,
        path=f"/v1/admin/resources/{resource_id}/rate-plans/{rate_plan_id}/prices?if-match={etag}",
        body=body,
    )
