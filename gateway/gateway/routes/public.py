"""Public catalog reads and reservation tools: sessions, a price estimator (quotes),
occupancy for calendars and free slots. No authentication: they hold nothing and reveal no
customer.

The reads ask as a guest of the company (`visitor_of`), as its public site does: catalog and
bookings find a suspended company's sessions, resources and availability not found for
customers and guests (404, as its site), and list them to its staff as before. A read by id
(a session, a resource's free slots) learns the company from the row first."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from gateway.clients import Clients
from gateway.deps import clients_of, rpc
from gateway.edge import EdgeDate, EdgeDateTime
from gateway.routes.common import PageSize, PageToken, problems
from gateway.schemas import (
    AvailabilityOut,
    DayOut,
    QuoteBody,
    QuoteOut,
    ResourceAvailabilityOut,
    SessionList,
    SessionOut,
)
from plumbing.principal import Principal, Role, acting_as

router = APIRouter()


# ----- sessions -----


@router.get(
    "/v1/sessions",
    operation_id="listPublicSessions",
    response_model=SessionList,
    tags=["catalog"],
    responses=problems(400, 404, 503),
)
async def list_sessions(
    request: Request,
    company_id: uuid.UUID,
    from_time: Annotated[
        EdgeDateTime | None, Query(alias="from", description="Only sessions starting at or after (ISO-8601).")
    ] = None,
    resource_id: uuid.UUID | None = None,
    page_size: PageSize = 50,
    page_token: PageToken = None,
) -> SessionList:
    """Sessions of a company, soonest first. Public: no token needed."""
    query = catalog_pb2.ListSessionsRequest(
        company_id=str(company_id),
        resource_id=str(resource_id) if resource_id else "",
        page_size=page_size,
        page_token=page_token or "",
    )
    if from_time is not None:
        query.start_time_from.FromDatetime(from_time.astimezone(UTC))
    with acting_as(visitor_of(str(company_id))):
        reply = await rpc("catalog", clients_of(request).catalog.ListSessions(query))
    places = await session_places(clients_of(request), str(company_id), open_ids(reply.sessions))
    return SessionList(
        sessions=[SessionOut.of(s, places.get(s.id)) for s in reply.sessions],
        next_page_token=reply.next_page_token or None,
    )


@router.get(
    "/v1/sessions/{session_id}",
    operation_id="getPublicSession",
    response_model=SessionOut,
    tags=["catalog"],
    responses=problems(400, 404, 503),
)
async def get_session(request: Request, session_id: uuid.UUID) -> SessionOut:
    """One session. Public: no token needed."""
    catalog = clients_of(request).catalog
    asked = catalog_pb2.GetSessionRequest(session_id=str(session_id))
    owner = (await rpc("catalog", catalog.GetSession(asked))).session.company_id
    # Asked again as its company's visitor: catalog's SQL decides whether the public finds it.
    with acting_as(visitor_of(owner)):
        reply = await rpc("catalog", catalog.GetSession(asked))
    places = await session_places(clients_of(request), reply.session.company_id, open_ids([reply.session]))
    return SessionOut.of(reply.session, places.get(reply.session.id))


def visitor_of(company_id: str) -> Principal:
    """Whom the public reads ask as: a guest of the company (customers and guests find a
    suspended company's catalog not found; internal calls, without a principal, find all)."""
    return Principal(role=Role.GUEST, company_id=company_id)


def open_ids(sessions: Iterable[catalog_pb2.Session]) -> list[str]:
    return [s.id for s in sessions if s.status == catalog_pb2.SESSION_STATUS_OPEN]


async def session_places(
    clients: Clients, company_id: str, session_ids: list[str]
) -> dict[str, bookings_pb2.SessionPlaces]:
    """The places bookings holds in these sessions, by session id (the public API and the
    public site both ask it)."""
    if not session_ids:
        return {}
    reply = await rpc(
        "bookings",
        clients.bookings.GetSessionPlaces(
            bookings_pb2.GetSessionPlacesRequest(company_id=company_id, session_ids=session_ids)
        ),
    )
    return {p.session_id: p for p in reply.sessions}


# ----- quotes and availability -----


@router.post(
    "/v1/quotes",
    operation_id="quoteBooking",
    response_model=QuoteOut,
    tags=["catalog"],
    responses=problems(400, 404, 409, 503),
)
async def quote(request: Request, body: QuoteBody) -> QuoteOut:
    """Prices a booking (places, nights with guests and dates, or an interval, plus extras)
    with the same rules as a booking; nothing is held."""
    reply = await rpc("bookings", clients_of(request).bookings.QuoteBooking(body.to_proto()))
    return QuoteOut.of(reply.quote)


@router.get(
    "/v1/availability",
    operation_id="getAvailability",
    response_model=AvailabilityOut,
    tags=["catalog"],
    responses=problems(400, 404, 503),
)
async def availability(
    request: Request,
    company_id: uuid.UUID,
    start_date: EdgeDate,
    end_date: EdgeDate,
    resource_id: Annotated[list[uuid.UUID] | None, Query(description="Only these resources.")] = None,
) -> AvailabilityOut:
    """Occupancy per resource per local day (places, units or minutes), for a calendar heatmap."""
    asked = bookings_pb2.GetAvailabilityRequest(
        company_id=str(company_id),
        resource_ids=[str(r) for r in resource_id or []],
        start_date=start_date.isoformat(),
        end_date=end_date.isoformat(),
    )
    with acting_as(visitor_of(str(company_id))):
        reply = await rpc("bookings", clients_of(request).bookings.GetAvailability(asked))
    return AvailabilityOut(
        resources=[
            ResourceAvailabilityOut(
                resource_id=item.resource_id,
                days=[DayOut(date=day.date, capacity=day.capacity, booked=day.booked) for day in item.days],
            )
            for item in reply.resources
        ]
    )


class FreeSlotOut(BaseModel):
    start_time: datetime
    end_time: datetime


class FreeSlotList(BaseModel):
    slots: list[FreeSlotOut]


@router.get(
    "/v1/resources/{resource_id}/free-slots",
    operation_id="listFreeSlots",
    response_model=FreeSlotList,
    tags=["catalog"],
    responses=problems(400, 404, 409, 503),
)
async def free_slots(
    request: Request,
    resource_id: uuid.UUID,
    day: Annotated[EdgeDate, Query(alias="date", description="Local date of the resource's company.")],
    min_duration_minutes: Annotated[int, Query(ge=0, le=24 * 60)] = 0,
) -> FreeSlotList:
    """The free intervals of an interval resource on a day (buffers, granularity and the
    minimum duration of its policy applied)."""
    clients = clients_of(request)
    owned = await rpc(
        "catalog", clients.catalog.GetResource(catalog_pb2.GetResourceRequest(resource_id=str(resource_id)))
    )
    asked = bookings_pb2.ListFreeSlotsRequest(
        resource_id=str(resource_id), date=day.isoformat(), min_duration_minutes=min_duration_minutes
    )
    # Bookings reads the resource as the visitor: catalog's SQL decides whether it is found.
    with acting_as(visitor_of(owned.resource.company_id)):
        reply = await rpc("bookings", clients.bookings.ListFreeSlots(asked))
    return FreeSlotList(
        slots=[
            FreeSlotOut(
                start_time=slot.start_time.ToDatetime(tzinfo=UTC),
                end_time=slot.end_time.ToDatetime(tzinfo=UTC),
            )
            for slot in reply.slots
        ]
    )
