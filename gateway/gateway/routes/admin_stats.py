"""Business statistics of the back office: `GET /v1/admin/stats?from=&to=[&resource_id=]`.

The figures of a period of local days (the company's time zone), from bookings'
GetBusinessStats (a read model kept in the transaction of every booking change, never a scan
of the bookings): bookings confirmed, active, cancelled and no-show; places, nights and
hours sold; money kept by source; occupancy against the catalog's capacity; per day, per
resource, and the top units by nights and by hours. Company admins see their company's,
platform admins name one (`company_id`). The console's stats page (`gateway.pages.stats`)
shows the same answer, built by the same function.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from bookingplatform.bookings.v1 import bookings_pb2
from gateway.auth import CompanyAdmin, Principal, company_in_reach
from gateway.deps import clients_of, rpc
from gateway.edge import EdgeDate
from gateway.problems import Problem
from gateway.routes.common import problems
from plumbing.principal import Role

router = APIRouter()

# A year and a day (a leap year), as bookings allows.
MAX_PERIOD_DAYS = 366
MAX_TOP = 50


class RevenueOut(BaseModel):
    wallet_main_minor: int = Field(description="Paid from the wallet's main balance and kept.")
    wallet_bonus_minor: int = Field(description="Paid from the wallet's bonus balance and kept.")
    pass_minor: int = Field(description="Covered by passes and kept.")
    card_minor: int = Field(description="Charged to cards and kept.")
    desk_minor: int = Field(description="Paid at the front desk (cash or external) and kept.")
    total_minor: int = Field(description="The sum of the sources.")


class FiguresOut(BaseModel):
    confirmed: int = Field(description="Bookings confirmed, whatever became of them since.")
    active: int = Field(description="Confirmed and neither cancelled nor no-show.")
    cancelled: int = Field(description="Cancelled after their confirmation.")
    no_show: int
    places_sold: int = Field(description="Places of sessions (time slots).")
    nights_sold: int = Field(description="Unit-nights of stays.")
    hours_sold: float = Field(description="Hours of rentals (minutes_sold / 60, two decimals).")
    minutes_sold: int
    revenue: RevenueOut = Field(description="Money kept after refunds, in the currency's minor units.")

    @classmethod
    def of(cls, figures: bookings_pb2.StatsFigures) -> FiguresOut:
        return cls(
            confirmed=figures.confirmed,
            active=figures.active,
            cancelled=figures.cancelled,
            no_show=figures.no_show,
            places_sold=figures.places_sold,
            nights_sold=figures.nights_sold,
            hours_sold=round(figures.minutes_sold / 60, 2),
            minutes_sold=figures.minutes_sold,
            revenue=RevenueOut(
                wallet_main_minor=figures.wallet_minor,
                wallet_bonus_minor=figures.bonus_minor,
                pass_minor=figures.pass_minor,
                card_minor=figures.card_minor,
                desk_minor=figures.desk_minor,
                total_minor=figures.revenue_minor,
            ),
        )


class OccupancyOut(BaseModel):
    percent: float = Field(description="The mean of the resources' occupancy (those with capacity).")
    places_percent: float = Field(description="Places sold / places of the open sessions.")
    nights_percent: float = Field(description="Unit-nights sold / units x nights.")
    hours_percent: float = Field(description="Minutes rented / minutes of the period.")


class DayStatsOut(BaseModel):
    date: str = Field(examples=["2030-05-01"])
    figures: FiguresOut


class ResourceStatsOut(BaseModel):
    resource_id: str
    name: str
    booking_model: str = Field(examples=["NIGHTLY"])
    capacity: int = Field(description="Places, unit-nights or minutes that could be sold.")
    sold: int = Field(description="Places, unit-nights or minutes sold.")
    occupancy_percent: float
    figures: FiguresOut


class UnitStatsOut(BaseModel):
    resource_id: str
    unit_id: str | None = Field(description="The unit of a stay (none for a rented resource).")
    name: str
    nights: int
    hours: float
    revenue_minor: int


class StatsOut(BaseModel):
    company_id: str
    start_date: str = Field(description="The first local date of the period.")
    end_date: str = Field(description="The last local date of the period (inclusive).")
    resource_id: str | None
    currency: str = Field(examples=["EUR"])
    time_zone: str = Field(examples=["Europe/Paris"])
    totals: FiguresOut
    occupancy: OccupancyOut
    days: list[DayStatsOut]
    resources: list[ResourceStatsOut]
    top_units_by_nights: list[UnitStatsOut]
    top_units_by_hours: list[UnitStatsOut]


def _unit(unit: bookings_pb2.UnitStats) -> UnitStatsOut:
    return UnitStatsOut(
        resource_id=unit.resource_id,
        unit_id=unit.unit_id or None,
        name=unit.name,
        nights=unit.nights,
        hours=round(unit.minutes / 60, 2),
        revenue_minor=unit.revenue_minor,
    )


def check_period(start: date, end: date) -> None:
    if end < start:
        raise Problem(400, "INVALID_DATE_RANGE", "to must not be before from.")
    if end - start >= timedelta(days=MAX_PERIOD_DAYS):
        raise Problem(400, "INVALID_DATE_RANGE", f"A period is at most {MAX_PERIOD_DAYS} days long.")


def stats_company(principal: Principal, company_id: object | None) -> str:
    """The company whose figures are asked: the one named when in reach, else the caller's."""
    if company_id is not None:
        return company_in_reach(principal, company_id)
    if principal.role is Role.PLATFORM_ADMIN or principal.company_id is None:
        raise Problem(400, "COMPANY_REQUIRED", "Name the company (company_id).")
    return principal.company_id


async def business_stats(
    request: Request, company_id: str, start: date, end: date, resource_id: str | None = None, top: int = 10
) -> StatsOut:
    check_period(start, end)
    reply = await rpc(
        "bookings",
        clients_of(request).bookings.GetBusinessStats(
            bookings_pb2.GetBusinessStatsRequest(
                company_id=company_id,
                start_date=start.isoformat(),
                end_date=end.isoformat(),
                resource_id=resource_id or "",
                top=top,
            )
        ),
    )
    return StatsOut(
        company_id=company_id,
        start_date=start.isoformat(),
        end_date=end.isoformat(),
        resource_id=resource_id,
        currency=reply.currency_code,
        time_zone=reply.time_zone,
        totals=FiguresOut.of(reply.totals),
        occupancy=OccupancyOut(
            percent=reply.occupancy_percent,
            places_percent=reply.places_occupancy_percent,
            nights_percent=reply.nights_occupancy_percent,
            hours_percent=reply.hours_occupancy_percent,
        ),
        days=[DayStatsOut(date=day.date, figures=FiguresOut.of(day.figures)) for day in reply.days],
        resources=[
            ResourceStatsOut(
                resource_id=item.resource_id,
                name=item.name,
                booking_model=item.booking_model,
                capacity=item.capacity,
                sold=item.sold,
                occupancy_percent=item.occupancy_percent,
                figures=FiguresOut.of(item.figures),
            )
            for item in reply.resources
        ],
        top_units_by_nights=[_unit(unit) for unit in reply.top_units_by_nights],
        top_units_by_hours=[_unit(unit) for unit in reply.top_units_by_hours],
    )


@router.get(
    "/v1/admin/stats",
    operation_id="getBusinessStats",
    response_model=StatsOut,
    tags=["admin"],
    responses=problems(400, 401, 403, 404, 503),
)
async def get_business_stats(
    request: Request,
    principal: CompanyAdmin,
    start: Annotated[EdgeDate, Query(alias="from", description="The first local date of the period.")],
    end: Annotated[
        EdgeDate,
        Query(alias="to", description=f"The last local date (inclusive); at most {MAX_PERIOD_DAYS} days."),
    ],
    resource_id: Annotated[uuid.UUID | None, Query(description="Only this resource.")] = None,
    company_id: Annotated[
        uuid.UUID | None, Query(description="The company (a company admin's own by default).")
    ] = None,
    top: Annotated[int, Query(ge=1, le=MAX_TOP, description="How many top units to list.")] = 10,
) -> StatsOut:
    """A company's business figures for a period of local days: bookings, nights, hours and
    places sold, money kept by source, occupancy, per day and per resource, top units."""
    company = stats_company(principal, company_id)
    return await business_stats(request, company, start, end, str(resource_id) if resource_id else None, top)
