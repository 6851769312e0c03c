"""The statistics page of the console (HTML under /ops/stats): a company's business figures
for a period, for its admins, and for platform admins who choose the company.

The figures are `routes.admin_stats.business_stats`, the very answer of `GET /v1/admin/stats`
(bookings' read model, never a scan of the bookings), shown as key figures, revenue by source,
a chart per day (the vendored uPlot, drawn by static/stats.js from a data attribute; the same
figures are in a table for screen readers and without JavaScript), each resource's occupancy
and the top units by nights and by hours. The period is a GET form (no state changes here,
so no CSRF token is needed); a wrong date is said on the page, with the form kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from bookingplatform.catalog.v1 import catalog_pb2
from gateway.auth import Principal, company_in_reach
from gateway.console.rendering import page_response
from gateway.deps import clients_of, rpc
from gateway.pages.sagas import Notice
from gateway.problems import Problem
from gateway.routes.admin_stats import MAX_PERIOD_DAYS, StatsOut, business_stats
from gateway.schemas import short_name
from gateway.sessions import PageOperator
from plumbing import validation
from plumbing.errors import ServiceError
from plumbing.ids import is_uuid
from plumbing.principal import Role

router = APIRouter()

BASE = "/ops/stats"
DEFAULT_DAYS = 30
MAX_COMPANIES = 200
MAX_RESOURCES = 500
Text = Annotated[str | None, Query(max_length=64)]


@dataclass(frozen=True)
class Preset:
    label: str
    url: str


def _uuid_or_none(value: str | None, field: str) -> str | None:
    value = (value or "").strip().lower()
    if not value:
        return None
    if not is_uuid(value):
        raise Problem(
            400,
            "VALIDATION_FAILED",
            "The request is not valid.",
            errors=[{"field": field, "message": "a UUID"}],
        )
    return value


def _query(**values: Any) -> str:
    kept = {k: str(v) for k, v in values.items() if v not in (None, "")}
    return f"?{urlencode(kept)}" if kept else ""


async def _companies(request: Request) -> list[tuple[str, str]]:
    """A platform admin's choice: every company (id, name), by name."""
    found: list[tuple[str, str]] = []
    query = catalog_pb2.ListCompaniesRequest(page_size=200)
    while len(found) < MAX_COMPANIES:
        reply = await rpc("catalog", clients_of(request).catalog.ListCompanies(query))
        found += [(company.id, company.name) for company in reply.companies]
        if not reply.next_page_token:
            break
        query.page_token = reply.next_page_token
    return sorted(found, key=lambda item: item[1].casefold())


async def _resources(request: Request, company_id: str) -> list[tuple[str, str, str]]:
    """(id, name, booking model) of the company's resources, archived ones too."""
    found: list[tuple[str, str, str]] = []
    query = catalog_pb2.ListResourcesRequest(company_id=company_id, page_size=200, show_archived=True)
    while len(found) < MAX_RESOURCES:
        reply = await rpc("catalog", clients_of(request).catalog.ListResources(query))
        found += [
            (r.id, r.name, short_name(catalog_pb2.BookingModel, r.booking_model, "BOOKING_MODEL_"))
            for r in reply.resources
        ]
        if not reply.next_page_token:
            break
        query.page_token = reply.next_page_token
    return sorted(found, key=lambda item: item[1].casefold())


def _period(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    first = validation.parse_date(start, "from") if start else None
    last = validation.parse_date(end, "to") if end else None
    if first is None and last is None:
        return today - timedelta(days=DEFAULT_DAYS - 1), today
    if first is None:
        assert last is not None
        return last - timedelta(days=DEFAULT_DAYS - 1), last
    if last is None:
        return first, first + timedelta(days=DEFAULT_DAYS - 1)
    return first, last


def _presets(today: date, **keep: Any) -> list[Preset]:
    month = today.replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    previous_month = (month - timedelta(days=1)).replace(day=1)
    periods = [
        ("Last 7 days", today - timedelta(days=6), today),
        ("Last 30 days", today - timedelta(days=29), today),
        ("This month", month, next_month - timedelta(days=1)),
        ("Last month", previous_month, month - timedelta(days=1)),
        ("Next 30 days", today, today + timedelta(days=29)),
        ("This year", today.replace(month=1, day=1), today.replace(month=12, day=31)),
    ]
    return [Preset(label, BASE + _query(**{"from": a, "to": b}, **keep)) for label, a, b in periods]


def _chart(stats: StatsOut) -> str:
    """The chart's data for static/stats.js: x = each local day (its midnight as UTC seconds,
    drawn as UTC so the labels are the local dates), revenue in units, bookings confirmed."""
    return json.dumps(
        {
            "x": [
                int(datetime.fromisoformat(day.date).replace(tzinfo=UTC).timestamp()) for day in stats.days
            ],
            "revenue": [day.figures.revenue.total_minor / 100 for day in stats.days],
            "confirmed": [day.figures.confirmed for day in stats.days],
            "cancelled": [day.figures.cancelled for day in stats.days],
        },
        separators=(",", ":"),
    )


def _company_key(principal: Principal, company_id: str | None) -> str | None:
    if company_id is not None:
        return company_in_reach(principal, company_id)
    if principal.role is Role.PLATFORM_ADMIN or principal.company_id is None:
        return None
    return principal.company_id


@router.get(BASE, response_class=HTMLResponse, include_in_schema=False)
async def stats_page(
    request: Request,
    principal: PageOperator,
    start: Annotated[str | None, Query(alias="from", max_length=16)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=16)] = None,
    resource_id: Text = None,
    company_id: Text = None,
) -> HTMLResponse:
    company = _company_key(principal, _uuid_or_none(company_id, "company_id"))
    chosen_resource = _uuid_or_none(resource_id, "resource_id")
    company_arg = company if principal.role is Role.PLATFORM_ADMIN else None
    today = datetime.now(UTC).date()
    form = {"from": start or "", "to": end or "", "resource_id": chosen_resource or ""}
    context: dict[str, Any] = {
        "operator": principal,
        "section": "stats",
        "form": form,
        "company_arg": company_arg or "",
        "max_days": MAX_PERIOD_DAYS,
        "stats": None,
        "notice": None,
        "companies": [],
    }
    if company is None:
        context["companies"] = await _companies(request)
        return page_response(request, "stats.html", **context)
    try:
        first, last = _period(start, end, today)
    except ServiceError as error:
        context["notice"] = Notice("error", f"{error}: use the form YYYY-MM-DD.", error.reason)
        return page_response(request, "stats.html", status_code=400, **context)
    form.update({"from": first.isoformat(), "to": last.isoformat()})
    try:
        stats = await business_stats(request, company, first, last, chosen_resource)
    except Problem as problem:
        if problem.status >= 500 or problem.code in ("COMPANY_NOT_FOUND",):
            raise
        context["notice"] = Notice("error", problem.detail, problem.code)
        return page_response(request, "stats.html", status_code=problem.status, **context)
    # The picker lists every resource of the company (the answer names only the one chosen).
    all_resources = (
        await _resources(request, company)
        if chosen_resource
        else [(r.resource_id, r.name, r.booking_model) for r in stats.resources]
    )
    keep = {"resource_id": chosen_resource, "company_id": company_arg}
    api_url = "/v1/admin/stats" + _query(**{"from": first, "to": last}, **keep)
    context.update(
        stats=stats,
        chart=_chart(stats),
        chart_label=f"Revenue ({stats.currency}) and bookings per day, {first} to {last}",
        resources=all_resources,
        chosen=next((r for r in stats.resources if r.resource_id == chosen_resource), None),
        presets=_presets(today, **keep),
        api_url=api_url,
        first=first,
        last=last,
    )
    return page_response(request, "stats.html", **context)
