"""Operators' JSON API: sagas (list, read, retry a step, force compensation) and the
bookings of one day for the front desk.

An operator token with a company_id only sees and acts on that company's sagas and
bookings; one without a company_id sees every company (platform operator). The saga helpers
here are also what the HTML pages (gateway.pages.sagas) call.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from bookingplatform.bookings.v1 import bookings_pb2
from gateway.auth import Operator, Principal, company_in_reach
from gateway.deps import clients_of, rpc
from gateway.edge import EdgeDate
from gateway.problems import Problem, RpcProblem
from gateway.routes.common import PageSize, PageToken, problems
from gateway.schemas import (
    INT32_MAX,
    BookingList,
    BookingOut,
    OperatorActionBody,
    SagaList,
    SagaOut,
    SagaStateName,
    short_name,
)

router = APIRouter()

# The steps a saga's current_step can be (the step filter's choices).
SAGA_STEPS = ("passes", "wallet", "payments")

Action = Literal["retry", "force-compensate"]


@dataclass(frozen=True)
class SagaFilters:
    """What GET /v1/ops/sagas and the list page filter on; None / False means any."""

    state: SagaStateName | None = None
    company_id: uuid.UUID | None = None
    current_step: str | None = None
    min_age_seconds: int | None = None
    needs_attention: bool = False
    # The console's further filters (not parameters of the JSON list).
    kind: str | None = None
    search_id: uuid.UUID | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


@dataclass(frozen=True)
class SagaDashboard:
    """A page of sagas with the total of the matches and the counts by (kind, state) of the
    company's sagas in the time range."""

    sagas: SagaList
    total: int
    counts: list[tuple[str, str, int]]
    # (bucket start, started, now completed, now compensated, p50 and p95 seconds to terminal
    # of those now terminal), when asked for.
    buckets: list[tuple[datetime, int, int, int, float, float]]
    # (reason, how many) of the compensated sagas, most frequent first.
    compensation_reasons: list[tuple[str, int]]


def _company_scope(principal: Principal, company_id: uuid.UUID | None) -> str:
    if principal.company_id is None:
        return str(company_id) if company_id else ""
    if company_id is not None:
        # 404 like every other route: another company's id is not confirmed to exist.
        company_in_reach(principal, company_id)
    return principal.company_id


async def _list_sagas(
    request: Request,
    principal: Principal,
    filters: SagaFilters,
    page_size: int,
    page_token: str | None,
    *,
    include_totals: bool = False,
    bucket_seconds: int = 0,
) -> bookings_pb2.ListSagasResponse:
    message = bookings_pb2.ListSagasRequest(
        state=filters.state.to_proto() if filters.state else 0,  # type: ignore[arg-type]
        company_id=_company_scope(principal, filters.company_id),
        page_size=page_size,
        page_token=page_token or "",
        current_step=filters.current_step or "",
        min_age_seconds=filters.min_age_seconds or 0,
        needs_attention=filters.needs_attention,
        kind=filters.kind or "",
        search_id=str(filters.search_id) if filters.search_id else "",
        include_totals=include_totals,
        bucket_seconds=bucket_seconds,
    )
    if filters.created_after is not None:
        message.created_after.FromDatetime(filters.created_after)
    if filters.created_before is not None:
        message.created_before.FromDatetime(filters.created_before)
    return await rpc("bookings", clients_of(request).bookings.ListSagas(message))


async def list_sagas_in_scope(
    request: Request, principal: Principal, filters: SagaFilters, page_size: int, page_token: str | None
) -> SagaList:
    reply = await _list_sagas(request, principal, filters, page_size, page_token)
    return SagaList(sagas=[SagaOut.of(s) for s in reply.sagas], next_page_token=reply.next_page_token or None)


async def saga_dashboard_in_scope(
    request: Request,
    principal: Principal,
    filters: SagaFilters,
    page_size: int,
    page_token: str | None,
    *,
    bucket_seconds: int = 0,
) -> SagaDashboard:
    """The console's list: a page, the total of the matches, the counts by kind and state and,
    with bucket_seconds (and created_after), the sagas per bucket of time."""
    reply = await _list_sagas(
        request, principal, filters, page_size, page_token, include_totals=True, bucket_seconds=bucket_seconds
    )
    return SagaDashboard(
        sagas=SagaList(
            sagas=[SagaOut.of(s) for s in reply.sagas], next_page_token=reply.next_page_token or None
        ),
        total=reply.total_size,
        counts=[
            (c.kind, short_name(bookings_pb2.SagaState, c.state, "SAGA_STATE_"), c.count)
            for c in reply.counts
        ],
        buckets=[
            (
                b.start_time.ToDatetime(UTC),
                b.started,
                b.completed,
                b.compensated,
                b.p50_seconds_to_terminal,
                b.p95_seconds_to_terminal,
            )
            for b in reply.buckets
        ],
        compensation_reasons=[(r.reason, r.count) for r in reply.compensation_reasons],
    )


async def saga_in_scope(request: Request, principal: Principal, saga_id: uuid.UUID) -> SagaOut:
    not_found = Problem(404, "SAGA_NOT_FOUND", "No such saga.")
    try:
        reply = await rpc(
            "bookings",
            clients_of(request).bookings.GetSaga(bookings_pb2.GetSagaRequest(saga_id=str(saga_id))),
        )
    except RpcProblem as problem:
        if problem.status == 404:
            raise not_found from None
        raise
    if principal.company_id is not None and reply.saga.company_id != principal.company_id:
        raise not_found
    return SagaOut.of(reply.saga)


async def act_on_saga(
    request: Request, principal: Principal, saga_id: uuid.UUID, action: Action, reason: str
) -> SagaOut:
    """Checks the saga is in the operator's scope (404 otherwise), then asks bookings to act."""
    await saga_in_scope(request, principal, saga_id)
    bookings = clients_of(request).bookings
    reply: bookings_pb2.RetrySagaStepResponse | bookings_pb2.ForceCompensateSagaResponse
    if action == "retry":
        reply = await rpc(
            "bookings",
            bookings.RetrySagaStep(bookings_pb2.RetrySagaStepRequest(saga_id=str(saga_id), reason=reason)),
        )
    else:
        reply = await rpc(
            "bookings",
            bookings.ForceCompensateSaga(
                bookings_pb2.ForceCompensateSagaRequest(saga_id=str(saga_id), reason=reason)
            ),
        )
    return SagaOut.of(reply.saga)


StateFilter = Annotated[SagaStateName | None, Query(description="Only sagas in this state.")]
StepFilter = Annotated[
    str | None,
    Query(
        max_length=32,
        pattern="^[a-z_]+$",
        description="Only sagas whose current step is this: passes, wallet or payments.",
    ),
]
MinAgeFilter = Annotated[
    int | None, Query(ge=0, le=INT32_MAX, description="Only sagas created at least this many seconds ago.")
]
AttentionFilter = Annotated[
    bool, Query(description="true: only sagas flagged for an operator; false (default): any.")
]


@router.get(
    "/v1/ops/sagas",
    operation_id="listSagas",
    response_model=SagaList,
    tags=["ops"],
    responses=problems(400, 401, 403, 404, 503),
)
async def list_sagas(
    request: Request,
    principal: Operator,
    state: StateFilter = None,
    company_id: uuid.UUID | None = None,
    current_step: StepFilter = None,
    min_age_seconds: MinAgeFilter = None,
    needs_attention: AttentionFilter = False,
    page_size: PageSize = 50,
    page_token: PageToken = None,
) -> SagaList:
    """Sagas, newest first, without their step logs."""
    filters = SagaFilters(state, company_id, current_step, min_age_seconds, needs_attention)
    return await list_sagas_in_scope(request, principal, filters, page_size, page_token)


@router.get(
    "/v1/ops/sagas/{saga_id}",
    operation_id="getSaga",
    response_model=SagaOut,
    tags=["ops"],
    responses=problems(400, 401, 403, 404, 503),
)
async def get_saga(request: Request, saga_id: uuid.UUID, principal: Operator) -> SagaOut:
    """A saga with its step log."""
    return await saga_in_scope(request, principal, saga_id)


@router.post(
    "/v1/ops/sagas/{saga_id}/retry",
    operation_id="retrySagaStep",
    response_model=SagaOut,
    tags=["ops"],
    responses=problems(400, 401, 403, 404, 409, 503),
)
async def retry_saga_step(
    request: Request, saga_id: uuid.UUID, body: OperatorActionBody, principal: Operator
) -> SagaOut:
    """Re-sends the saga's current step now (attempt + 1); the reason goes to the step log.

    409 `SAGA_FINISHED` when the saga has no step left."""
    return await act_on_saga(request, principal, saga_id, "retry", body.reason)


@router.post(
    "/v1/ops/sagas/{saga_id}/force-compensate",
    operation_id="forceCompensateSaga",
    response_model=SagaOut,
    tags=["ops"],
    responses=problems(400, 401, 403, 404, 409, 503),
)
async def force_compensate_saga(
    request: Request, saga_id: uuid.UUID, body: OperatorActionBody, principal: Operator
) -> SagaOut:
    """Compensates a saga before its pivot (the booking ends REJECTED, `FORCED_BY_OPERATOR`);
    the reason goes to the step log.

    409 `SAGA_PAST_PIVOT` after the pivot or once finished: cancel the booking instead."""
    return await act_on_saga(request, principal, saga_id, "force-compensate", body.reason)


# ----- bookings of a day -----


@router.get(
    "/v1/ops/bookings",
    operation_id="listBookingsOfDay",
    response_model=BookingList,
    tags=["ops"],
    responses=problems(400, 401, 403, 404, 503),
)
async def bookings_of_a_day(
    request: Request,
    principal: Operator,
    day: Annotated[EdgeDate, Query(alias="date", description="Local date of the company.")],
    resource_id: uuid.UUID | None = None,
    company_id: uuid.UUID | None = None,
    page_size: PageSize = 50,
    page_token: PageToken = None,
) -> BookingList:
    """The bookings of one day (of a resource, or of the whole company), for the front desk."""
    scope = principal.company_id or (str(company_id) if company_id else "")
    if company_id is not None:
        company_in_reach(principal, company_id)
    if not scope:
        raise Problem(400, "COMPANY_REQUIRED", "A platform operator names the company_id.")
    message = bookings_pb2.ListBookingsRequest(
        date=day.isoformat(), page_size=page_size, page_token=page_token or ""
    )
    if resource_id is not None:
        message.resource_id = str(resource_id)
    else:
        message.company_id = scope
    reply = await rpc("bookings", clients_of(request).bookings.ListBookings(message))
    found = [BookingOut.of(b) for b in reply.bookings]
    if resource_id is not None and any(b.company_id != scope for b in found):
        raise Problem(404, "RESOURCE_NOT_FOUND", "No such resource.")
    return BookingList(bookings=found, next_page_token=reply.next_page_token or None)
