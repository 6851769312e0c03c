"""Tenancy on the real CatalogService: every RPC (from the service descriptor) refuses a forged
principal of company A naming company B's rows, is not refused on its own company's, company
and platform RPCs are refused to company roles, and a customer principal reads its own
customer record only and writes nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from bookingplatform.catalog.v1 import catalog_pb2 as C
from bookingplatform.catalog.v1 import catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from plumbing.principal import Principal, Role
from plumbing.tenancy_testing import Case, assert_allowed, assert_refused, call_as, rpc_names

pytestmark = pytest.mark.integration

SERVICE = C.DESCRIPTOR.services_by_name["CatalogService"]
Stub = catalog_pb2_grpc.CatalogServiceStub


@dataclass(frozen=True)
class Tenant:
    """Ids of one company's rows, by kind: company, customer, resource, session, unit, rate_plan, extra."""

    ids: dict[str, str]


def _ts(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


async def _tenant(stub: Stub) -> Tenant:
    """A company with one row of every kind, made by the internal caller."""
    eur = money_pb2.Money(amount_minor=1800, currency_code="EUR")
    company = (
        await stub.CreateCompany(
            C.CreateCompanyRequest(
                request_id=str(uuid.uuid4()), name="Harbour", time_zone="Europe/Berlin", currency_code="EUR"
            )
        )
    ).company.id
    customer = (
        await stub.CreateCustomer(
            C.CreateCustomerRequest(
                request_id=str(uuid.uuid4()), company_id=company, display_name="Ada", guest=True
            )
        )
    ).customer.id
    studio = (
        await stub.CreateResource(
            C.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=company,
                name="Studio",
                booking_model=C.BOOKING_MODEL_TIME_SLOT,
            )
        )
    ).resource.id
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    session = (
        await stub.CreateSession(
            C.CreateSessionRequest(
                request_id=str(uuid.uuid4()),
                resource_id=studio,
                start_time=_ts(start),
                end_time=_ts(start + timedelta(hours=1)),
                capacity=10,
                price=eur,
            )
        )
    ).session.id
    cabin = (
        await stub.CreateResource(
            C.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=company,
                name="Cabin",
                booking_model=C.BOOKING_MODEL_NIGHTLY,
            )
        )
    ).resource.id
    unit = (
        await stub.CreateUnit(C.CreateUnitRequest(request_id=str(uuid.uuid4()), resource_id=cabin, name="1"))
    ).unit.id
    rate_plan = (
        await stub.CreateRatePlan(
            C.CreateRatePlanRequest(
                request_id=str(uuid.uuid4()), resource_id=cabin, name="Standard", default_nightly_price=eur
            )
        )
    ).rate_plan.id
    extra = (
        await stub.CreateExtra(
            C.CreateExtraRequest(
                request_id=str(uuid.uuid4()),
                company_id=company,
                name="Mat",
                price=eur,
                pricing_unit=C.PRICING_UNIT_PER_BOOKING,
            )
        )
    ).extra.id
    return Tenant(
        {
            "company": company,
            "customer": customer,
            "resource": studio,
            "session": session,
            "nightly": cabin,
            "unit": unit,
            "rate_plan": rate_plan,
            "extra": extra,
        }
    )


NOT_FOUND = {
    "company": "COMPANY_NOT_FOUND",
    "customer": "CUSTOMER_NOT_FOUND",
    "resource": "RESOURCE_NOT_FOUND",
    "nightly": "RESOURCE_NOT_FOUND",
    "session": "SESSION_NOT_FOUND",
    "unit": "UNIT_NOT_FOUND",
    "rate_plan": "RATE_PLAN_NOT_FOUND",
    "extra": "EXTRA_NOT_FOUND",
}

# Per RPC: where its request names the row that decides whose data it is, and which kind of
# row that is. The request holds that id and nothing else: the tenancy check comes first, so
# the foreign call is refused for it, and the own call is answered (or refused for its own
# missing fields, never for tenancy).
NAMED_BY: dict[str, tuple[str, str]] = {
    "GetCompany": ("company_id", "company"),
    "UpdateCompany": ("company.id", "company"),
    "CreateCustomer": ("company_id", "company"),
    "GetCustomer": ("customer_id", "customer"),
    "ListCustomers": ("company_id", "company"),
    "UpdateCustomer": ("customer.id", "customer"),
    "CreateResource": ("company_id", "company"),
    "GetResource": ("resource_id", "resource"),
    "ListResources": ("company_id", "company"),
    "UpdateResource": ("resource.id", "resource"),
    "ArchiveResource": ("resource_id", "resource"),
    "UpdateResourcePolicy": ("resource_id", "resource"),
    "SetHourlyRate": ("resource_id", "resource"),
    "CreateSession": ("resource_id", "resource"),
    "CreateSessionSeries": ("resource_id", "resource"),
    "GetSession": ("session_id", "session"),
    "ListSessions": ("company_id", "company"),
    "SumSessionPlaces": ("company_id", "company"),
    "UpdateSession": ("session.id", "session"),
    "CancelSession": ("session_id", "session"),
    "CancelSessionSeries": ("session_id", "session"),
    "CreateExtra": ("company_id", "company"),
    "GetExtra": ("extra_id", "extra"),
    "ListExtras": ("company_id", "company"),
    "UpdateExtra": ("extra.id", "extra"),
    "ArchiveExtra": ("extra_id", "extra"),
    "CreateUnit": ("resource_id", "nightly"),
    "GetUnit": ("unit_id", "unit"),
    "ListUnits": ("resource_id", "nightly"),
    "UpdateUnit": ("unit.id", "unit"),
    "ArchiveUnit": ("unit_id", "unit"),
    "CreateRatePlan": ("resource_id", "nightly"),
    "GetRatePlan": ("rate_plan_id", "rate_plan"),
    "ListRatePlans": ("resource_id", "nightly"),
    "UpdateRatePlan": ("rate_plan.id", "rate_plan"),
    "SetDailyPrices": ("resource_id", "nightly"),
    "ListDailyPrices": ("resource_id", "nightly"),
    "GetPricing": ("resource_id", "nightly"),
}
# The platform's own RPCs: no company role may call them, on any company.
PLATFORM_ONLY = {"CreateCompany", "ListCompanies", "SuspendCompany", "ResumeCompany"}


def _request(rpc: str, path: str, value: str) -> Message:
    request = SERVICE.methods_by_name[rpc].input_type._concrete_class()
    target = request
    *parents, name = path.split(".")
    for parent in parents:
        target = getattr(target, parent)
    setattr(target, name, value)
    if hasattr(request, "request_id"):
        request.request_id = str(uuid.uuid4())
    return request  # type: ignore[no-any-return]


def _case(rpc: str, mine: Tenant, theirs: Tenant) -> Case:
    path, kind = NAMED_BY[rpc]
    return Case(
        foreign=_request(rpc, path, theirs.ids[kind]),
        own=_request(rpc, path, mine.ids[kind]),
        reason=NOT_FOUND[kind],
        own_code=None,
    )


@pytest.fixture(scope="module")
async def tenants(catalog: Stub) -> tuple[Tenant, Tenant]:
    return await _tenant(catalog), await _tenant(catalog)


def test_every_rpc_of_the_service_has_a_tenancy_case() -> None:
    assert set(rpc_names(SERVICE)) <= set(NAMED_BY) | PLATFORM_ONLY, "add a case for each new RPC"


@pytest.mark.parametrize("rpc", rpc_names(SERVICE))
async def test_another_companys_rows_are_refused_and_the_own_are_not(
    catalog: Stub, tenants: tuple[Tenant, Tenant], rpc: str
) -> None:
    mine, theirs = tenants
    admin = Principal(role=Role.COMPANY_ADMIN, company_id=mine.ids["company"], user_id=str(uuid.uuid4()))
    if rpc in PLATFORM_ONLY:
        request = SERVICE.methods_by_name[rpc].input_type._concrete_class()
        for company in (mine, theirs):
            if "company_id" in request.DESCRIPTOR.fields_by_name:
                request.company_id = company.ids["company"]
            assert await call_as(catalog, rpc, request, admin) == (
                grpc.StatusCode.PERMISSION_DENIED,
                "PERMISSION_DENIED",
            )
        return
    case = _case(rpc, mine, theirs)
    await assert_refused(catalog, rpc, case, admin)
    await assert_allowed(catalog, rpc, case, admin)


async def test_reads_of_the_own_company_are_answered(catalog: Stub, tenants: tuple[Tenant, Tenant]) -> None:
    mine, _ = tenants
    staff = Principal(role=Role.STAFF, company_id=mine.ids["company"], user_id=str(uuid.uuid4()))
    for rpc in (
        "GetCompany",
        "GetResource",
        "GetSession",
        "GetUnit",
        "ListUnits",
        "GetCustomer",
        "ListExtras",
    ):
        case = _case(rpc, mine, mine)
        await assert_allowed(
            catalog, rpc, Case(foreign=case.foreign, own=case.own, reason=case.reason), staff
        )


async def test_a_customer_reads_its_company_and_own_record_and_writes_nothing(
    catalog: Stub, tenants: tuple[Tenant, Tenant]
) -> None:
    mine, _ = tenants
    neighbour = (
        await catalog.CreateCustomer(
            C.CreateCustomerRequest(
                request_id=str(uuid.uuid4()), company_id=mine.ids["company"], display_name="Bo", guest=True
            )
        )
    ).customer.id
    me = Principal(role=Role.CUSTOMER, company_id=mine.ids["company"], customer_id=mine.ids["customer"])
    own = C.GetCustomerRequest(customer_id=mine.ids["customer"])
    other = C.GetCustomerRequest(customer_id=neighbour)
    await assert_allowed(
        catalog, "GetCustomer", Case(foreign=other, own=own, reason="CUSTOMER_NOT_FOUND"), me
    )
    await assert_refused(catalog, "GetCustomer", Case(foreign=other, reason="CUSTOMER_NOT_FOUND"), me)
    session = C.GetSessionRequest(session_id=mine.ids["session"])
    await assert_allowed(
        catalog, "GetSession", Case(foreign=session, own=session, reason="SESSION_NOT_FOUND"), me
    )
    cancel = C.CancelSessionRequest(request_id=str(uuid.uuid4()), session_id=mine.ids["session"], reason="no")
    assert await call_as(catalog, "CancelSession", cancel, me) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "PERMISSION_DENIED",
    )
