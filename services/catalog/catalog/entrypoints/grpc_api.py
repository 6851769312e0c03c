"""CatalogService over gRPC: proto -> command -> handler -> proto. Translation only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeAlias

from google.protobuf.timestamp_pb2 import Timestamp
from grpc import aio

from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from catalog.adapters import protos
from catalog.domain import errors, rules
from catalog.domain.commands import (
    CreateCompany,
    CreateCustomer,
    CreateExtra,
    CreateResource,
    CreateSession,
    ListSessions,
)
from catalog.domain.model import ResourcePolicy
from catalog.service import handlers
from plumbing.db import Database
from plumbing.errors import InvalidArgument
from plumbing.outbox import Outbox

Context: TypeAlias = "aio.ServicerContext[Any, Any]"


def _time(message: Any, field: str) -> datetime | None:
    """The timestamp field of a request in UTC, or None when it is not set."""
    if not message.HasField(field):
        return None
    value: Timestamp = getattr(message, field)
    try:
        return value.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise InvalidArgument(errors.INVALID_TIME_RANGE, f"{field} is out of range", field=field) from None


def _price_amount(message: Any) -> int | None:
    return int(message.price.amount_minor) if message.HasField("price") else None


class CatalogApi(catalog_pb2_grpc.CatalogServiceServicer):
    def __init__(self, db: Database, outbox: Outbox) -> None:
        self.db = db
        self.outbox = outbox

    async def CreateCompany(
        self, request: catalog_pb2.CreateCompanyRequest, context: Context
    ) -> catalog_pb2.CreateCompanyResponse:
        command = CreateCompany.parse(
            request_id=request.request_id,
            name=request.name,
            time_zone=request.time_zone,
            currency_code=request.currency_code,
        )
        company = await handlers.create_company(self.db, command)
        return catalog_pb2.CreateCompanyResponse(company=protos.company(company))

    async def GetCompany(
        self, request: catalog_pb2.GetCompanyRequest, context: Context
    ) -> catalog_pb2.GetCompanyResponse:
        company = await handlers.get_company(self.db, rules.entity_id(request.company_id, "company_id"))
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
        customer = await handlers.create_customer(self.db, command)
        return catalog_pb2.CreateCustomerResponse(customer=protos.customer(customer))

    async def GetCustomer(
        self, request: catalog_pb2.GetCustomerRequest, context: Context
    ) -> catalog_pb2.GetCustomerResponse:
        customer = await handlers.get_customer(self.db, rules.entity_id(request.customer_id, "customer_id"))
        return catalog_pb2.GetCustomerResponse(customer=protos.customer(customer))

    async def CreateResource(
        self, request: catalog_pb2.CreateResourceRequest, context: Context
    ) -> catalog_pb2.CreateResourceResponse:
        policy = None
        if request.HasField("policy"):
            policy = ResourcePolicy(
                lead_time_minutes=request.policy.lead_time_minutes,
                horizon_days=request.policy.horizon_days,
                free_cancellation_minutes=request.policy.free_cancellation_minutes,
                max_places_per_booking=request.policy.max_places_per_booking,
            )
        command = CreateResource.parse(
            request_id=request.request_id,
            company_id=request.company_id,
            name=request.name,
            booking_model=protos.BOOKING_MODEL_NAMES.get(request.booking_model),
            policy=policy,
        )
        resource = await handlers.create_resource(self.db, command)
        return catalog_pb2.CreateResourceResponse(resource=protos.resource(resource))

    async def GetResource(
        self, request: catalog_pb2.GetResourceRequest, context: Context
    ) -> catalog_pb2.GetResourceResponse:
        resource = await handlers.get_resource(self.db, rules.entity_id(request.resource_id, "resource_id"))
        return catalog_pb2.GetResourceResponse(resource=protos.resource(resource))

    async def CreateSession(
        self, request: catalog_pb2.CreateSessionRequest, context: Context
    ) -> catalog_pb2.CreateSessionResponse:
        command = CreateSession.parse(
            request_id=request.request_id,
            resource_id=request.resource_id,
            start_time=_time(request, "start_time"),
            end_time=_time(request, "end_time"),
            capacity=request.capacity,
            price_amount_minor=_price_amount(request),
            price_currency_code=request.price.currency_code,
        )
        session = await handlers.create_session(self.db, self.outbox, command)
        return catalog_pb2.CreateSessionResponse(session=protos.session(session))

    async def GetSession(
        self, request: catalog_pb2.GetSessionRequest, context: Context
    ) -> catalog_pb2.GetSessionResponse:
        session = await handlers.get_session(self.db, rules.entity_id(request.session_id, "session_id"))
        return catalog_pb2.GetSessionResponse(session=protos.session(session))

    async def ListSessions(
        self, request: catalog_pb2.ListSessionsRequest, context: Context
    ) -> catalog_pb2.ListSessionsResponse:
        query = ListSessions.parse(
            company_id=request.company_id,
            resource_id=request.resource_id,
            start_time_from=_time(request, "start_time_from"),
            page_size=request.page_size,
            page_token=request.page_token,
        )
        page = await handlers.list_sessions(self.db, query)
        return catalog_pb2.ListSessionsResponse(
            sessions=[protos.session(session) for session in page.sessions],
            next_page_token=page.next_page_token,
        )

    async def CreateExtra(
        self, request: catalog_pb2.CreateExtraRequest, context: Context
    ) -> catalog_pb2.CreateExtraResponse:
        command = CreateExtra.parse(
            request_id=request.request_id,
            company_id=request.company_id,
            name=request.name,
            price_amount_minor=_price_amount(request),
            price_currency_code=request.price.currency_code,
        )
        extra = await handlers.create_extra(self.db, command)
        return catalog_pb2.CreateExtraResponse(extra=protos.extra(extra))

    async def ListExtras(
        self, request: catalog_pb2.ListExtrasRequest, context: Context
    ) -> catalog_pb2.ListExtrasResponse:
        found = await handlers.list_extras(self.db, rules.entity_id(request.company_id, "company_id"))
        return catalog_pb2.ListExtrasResponse(extras=[protos.extra(extra) for extra in found])
