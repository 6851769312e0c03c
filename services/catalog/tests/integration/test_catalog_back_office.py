"""The back office's RPCs through a real catalog: updates by field mask at the etag read (a
stale etag is ABORTED, two concurrent updates of one version: one wins), the currency locked
once priced, suspension, archive hiding from lists, request_id retries, tenancy and roles."""

import asyncio
import uuid

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from sqlalchemy import text

from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from plumbing.db import Database
from plumbing.principal import METADATA_KEY, Principal, Role

pytestmark = pytest.mark.integration


def _as(role: Role, company_id: str | None = None) -> list[tuple[str, str]]:
    return [(METADATA_KEY, Principal(role=role, company_id=company_id, user_id=str(uuid.uuid4())).encode())]


def _mask(*paths: str) -> FieldMask:
    return FieldMask(paths=list(paths))


def _eur(amount: int) -> money_pb2.Money:
    return money_pb2.Money(amount_minor=amount, currency_code="EUR")


async def _update_company(catalog, company, *paths, request_id="", **values):
    given = catalog_pb2.Company(id=company.id, etag=company.etag, **values)
    request = catalog_pb2.UpdateCompanyRequest(
        request_id=request_id, company=given, update_mask=_mask(*paths)
    )
    return (await catalog.UpdateCompany(request)).company


async def test_a_company_update_changes_only_the_masked_fields_and_its_etag(catalog, company):
    assert company.state == catalog_pb2.COMPANY_STATE_ACTIVE
    updated = await _update_company(
        catalog,
        company,
        "description",
        "allowed_origins",
        "contact_email",
        description="Yoga by the harbour",
        allowed_origins=["https://Shop.example.com", "http://localhost:5173"],
        contact_email="hello@example.com",
        name="ignored: not in the mask",
    )
    assert updated.description == "Yoga by the harbour"
    assert list(updated.allowed_origins) == ["https://shop.example.com", "http://localhost:5173"]
    assert updated.contact_email == "hello@example.com"
    assert updated.name == company.name
    assert updated.etag != company.etag
    read = (await catalog.GetCompany(catalog_pb2.GetCompanyRequest(company_id=company.id))).company
    assert read == updated


async def test_a_stale_etag_is_aborted_and_changes_nothing(catalog, company, refused):
    await _update_company(catalog, company, "name", name="First")
    refusal = await refused(_update_company(catalog, company, "name", name="Second"))
    assert (refusal.code, refusal.reason) == (grpc.StatusCode.ABORTED, "ETAG_MISMATCH")
    read = (await catalog.GetCompany(catalog_pb2.GetCompanyRequest(company_id=company.id))).company
    assert read.name == "First"


async def test_two_concurrent_updates_of_one_version_one_wins_the_other_is_aborted(catalog, resource):
    async def rename(name: str):
        given = catalog_pb2.Resource(id=resource.id, etag=resource.etag, name=name)
        return await catalog.UpdateResource(
            catalog_pb2.UpdateResourceRequest(resource=given, update_mask=_mask("name"))
        )

    results = await asyncio.gather(*(rename(f"Studio {i}") for i in range(4)), return_exceptions=True)
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1
    assert all(isinstance(e, grpc.aio.AioRpcError) and e.code() == grpc.StatusCode.ABORTED for e in lost)
    read = (await catalog.GetResource(catalog_pb2.GetResourceRequest(resource_id=resource.id))).resource
    assert read.name == won[0].resource.name
    assert read.version == resource.version + 1


async def test_the_currency_changes_until_the_company_prices_something_then_it_is_locked(
    catalog, company, refused
):
    company = await _update_company(catalog, company, "currency_code", currency_code="CHF")
    assert company.currency_code == "CHF"
    await catalog.CreateExtra(
        catalog_pb2.CreateExtraRequest(
            company_id=company.id, name="Mat", price=money_pb2.Money(amount_minor=300, currency_code="CHF")
        )
    )
    refusal = await refused(_update_company(catalog, company, "currency_code", currency_code="EUR"))
    assert (refusal.code, refusal.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "CURRENCY_LOCKED")
    read = (await catalog.GetCompany(catalog_pb2.GetCompanyRequest(company_id=company.id))).company
    assert read.currency_code == "CHF"


async def test_bad_values_and_masks_are_refused_with_their_field(catalog, company, refused):
    cases = [
        (("allowed_origins",), {"allowed_origins": ["https://shop.example.com/path"]}, "INVALID_ORIGIN"),
        (("time_zone",), {"time_zone": "Mars/Olympus"}, "INVALID_TIME_ZONE"),
        (("contact_email",), {"contact_email": "not an address"}, "INVALID_EMAIL"),
        (("contact_phone",), {"contact_phone": "call me"}, "INVALID_CONTACT"),
        (("id",), {}, "INVALID_UPDATE_MASK"),
        ((), {}, "INVALID_UPDATE_MASK"),
    ]
    for paths, values, reason in cases:
        refusal = await refused(_update_company(catalog, company, *paths, **values))
        assert (refusal.code, refusal.reason) == (grpc.StatusCode.INVALID_ARGUMENT, reason), paths


async def test_suspend_and_resume_a_company_and_list_companies_page_by_page(catalog, company, refused):
    suspended = (
        await catalog.SuspendCompany(
            catalog_pb2.SuspendCompanyRequest(
                company_id=company.id, reason="unpaid invoices", etag=company.etag
            )
        )
    ).company
    assert suspended.state == catalog_pb2.COMPANY_STATE_SUSPENDED
    assert suspended.suspend_reason == "unpaid invoices"
    refusal = await refused(
        catalog.SuspendCompany(catalog_pb2.SuspendCompanyRequest(company_id=company.id, reason=" "))
    )
    assert refusal.reason == "INVALID_REASON"
    resumed = (
        await catalog.ResumeCompany(
            catalog_pb2.ResumeCompanyRequest(company_id=company.id, etag=suspended.etag)
        )
    ).company
    assert resumed.state == catalog_pb2.COMPANY_STATE_ACTIVE
    assert resumed.suspend_reason == ""

    seen: list[str] = []
    token = ""
    while True:
        page = await catalog.ListCompanies(catalog_pb2.ListCompaniesRequest(page_size=7, page_token=token))
        seen.extend(c.id for c in page.companies)
        token = page.next_page_token
        if not token:
            break
    assert company.id in seen
    assert len(seen) == len(set(seen))


async def test_a_suspended_companys_resources_and_sessions_are_not_found_by_those_who_book(
    catalog, company, resource, session_request, refused
):
    session = (await catalog.CreateSession(session_request())).session
    sessions = catalog_pb2.ListSessionsRequest(company_id=company.id)
    resources = catalog_pb2.ListResourcesRequest(company_id=company.id)
    customer, guest = (_as(role, company.id) for role in (Role.CUSTOMER, Role.GUEST))
    listed = await catalog.ListSessions(sessions, metadata=guest)
    assert [s.id for s in listed.sessions] == [session.id]
    await catalog.SuspendCompany(
        catalog_pb2.SuspendCompanyRequest(company_id=company.id, reason="unpaid invoices", etag=company.etag)
    )

    # Customers and guests find it as its public site does: not found.
    for caller in (customer, guest):
        for found in (
            catalog.ListSessions(sessions, metadata=caller),
            catalog.ListResources(resources, metadata=caller),
        ):
            refusal = await refused(found)
            assert (refusal.code, refusal.reason) == (grpc.StatusCode.NOT_FOUND, "COMPANY_NOT_FOUND")
    # Its staff and admins, platform admins and internal callers still list everything.
    for caller in (
        _as(Role.STAFF, company.id),
        _as(Role.COMPANY_ADMIN, company.id),
        _as(Role.PLATFORM_ADMIN),
        None,
    ):
        listed = await catalog.ListSessions(sessions, metadata=caller)
        assert [s.id for s in listed.sessions] == [session.id]
        listed_resources = await catalog.ListResources(resources, metadata=caller)
        assert [r.id for r in listed_resources.resources] == [resource.id]


async def test_a_suspended_companys_resources_sessions_units_and_rate_plans_are_not_read_by_those_who_book(
    catalog, company, resource, room_type, session_request, refused
):
    session = (await catalog.CreateSession(session_request())).session
    unit = (
        await catalog.CreateUnit(catalog_pb2.CreateUnitRequest(resource_id=room_type.id, name="Cabin 1"))
    ).unit
    plan = (
        await catalog.CreateRatePlan(
            catalog_pb2.CreateRatePlanRequest(
                resource_id=room_type.id, name="Standard", default_nightly_price=_eur(9000)
            )
        )
    ).rate_plan
    reads = {
        "GetResource": (catalog.GetResource, catalog_pb2.GetResourceRequest(resource_id=resource.id)),
        "GetSession": (catalog.GetSession, catalog_pb2.GetSessionRequest(session_id=session.id)),
        "ListUnits": (catalog.ListUnits, catalog_pb2.ListUnitsRequest(resource_id=room_type.id)),
        "GetUnit": (catalog.GetUnit, catalog_pb2.GetUnitRequest(unit_id=unit.id)),
        "ListRatePlans": (catalog.ListRatePlans, catalog_pb2.ListRatePlansRequest(resource_id=room_type.id)),
        "GetRatePlan": (catalog.GetRatePlan, catalog_pb2.GetRatePlanRequest(rate_plan_id=plan.id)),
    }
    not_found = {
        "GetResource": "RESOURCE_NOT_FOUND",
        "GetSession": "SESSION_NOT_FOUND",
        "ListUnits": "RESOURCE_NOT_FOUND",
        "GetUnit": "UNIT_NOT_FOUND",
        "ListRatePlans": "RESOURCE_NOT_FOUND",
        "GetRatePlan": "RATE_PLAN_NOT_FOUND",
    }
    customer, guest = (_as(role, company.id) for role in (Role.CUSTOMER, Role.GUEST))
    for call, request in reads.values():
        await call(request, metadata=guest)  # read while the company is active
    await catalog.SuspendCompany(
        catalog_pb2.SuspendCompanyRequest(company_id=company.id, reason="unpaid invoices", etag=company.etag)
    )

    # Customers and guests find none of it, each with the row's own not-found reason.
    for caller in (customer, guest):
        for name, (call, request) in reads.items():
            refusal = await refused(call(request, metadata=caller))
            assert (name, refusal.code, refusal.reason) == (name, grpc.StatusCode.NOT_FOUND, not_found[name])
    # Its staff and admins, platform admins and internal callers read all of it.
    for caller in (
        _as(Role.STAFF, company.id),
        _as(Role.COMPANY_ADMIN, company.id),
        _as(Role.PLATFORM_ADMIN),
        None,
    ):
        assert (await catalog.GetSession(reads["GetSession"][1], metadata=caller)).session.id == session.id
        assert (
            await catalog.GetResource(reads["GetResource"][1], metadata=caller)
        ).resource.id == resource.id
        assert [u.id for u in (await catalog.ListUnits(reads["ListUnits"][1], metadata=caller)).units] == [
            unit.id
        ]
        assert (await catalog.GetRatePlan(reads["GetRatePlan"][1], metadata=caller)).rate_plan.id == plan.id


async def test_a_resource_takes_description_images_amenities_capacity_and_policy(catalog, resource, refused):
    given = catalog_pb2.Resource(
        id=resource.id,
        etag=resource.etag,
        description="Bright room, 20 mats",
        image_urls=["https://img.example.com/a.jpg"],
        amenities=["showers", "lockers", "showers"],
        capacity=20,
        policy=catalog_pb2.ResourcePolicy(horizon_days=90, free_cancellation_minutes=60),
    )
    updated = (
        await catalog.UpdateResource(
            catalog_pb2.UpdateResourceRequest(
                resource=given,
                update_mask=_mask("description", "image_urls", "amenities", "capacity", "policy"),
            )
        )
    ).resource
    assert updated.description == "Bright room, 20 mats"
    assert list(updated.image_urls) == ["https://img.example.com/a.jpg"]
    assert list(updated.amenities) == ["showers", "lockers"]
    assert updated.capacity == 20
    assert updated.policy.horizon_days == 90
    assert updated.version == resource.version + 1

    bad = catalog_pb2.Resource(id=resource.id, image_urls=["javascript:alert(1)"])
    refusal = await refused(
        catalog.UpdateResource(
            catalog_pb2.UpdateResourceRequest(resource=bad, update_mask=_mask("image_urls"))
        )
    )
    assert (refusal.reason, refusal.field) == ("INVALID_IMAGE_URL", "image_urls[0]")
    nightly_rule = catalog_pb2.Resource(id=resource.id, policy=catalog_pb2.ResourcePolicy(min_nights=2))
    refusal = await refused(
        catalog.UpdateResource(
            catalog_pb2.UpdateResourceRequest(resource=nightly_rule, update_mask=_mask("policy"))
        )
    )
    assert refusal.reason == "INVALID_POLICY"
    rate = catalog_pb2.Resource(id=resource.id, hourly_rate=_eur(1000))
    refusal = await refused(
        catalog.UpdateResource(
            catalog_pb2.UpdateResourceRequest(resource=rate, update_mask=_mask("hourly_rate"))
        )
    )
    assert refusal.reason == "RESOURCE_NOT_INTERVAL"


async def test_a_retried_update_changes_nothing_more(catalog, resource):
    request_id = str(uuid.uuid4())
    given = catalog_pb2.Resource(id=resource.id, etag=resource.etag, name="Studio B")
    request = catalog_pb2.UpdateResourceRequest(
        request_id=request_id, resource=given, update_mask=_mask("name")
    )
    first = (await catalog.UpdateResource(request)).resource
    again = (await catalog.UpdateResource(request)).resource
    assert again == first
    assert again.version == resource.version + 1


async def test_an_archived_resource_is_hidden_from_the_list_but_still_read(catalog, company, new_resource):
    kept = await new_resource(catalog_pb2.BOOKING_MODEL_INTERVAL, name="Kayak")
    gone = await new_resource(catalog_pb2.BOOKING_MODEL_NIGHTLY, name="Old cabin")
    archived = (
        await catalog.ArchiveResource(catalog_pb2.ArchiveResourceRequest(resource_id=gone.id, etag=gone.etag))
    ).resource
    assert archived.HasField("archive_time")
    again = (await catalog.ArchiveResource(catalog_pb2.ArchiveResourceRequest(resource_id=gone.id))).resource
    assert again == archived

    listed = await catalog.ListResources(catalog_pb2.ListResourcesRequest(company_id=company.id))
    assert [r.id for r in listed.resources] == [kept.id]
    everything = await catalog.ListResources(
        catalog_pb2.ListResourcesRequest(company_id=company.id, show_archived=True)
    )
    assert {r.id for r in everything.resources} == {kept.id, gone.id}
    nightly = await catalog.ListResources(
        catalog_pb2.ListResourcesRequest(
            company_id=company.id, show_archived=True, booking_model=catalog_pb2.BOOKING_MODEL_NIGHTLY
        )
    )
    assert [r.id for r in nightly.resources] == [gone.id]
    read = (await catalog.GetResource(catalog_pb2.GetResourceRequest(resource_id=gone.id))).resource
    assert read.HasField("archive_time")


async def test_units_are_renamed_and_archived(catalog, room_type, refused):
    def create(name: str):
        return catalog.CreateUnit(catalog_pb2.CreateUnitRequest(resource_id=room_type.id, name=name))

    one = (await create("Cabin 1")).unit
    two = (await create("Cabin 2")).unit
    renamed = (
        await catalog.UpdateUnit(
            catalog_pb2.UpdateUnitRequest(
                unit=catalog_pb2.Unit(id=one.id, etag=one.etag, name="Cabin 1 (lake view)"),
                update_mask=_mask("name"),
            )
        )
    ).unit
    assert renamed.name == "Cabin 1 (lake view)"
    refusal = await refused(
        catalog.UpdateUnit(
            catalog_pb2.UpdateUnitRequest(
                unit=catalog_pb2.Unit(id=two.id, name="cabin 1 (LAKE view)"), update_mask=_mask("name")
            )
        )
    )
    assert (refusal.code, refusal.reason) == (grpc.StatusCode.ALREADY_EXISTS, "UNIT_NAME_TAKEN")
    await catalog.ArchiveUnit(catalog_pb2.ArchiveUnitRequest(unit_id=two.id, etag=two.etag))
    listed = await catalog.ListUnits(catalog_pb2.ListUnitsRequest(resource_id=room_type.id))
    assert [u.id for u in listed.units] == [one.id]
    everything = await catalog.ListUnits(
        catalog_pb2.ListUnitsRequest(resource_id=room_type.id, show_archived=True)
    )
    assert [u.id for u in everything.units] == [one.id, two.id]


async def test_extras_are_updated_and_archived_out_of_the_list(catalog, company, refused):
    extra = (
        await catalog.CreateExtra(
            catalog_pb2.CreateExtraRequest(company_id=company.id, name="Towel", price=_eur(200))
        )
    ).extra
    given = catalog_pb2.Extra(
        id=extra.id,
        etag=extra.etag,
        price=_eur(250),
        pricing_unit=catalog_pb2.PRICING_UNIT_PER_GUEST,
        description="Fresh every day",
    )
    updated = (
        await catalog.UpdateExtra(
            catalog_pb2.UpdateExtraRequest(
                extra=given, update_mask=_mask("price", "pricing_unit", "description")
            )
        )
    ).extra
    assert (updated.price.amount_minor, updated.pricing_unit) == (250, catalog_pb2.PRICING_UNIT_PER_GUEST)
    dollars = catalog_pb2.Extra(id=extra.id, price=money_pb2.Money(amount_minor=1, currency_code="USD"))
    refusal = await refused(
        catalog.UpdateExtra(catalog_pb2.UpdateExtraRequest(extra=dollars, update_mask=_mask("price")))
    )
    assert refusal.reason == "CURRENCY_MISMATCH"
    await catalog.ArchiveExtra(catalog_pb2.ArchiveExtraRequest(extra_id=extra.id, etag=updated.etag))
    listed = await catalog.ListExtras(catalog_pb2.ListExtrasRequest(company_id=company.id))
    assert extra.id not in [e.id for e in listed.extras]
    read = (await catalog.GetExtra(catalog_pb2.GetExtraRequest(extra_id=extra.id))).extra
    assert read.HasField("archive_time")


async def test_a_rate_plan_is_renamed_and_repriced(catalog, room_type):
    plan = (
        await catalog.CreateRatePlan(
            catalog_pb2.CreateRatePlanRequest(
                resource_id=room_type.id, name="Standard", default_nightly_price=_eur(9000)
            )
        )
    ).rate_plan
    given = catalog_pb2.RatePlan(
        id=plan.id, etag=plan.etag, name="Flexible", default_nightly_price=_eur(9900)
    )
    updated = (
        await catalog.UpdateRatePlan(
            catalog_pb2.UpdateRatePlanRequest(
                rate_plan=given, update_mask=_mask("name", "default_nightly_price")
            )
        )
    ).rate_plan
    assert (updated.name, updated.default_nightly_price.amount_minor) == ("Flexible", 9900)
    read = (await catalog.GetRatePlan(catalog_pb2.GetRatePlanRequest(rate_plan_id=plan.id))).rate_plan
    assert read == updated


async def test_another_company_is_not_found_and_staff_may_not_change_the_catalog(
    catalog, company, resource, refused
):
    other = str(uuid.uuid4())
    rename = catalog_pb2.UpdateResourceRequest(
        resource=catalog_pb2.Resource(id=resource.id, name="Taken over"), update_mask=_mask("name")
    )
    refusal = await refused(catalog.UpdateResource(rename, metadata=_as(Role.COMPANY_ADMIN, other)))
    assert (refusal.code, refusal.reason) == (grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND")
    refusal = await refused(catalog.UpdateResource(rename, metadata=_as(Role.STAFF, company.id)))
    assert refusal.code == grpc.StatusCode.PERMISSION_DENIED
    refusal = await refused(
        catalog.ListResources(
            catalog_pb2.ListResourcesRequest(company_id=company.id), metadata=_as(Role.COMPANY_ADMIN, other)
        )
    )
    assert refusal.reason == "COMPANY_NOT_FOUND"
    refusal = await refused(
        catalog.ListCompanies(
            catalog_pb2.ListCompaniesRequest(), metadata=_as(Role.COMPANY_ADMIN, company.id)
        )
    )
    assert refusal.code == grpc.StatusCode.PERMISSION_DENIED
    own = await catalog.UpdateResource(rename, metadata=_as(Role.COMPANY_ADMIN, company.id))
    assert own.resource.name == "Taken over"
    staff_read = await catalog.ListResources(
        catalog_pb2.ListResourcesRequest(company_id=company.id), metadata=_as(Role.STAFF, company.id)
    )
    assert [r.id for r in staff_read.resources] == [resource.id]


async def test_every_change_by_a_person_is_in_the_audit_log_with_its_actor(catalog, company, database_url):
    admin = Principal(role=Role.COMPANY_ADMIN, company_id=company.id, user_id=str(uuid.uuid4()))
    metadata = [(METADATA_KEY, admin.encode())]
    created = (
        await catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=company.id, name="Sauna", booking_model=catalog_pb2.BOOKING_MODEL_INTERVAL
            ),
            metadata=metadata,
        )
    ).resource
    given = catalog_pb2.Resource(id=created.id, etag=created.etag, name="Big sauna")
    await catalog.UpdateResource(
        catalog_pb2.UpdateResourceRequest(resource=given, update_mask=_mask("name")), metadata=metadata
    )
    await catalog.ArchiveResource(
        catalog_pb2.ArchiveResourceRequest(resource_id=created.id), metadata=metadata
    )

    db = Database(database_url, pool_size=1, schema="catalog")
    try:
        async with db.transaction() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT action, actor_user_id, actor_role, changed FROM catalog.audit_log"
                        " WHERE entity_id = :id ORDER BY occurred_at"
                    ),
                    {"id": created.id},
                )
            ).all()
    finally:
        await db.close()
    assert [row.action for row in rows] == ["create", "update", "archive"]
    assert {(row.actor_user_id, row.actor_role) for row in rows} == {(admin.user_id, "COMPANY_ADMIN")}
    assert rows[1].changed["before"]["name"] == "Sauna"
    assert rows[1].changed["after"]["name"] == "Big sauna"
    assert set(rows[1].changed["after"]) == {"name", "version"}


async def test_a_company_admin_updates_its_own_company_and_finds_no_other(catalog, company, refused):
    given = catalog_pb2.Company(id=company.id, etag=company.etag, address="Quay 1, Kiel")
    request = catalog_pb2.UpdateCompanyRequest(company=given, update_mask=_mask("address"))
    refusal = await refused(
        catalog.UpdateCompany(request, metadata=_as(Role.COMPANY_ADMIN, str(uuid.uuid4())))
    )
    assert (refusal.code, refusal.reason) == (grpc.StatusCode.NOT_FOUND, "COMPANY_NOT_FOUND")
    own = await catalog.UpdateCompany(request, metadata=_as(Role.COMPANY_ADMIN, company.id))
    assert own.company.address == "Quay 1, Kiel"


async def test_the_sessions_of_an_archived_resource_leave_the_list_unless_asked_for(
    catalog, company, resource, session_request
):
    session = (await catalog.CreateSession(session_request(hours=1))).session
    listed = await catalog.ListSessions(catalog_pb2.ListSessionsRequest(company_id=company.id))
    assert [s.id for s in listed.sessions] == [session.id]
    await catalog.ArchiveResource(catalog_pb2.ArchiveResourceRequest(resource_id=resource.id))
    hidden = await catalog.ListSessions(catalog_pb2.ListSessionsRequest(company_id=company.id))
    assert list(hidden.sessions) == []
    shown = await catalog.ListSessions(
        catalog_pb2.ListSessionsRequest(company_id=company.id, show_archived=True)
    )
    assert [s.id for s in shown.sessions] == [session.id]
    read = await catalog.GetSession(catalog_pb2.GetSessionRequest(session_id=session.id))
    assert read.session.id == session.id
