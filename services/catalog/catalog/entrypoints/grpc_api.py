"""CatalogService over gRPC: proto -> command -> handler -> proto. Translation only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeAlias

from grpc import aio

from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from catalog.domain import back_office
from catalog.domain.commands import (
    CancelSession,
    CancelSessionSeries,
    CreateCompany,
    CreateCustomer,
    CreateExtra,
    CreateRatePlan,
    CreateResource,
    CreateSession,
    CreateSessionSeries,
    CreateUnit,
    DailyPriceInput,
    GetPricing,
    ListCustomers,
    ListDailyPrices,
    ListSessions,
    SetDailyPrices,
    SetHourlyRate,
    SumSessionPlaces,
    UpdateCustomer,
    UpdateResourcePolicy,
    UpdateSession,
)
from catalog.entrypoints import protos
from catalog.service import companies, customers, extras, rate_plans, resources, sessions, units
from catalog.service.companies import Holdings
from catalog.service.tenancy import guard as tenancy_guard
from plumbing import ids
from plumbing.db import Database
from plumbing.outbox import Outbox
from plumbing.validation import optional_timestamp

Context: TypeAlias = "aio.ServicerContext[Any, Any]"


class CatalogApi(catalog_pb2_grpc.CatalogServiceServicer):
    def __init__(self, db: Database, outbox: Outbox, holdings: Holdings | None = None) -> None:
        self.db = db
        self.outbox = outbox
        # The wallet, asked before a company's currency changes (None: tests of the catalog alone).
        self.holdings = holdings

    async def CreateCompany(
        self, request: catalog_pb2.CreateCompanyRequest, context: Context
    ) -> catalog_pb2.CreateCompanyResponse:
        command = CreateCompany.parse(
            request_id=request.request_id,
            name=request.name,
            time_zone=request.time_zone,
            currency_code=request.currency_code,
        )
        company = await companies.create_company(self.db, command)
        return catalog_pb2.CreateCompanyResponse(company=protos.company(company))

    async def GetCompany(
        self, request: catalog_pb2.GetCompanyRequest, context: Context
    ) -> catalog_pb2.GetCompanyResponse:
        company = await companies.get_company(
            self.db,
            ids.parse_uuid(request.company_id, "company_id"),
            wait_for_currency_change=request.wait_for_currency_change,
        )
        return catalog_pb2.GetCompanyResponse(company=protos.company(company))

    async def CreateCustomer(
        self, request: catalog_pb2.CreateCustomerRequest, context: Context
    ) -> catalog_pb2.CreateCustomerResponse:
        command = CreateCustomer.parse(
            request_id=request.request_id,
            company_id=request.company_id,
            display_name=request.display_name,
            email=request.email,
            guest=request.guest,
        )
        customer = await customers.create_customer(self.db, command)
        return catalog_pb2.CreateCustomerResponse(customer=protos.customer(customer))

    async def GetCustomer(
        self, request: catalog_pb2.GetCustomerRequest, context: Context
    ) -> catalog_pb2.GetCustomerResponse:
        customer = await customers.get_customer(self.db, ids.parse_uuid(request.customer_id, "customer_id"))
        return catalog_pb2.GetCustomerResponse(customer=protos.customer(customer))

    async def ListCustomers(
        self, request: catalog_pb2.ListCustomersRequest, context: Context
    ) -> catalog_pb2.ListCustomersResponse:
        query = ListCustomers.parse(
            company_id=request.company_id,
            query=request.query,
            page_size=request.page_size,
            page_token=request.page_token,
        )
        page = await customers.list_customers(self.db, query)
        return catalog_pb2.ListCustomersResponse(
            customers=[protos.customer(customer) for customer in page.customers],
            next_page_token=page.next_page_token,
            has_more=bool(page.next_page_token),
        )

    async def UpdateCustomer(
        self, request: catalog_pb2.UpdateCustomerRequest, context: Context
    ) -> catalog_pb2.UpdateCustomerResponse:
        command = UpdateCustomer.parse(
            customer_id=request.customer.id,
            expected_version=request.expected_version,
            paths=list(request.update_mask.paths),
            display_name=request.customer.display_name,
            email=request.customer.email,
            phone=request.customer.phone,
        )
        customer = await customers.update_customer(self.db, command)
        return catalog_pb2.UpdateCustomerResponse(customer=protos.customer(customer))

    async def CreateResource(
        self, request: catalog_pb2.CreateResourceRequest, context: Context
    ) -> catalog_pb2.CreateResourceResponse:
        command = CreateResource.parse(
            request_id=request.request_id,
            company_id=request.company_id,
            name=request.name,
            booking_model=protos.BOOKING_MODEL_NAMES.get(request.booking_model),
            policy=protos.optional_policy_input(request),
            hourly_rate_amount_minor=protos.price_amount(request, "hourly_rate"),
            hourly_rate_currency_code=request.hourly_rate.currency_code,
            profile={
                "description": request.description,
                "image_urls": list(request.image_urls),
                "amenities": list(request.amenities),
                "capacity": request.capacity,
            },
        )
        resource = await resources.create_resource(self.db, command)
        return catalog_pb2.CreateResourceResponse(resource=protos.resource(resource))

    async def GetResource(
        self, request: catalog_pb2.GetResourceRequest, context: Context
    ) -> catalog_pb2.GetResourceResponse:
        resource = await resources.get_resource(self.db, ids.parse_uuid(request.resource_id, "resource_id"))
        return catalog_pb2.GetResourceResponse(resource=protos.resource(resource))

    async def CreateSession(
        self, request: catalog_pb2.CreateSessionRequest, context: Context
    ) -> catalog_pb2.CreateSessionResponse:
        command = CreateSession.parse(
            request_id=request.request_id,
            resource_id=request.resource_id,
            start_time=optional_timestamp(request, "start_time"),
            end_time=optional_timestamp(request, "end_time"),
            capacity=request.capacity,
            price_amount_minor=protos.price_amount(request),
            price_currency_code=request.price.currency_code,
            now=datetime.now(UTC),
        )
        session = await sessions.create_session(self.db, self.outbox, command)
        return catalog_pb2.CreateSessionResponse(session=protos.session(session))

    async def GetSession(
        self, request: catalog_pb2.GetSessionRequest, context: Context
    ) -> catalog_pb2.GetSessionResponse:
        session = await sessions.get_session(self.db, ids.parse_uuid(request.session_id, "session_id"))
        return catalog_pb2.GetSessionResponse(session=protos.session(session))

    async def ListSessions(
        self, request: catalog_pb2.ListSessionsRequest, context: Context
    ) -> catalog_pb2.ListSessionsResponse:
        query = ListSessions.parse(
            company_id=request.company_id,
            resource_id=request.resource_id,
            start_time_from=optional_timestamp(request, "start_time_from"),
            page_size=request.page_size,
            page_token=request.page_token,
            start_time_to=optional_timestamp(request, "start_time_to"),
            show_archived=request.show_archived,
        )
        page = await sessions.list_sessions(self.db, query)
        return catalog_pb2.ListSessionsResponse(
            sessions=[protos.session(session) for session in page.sessions],
            next_page_token=page.next_page_token,
        )

    async def SumSessionPlaces(
        self, request: catalog_pb2.SumSessionPlacesRequest, context: Context
    ) -> catalog_pb2.SumSessionPlacesResponse:
        query = SumSessionPlaces.parse(
            company_id=request.company_id,
            resource_id=request.resource_id,
            start_time_from=optional_timestamp(request, "start_time_from"),
            start_time_to=optional_timestamp(request, "start_time_to"),
        )
        found = await sessions.sum_session_places(self.db, query)
        return catalog_pb2.SumSessionPlacesResponse(
            resources=[
                catalog_pb2.ResourcePlaces(
                    resource_id=str(item.resource_id), session_count=item.session_count, places=item.places
                )
                for item in found
            ]
        )

    async def CreateSessionSeries(
        self, request: catalog_pb2.CreateSessionSeriesRequest, context: Context
    ) -> catalog_pb2.CreateSessionSeriesResponse:
        command = CreateSessionSeries.parse(
            request_id=request.request_id,
            resource_id=request.resource_id,
            start_date=request.start_date,
            start_time_of_day=request.start_time_of_day,
            duration_minutes=request.duration_minutes,
            rrule=request.rrule,
            capacity=request.capacity,
            price_amount_minor=protos.price_amount(request),
            price_currency_code=request.price.currency_code,
            now=datetime.now(UTC),
        )
        series = await sessions.create_series(self.db, self.outbox, command)
        return catalog_pb2.CreateSessionSeriesResponse(
            series_id=str(series.id),
            sessions=[protos.session(session) for session in series.sessions],
            moved_occurrences=[protos.moved_occurrence(moved) for moved in series.moved],
        )

    async def UpdateSession(
        self, request: catalog_pb2.UpdateSessionRequest, context: Context
    ) -> catalog_pb2.UpdateSessionResponse:
        given = request.session
        command = UpdateSession.parse(
            request_id=request.request_id,
            session_id=given.id,
            etag=given.etag,
            paths=list(request.update_mask.paths),
            capacity=given.capacity,
            price_amount_minor=protos.price_amount(given),
            price_currency_code=given.price.currency_code,
            start_time=optional_timestamp(given, "start_time"),
            end_time=optional_timestamp(given, "end_time"),
            now=datetime.now(UTC),
        )
        session = await sessions.update_session(self.db, self.outbox, command)
        return catalog_pb2.UpdateSessionResponse(session=protos.session(session))

    async def CancelSessionSeries(
        self, request: catalog_pb2.CancelSessionSeriesRequest, context: Context
    ) -> catalog_pb2.CancelSessionSeriesResponse:
        command = CancelSessionSeries.parse(
            request_id=request.request_id, session_id=request.session_id, reason=request.reason
        )
        cancelled = await sessions.cancel_series(self.db, self.outbox, command)
        return catalog_pb2.CancelSessionSeriesResponse(
            sessions=[protos.session(session) for session in cancelled]
        )

    async def CreateExtra(
        self, request: catalog_pb2.CreateExtraRequest, context: Context
    ) -> catalog_pb2.CreateExtraResponse:
        command = CreateExtra.parse(
            request_id=request.request_id,
            company_id=request.company_id,
            name=request.name,
            price_amount_minor=protos.price_amount(request),
            price_currency_code=request.price.currency_code,
            pricing_unit=protos.pricing_unit_name(request.pricing_unit),
        )
        extra = await extras.create_extra(self.db, command)
        return catalog_pb2.CreateExtraResponse(extra=protos.extra(extra))

    async def ListExtras(
        self, request: catalog_pb2.ListExtrasRequest, context: Context
    ) -> catalog_pb2.ListExtrasResponse:
        found = await extras.list_extras(
            self.db, ids.parse_uuid(request.company_id, "company_id"), show_archived=request.show_archived
        )
        return catalog_pb2.ListExtrasResponse(extras=[protos.extra(extra) for extra in found])

    async def CancelSession(
        self, request: catalog_pb2.CancelSessionRequest, context: Context
    ) -> catalog_pb2.CancelSessionResponse:
        command = CancelSession.parse(
            request_id=request.request_id, session_id=request.session_id, reason=request.reason
        )
        session = await sessions.cancel_session(self.db, self.outbox, command)
        return catalog_pb2.CancelSessionResponse(session=protos.session(session))

    async def UpdateResourcePolicy(
        self, request: catalog_pb2.UpdateResourcePolicyRequest, context: Context
    ) -> catalog_pb2.UpdateResourcePolicyResponse:
        command = UpdateResourcePolicy.parse(
            request_id=request.request_id,
            resource_id=request.resource_id,
            policy=protos.optional_policy_input(request),
        )
        resource = await resources.update_resource_policy(self.db, self.outbox, command)
        return catalog_pb2.UpdateResourcePolicyResponse(resource=protos.resource(resource))

    async def SetHourlyRate(
        self, request: catalog_pb2.SetHourlyRateRequest, context: Context
    ) -> catalog_pb2.SetHourlyRateResponse:
        command = SetHourlyRate.parse(
            request_id=request.request_id,
            resource_id=request.resource_id,
            amount_minor=protos.price_amount(request, "hourly_rate"),
            currency_code=request.hourly_rate.currency_code,
        )
        resource = await resources.set_hourly_rate(self.db, self.outbox, command)
        return catalog_pb2.SetHourlyRateResponse(resource=protos.resource(resource))

    async def CreateUnit(
        self, request: catalog_pb2.CreateUnitRequest, context: Context
    ) -> catalog_pb2.CreateUnitResponse:
        command = CreateUnit.parse(
            request_id=request.request_id, resource_id=request.resource_id, name=request.name
        )
        unit = await units.create_unit(self.db, command)
        return catalog_pb2.CreateUnitResponse(unit=protos.unit(unit))

    async def GetUnit(
        self, request: catalog_pb2.GetUnitRequest, context: Context
    ) -> catalog_pb2.GetUnitResponse:
        unit = await units.get_unit(self.db, ids.parse_uuid(request.unit_id, "unit_id"))
        return catalog_pb2.GetUnitResponse(unit=protos.unit(unit))

    async def ListUnits(
        self, request: catalog_pb2.ListUnitsRequest, context: Context
    ) -> catalog_pb2.ListUnitsResponse:
        found = await units.list_units(
            self.db, ids.parse_uuid(request.resource_id, "resource_id"), show_archived=request.show_archived
        )
        return catalog_pb2.ListUnitsResponse(units=[protos.unit(unit) for unit in found])

    async def CreateRatePlan(
        self, request: catalog_pb2.CreateRatePlanRequest, context: Context
    ) -> catalog_pb2.CreateRatePlanResponse:
        command = CreateRatePlan.parse(
            request_id=request.request_id,
            resource_id=request.resource_id,
            name=request.name,
            price_amount_minor=protos.price_amount(request, "default_nightly_price"),
            price_currency_code=request.default_nightly_price.currency_code,
        )
        plan = await rate_plans.create_rate_plan(self.db, command)
        return catalog_pb2.CreateRatePlanResponse(rate_plan=protos.rate_plan(plan))

    async def ListRatePlans(
        self, request: catalog_pb2.ListRatePlansRequest, context: Context
    ) -> catalog_pb2.ListRatePlansResponse:
        found = await rate_plans.list_rate_plans(self.db, ids.parse_uuid(request.resource_id, "resource_id"))
        return catalog_pb2.ListRatePlansResponse(rate_plans=[protos.rate_plan(plan) for plan in found])

    async def SetDailyPrices(
        self, request: catalog_pb2.SetDailyPricesRequest, context: Context
    ) -> catalog_pb2.SetDailyPricesResponse:
        command = SetDailyPrices.parse(
            request_id=request.request_id,
            resource_id=request.resource_id,
            rate_plan_id=request.rate_plan_id,
            prices=[
                DailyPriceInput(
                    date=entry.date,
                    amount_minor=protos.price_amount(entry),
                    currency_code=entry.price.currency_code,
                    override=entry.override,
                )
                for entry in request.prices
            ],
            etag=request.etag,
        )
        stored, version = await rate_plans.set_daily_prices(self.db, command)
        return catalog_pb2.SetDailyPricesResponse(
            prices=[protos.daily_price(entry) for entry in stored], etag=back_office.etag(version)
        )

    async def ListDailyPrices(
        self, request: catalog_pb2.ListDailyPricesRequest, context: Context
    ) -> catalog_pb2.ListDailyPricesResponse:
        query = ListDailyPrices.parse(
            resource_id=request.resource_id,
            rate_plan_id=request.rate_plan_id,
            start_date=request.start_date,
            end_date=request.end_date,
        )
        stored = await rate_plans.list_daily_prices(self.db, query)
        return catalog_pb2.ListDailyPricesResponse(prices=[protos.daily_price(entry) for entry in stored])

    async def GetPricing(
        self, request: catalog_pb2.GetPricingRequest, context: Context
    ) -> catalog_pb2.GetPricingResponse:
        query = GetPricing.parse(
            resource_id=request.resource_id,
            rate_plan_id=request.rate_plan_id,
            start_date=request.start_date,
            end_date=request.end_date,
        )
        return protos.pricing(await rate_plans.get_pricing(self.db, query))

    # The back office: lists, updates by field mask at the etag read, archive, suspend.

    async def ListCompanies(
        self, request: catalog_pb2.ListCompaniesRequest, context: Context
    ) -> catalog_pb2.ListCompaniesResponse:
        query = back_office.ListCompanies.parse(page_size=request.page_size, page_token=request.page_token)
        found, token = await companies.list_companies(self.db, query)
        return catalog_pb2.ListCompaniesResponse(
            companies=[protos.company(company) for company in found], next_page_token=token
        )

    async def UpdateCompany(
        self, request: catalog_pb2.UpdateCompanyRequest, context: Context
    ) -> catalog_pb2.UpdateCompanyResponse:
        given = request.company
        command = back_office.change(
            request_id=request.request_id,
            entity_id=given.id,
            id_field="company.id",
            etag_value=given.etag,
            values=back_office.company_values(
                list(request.update_mask.paths),
                {
                    "name": given.name,
                    "time_zone": given.time_zone,
                    "currency_code": given.currency_code,
                    "description": given.description,
                    "contact_email": given.contact_email,
                    "contact_phone": given.contact_phone,
                    "address": given.address,
                    "allowed_origins": list(given.allowed_origins),
                },
            ),
        )
        company = await companies.update_company(self.db, self.outbox, command, self.holdings)
        return catalog_pb2.UpdateCompanyResponse(company=protos.company(company))

    async def SuspendCompany(
        self, request: catalog_pb2.SuspendCompanyRequest, context: Context
    ) -> catalog_pb2.SuspendCompanyResponse:
        command = back_office.Suspend.parse(
            request_id=request.request_id,
            company_id=request.company_id,
            etag_value=request.etag,
            reason=request.reason,
        )
        company = await companies.suspend_company(self.db, self.outbox, command)
        return catalog_pb2.SuspendCompanyResponse(company=protos.company(company))

    async def ResumeCompany(
        self, request: catalog_pb2.ResumeCompanyRequest, context: Context
    ) -> catalog_pb2.ResumeCompanyResponse:
        command = back_office.Suspend.parse(
            request_id=request.request_id, company_id=request.company_id, etag_value=request.etag, reason=None
        )
        company = await companies.suspend_company(self.db, self.outbox, command)
        return catalog_pb2.ResumeCompanyResponse(company=protos.company(company))

    async def ListResources(
        self, request: catalog_pb2.ListResourcesRequest, context: Context
    ) -> catalog_pb2.ListResourcesResponse:
        model = request.booking_model
        query = back_office.ListResources.parse(
            company_id=request.company_id,
            page_size=request.page_size,
            page_token=request.page_token,
            booking_model=""
            if model == catalog_pb2.BOOKING_MODEL_UNSPECIFIED
            else protos.BOOKING_MODEL_NAMES.get(model),
            show_archived=request.show_archived,
        )
        found, token = await resources.list_resources(self.db, query)
        return catalog_pb2.ListResourcesResponse(
            resources=[protos.resource(resource) for resource in found], next_page_token=token
        )

    async def UpdateResource(
        self, request: catalog_pb2.UpdateResourceRequest, context: Context
    ) -> catalog_pb2.UpdateResourceResponse:
        given = request.resource
        paths = list(request.update_mask.paths)
        command = back_office.change(
            request_id=request.request_id,
            entity_id=given.id,
            id_field="resource.id",
            etag_value=given.etag,
            values=back_office.resource_values(
                paths,
                {
                    "name": given.name,
                    "description": given.description,
                    "image_urls": list(given.image_urls),
                    "amenities": list(given.amenities),
                    "capacity": given.capacity,
                    "policy": protos.policy_input(given.policy),
                    "hourly_rate": (
                        protos.price_amount(given, "hourly_rate"),
                        given.hourly_rate.currency_code,
                    ),
                },
            ),
        )
        resource = await resources.update_resource(self.db, self.outbox, command)
        return catalog_pb2.UpdateResourceResponse(resource=protos.resource(resource))

    async def ArchiveResource(
        self, request: catalog_pb2.ArchiveResourceRequest, context: Context
    ) -> catalog_pb2.ArchiveResourceResponse:
        command = _archive(request.request_id, request.resource_id, "resource_id", request.etag)
        resource = await resources.archive_resource(self.db, self.outbox, command)
        return catalog_pb2.ArchiveResourceResponse(resource=protos.resource(resource))

    async def UpdateUnit(
        self, request: catalog_pb2.UpdateUnitRequest, context: Context
    ) -> catalog_pb2.UpdateUnitResponse:
        given = request.unit
        command = back_office.change(
            request_id=request.request_id,
            entity_id=given.id,
            id_field="unit.id",
            etag_value=given.etag,
            values=back_office.unit_values(list(request.update_mask.paths), {"name": given.name}),
        )
        unit = await units.update_unit(self.db, command)
        return catalog_pb2.UpdateUnitResponse(unit=protos.unit(unit))

    async def ArchiveUnit(
        self, request: catalog_pb2.ArchiveUnitRequest, context: Context
    ) -> catalog_pb2.ArchiveUnitResponse:
        command = _archive(request.request_id, request.unit_id, "unit_id", request.etag)
        unit = await units.archive_unit(self.db, command)
        return catalog_pb2.ArchiveUnitResponse(unit=protos.unit(unit))

    async def GetExtra(
        self, request: catalog_pb2.GetExtraRequest, context: Context
    ) -> catalog_pb2.GetExtraResponse:
        extra = await extras.get_extra(self.db, ids.parse_uuid(request.extra_id, "extra_id"))
        return catalog_pb2.GetExtraResponse(extra=protos.extra(extra))

    async def UpdateExtra(
        self, request: catalog_pb2.UpdateExtraRequest, context: Context
    ) -> catalog_pb2.UpdateExtraResponse:
        given = request.extra
        command = back_office.change(
            request_id=request.request_id,
            entity_id=given.id,
            id_field="extra.id",
            etag_value=given.etag,
            values=back_office.extra_values(
                list(request.update_mask.paths),
                {
                    "name": given.name,
                    "description": given.description,
                    "price": (protos.price_amount(given, "price"), given.price.currency_code),
                    "pricing_unit": protos.pricing_unit_name(given.pricing_unit),
                },
            ),
        )
        extra = await extras.update_extra(self.db, command)
        return catalog_pb2.UpdateExtraResponse(extra=protos.extra(extra))

    async def ArchiveExtra(
        self, request: catalog_pb2.ArchiveExtraRequest, context: Context
    ) -> catalog_pb2.ArchiveExtraResponse:
        command = _archive(request.request_id, request.extra_id, "extra_id", request.etag)
        extra = await extras.archive_extra(self.db, command)
        return catalog_pb2.ArchiveExtraResponse(extra=protos.extra(extra))

    async def GetRatePlan(
        self, request: catalog_pb2.GetRatePlanRequest, context: Context
    ) -> catalog_pb2.GetRatePlanResponse:
        plan = await rate_plans.get_rate_plan(self.db, ids.parse_uuid(request.rate_plan_id, "rate_plan_id"))
        return catalog_pb2.GetRatePlanResponse(rate_plan=protos.rate_plan(plan))

    async def UpdateRatePlan(
        self, request: catalog_pb2.UpdateRatePlanRequest, context: Context
    ) -> catalog_pb2.UpdateRatePlanResponse:
        given = request.rate_plan
        command = back_office.change(
            request_id=request.request_id,
            entity_id=given.id,
            id_field="rate_plan.id",
            etag_value=given.etag,
            values=back_office.rate_plan_values(
                list(request.update_mask.paths),
                {
                    "name": given.name,
                    "default_nightly_price": (
                        protos.price_amount(given, "default_nightly_price"),
                        given.default_nightly_price.currency_code,
                    ),
                },
            ),
        )
        plan = await rate_plans.update_rate_plan(self.db, command)
        return catalog_pb2.UpdateRatePlanResponse(rate_plan=protos.rate_plan(plan))


def _archive(request_id: str, entity_id: str, field: str, etag: str) -> back_office.Change:
    return back_office.change(
        request_id=request_id, entity_id=entity_id, id_field=field, etag_value=etag, values={}
    )


# Every RPC checks the caller's company (and role) against the rows it names before its handler.
tenancy_guard(CatalogApi, catalog_pb2.DESCRIPTOR.services_by_name["CatalogService"])
