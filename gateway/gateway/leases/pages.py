"""The console's lease routes (for the calendar pages; HTML and JSON for the page's script):

- `GET /ops/calendar/leases/live`: Server-Sent Events of the day view, one `holds-<resource>`
  event with the resource's held periods (who, what, since when) whenever they change; the
  store is asked every LIVE_INTERVAL_SECONDS (one indexed query of the company's unexpired
  leases), and the stream ends after LIVE_STREAM_SECONDS (the browser reconnects with its
  cookie), or as soon as its session no longer admits it (logged out or revoked, the account
  deactivated or its role changed: checked again every few seconds, gateway.console.live).
- `POST /ops/calendar/leases`: acquire for an edit of a booking (`booking_id`: its
  cancellation) or for a free cell (the booking form's fields); 409 LEASE_HELD names the holder.
- `POST /ops/calendar/leases/{id}/renew`: the page's heartbeat; 410 LEASE_GONE once expired.
- `POST /ops/calendar/leases/{id}/release`: save, cancel, or the tab closed (sendBeacon);
  204, or a 303 to `next` (a day view) for a form without script.

Every POST carries the session's CSRF token; a lease is only ever on the caller's company's
resources (another company's resource or booking is a 404).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from sse_starlette import EventSourceResponse

from gateway.auth import CONSOLE_ROLES
from gateway.console.live import LiveSession
from gateway.console.rendering import render
from gateway.leases.console import (
    HEARTBEAT_SECONDS,
    LEASES,
    Lease,
    LeaseHeld,
    booking_wanted,
    by_resource,
    day_bounds,
    held_problem,
    hold,
    leases_of,
    target_wanted,
)
from gateway.pages import calendar as cal
from gateway.pages.html import read_form
from gateway.pages.sagas import check_csrf
from gateway.problems import Problem
from gateway.sessions import PageStaff, form_staff
from plumbing.principal import acting_as

log = logging.getLogger(__name__)
router = APIRouter()

LIVE_INTERVAL_SECONDS = 1.0
LIVE_STREAM_SECONDS = 300.0


def _lease_json(lease: Lease) -> dict[str, Any]:
    return {
        "id": lease.id,
        "expires_at": lease.expires_at.isoformat(),
        "renew_url": f"{LEASES}/{lease.id}/renew",
        "release_url": f"{LEASES}/{lease.id}/release",
        "heartbeat_seconds": HEARTBEAT_SECONDS,
    }


def holds_context(
    resource: cal.Resource, leases: list[Lease], company: cal.Company, user_id: str | None
) -> dict[str, Any]:
    return {
        "resource": resource,
        "holds": leases,
        "me": user_id or "",
        "clock": lambda value: value.astimezone(company.zone).strftime("%H:%M:%S"),
    }


@router.get(f"{LEASES}/live", include_in_schema=False)
async def live_holds(
    request: Request,
    principal: PageStaff,
    date_: Annotated[str | None, Query(alias="date", max_length=16)] = None,
    resource_id: cal.IdQuery = None,
    company_id: cal.CompanyQuery = None,
) -> Response:
    """Server-Sent Events of the day's held periods, per resource (`holds-<resource id>`)."""
    company_key = cal._company_id(principal, company_id)
    if company_key is None:
        raise Problem(400, "COMPANY_REQUIRED", "Name the company (company_id).")
    day = cal._day(date_)
    chosen = cal._uuid(resource_id, "resource_id")
    company, resources = await asyncio.gather(
        cal._company(request, company_key), cal.company_resources(request, company_key)
    )
    if chosen is not None:
        resources = [r for r in resources if r.id == chosen]
        if not resources:
            raise Problem(404, "RESOURCE_NOT_FOUND", "No such resource.")
    lower, upper = day_bounds(day, company.zone)
    leases = leases_of(request)
    session = LiveSession(request, principal, CONSOLE_ROLES)

    async def events() -> AsyncIterator[dict[str, str]]:
        last: dict[str, tuple[str, ...] | None] = {r.id: None for r in resources}
        ends = time.monotonic() + LIVE_STREAM_SECONDS
        while time.monotonic() < ends:
            try:
                held = by_resource(await leases.held(company.id, lower, upper))
            except SQLAlchemyError as error:  # the database is away: ask again
                log.info("live holds: %s", type(error).__name__)
                if not await session.wait(LIVE_INTERVAL_SECONDS):
                    return
                continue
            for resource in resources:
                mine = held.get(resource.id, [])
                seen = tuple(h.id for h in mine)  # a heartbeat changes no line of it
                if last[resource.id] != seen:
                    if not await session.admitted():
                        return
                    last[resource.id] = seen
                    yield {
                        "event": f"holds-{resource.id}",
                        "data": render(
                            "_holds.html", **holds_context(resource, mine, company, principal.user_id)
                        ),
                    }
            if not await session.wait(LIVE_INTERVAL_SECONDS):
                return

    return EventSourceResponse(
        events(), ping=15, headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}, send_timeout=30
    )


@router.post(LEASES, include_in_schema=False)
async def acquire(request: Request) -> Response:
    """Holds a booking's period for an edit (`booking_id`), or a free cell's for a booking
    (`date` with `session_id`, or `resource_id` and `unit_id` or `start`)."""
    principal, session_token = await form_staff(request)
    with acting_as(principal.as_plumbing()):
        form = await read_form(request)
        check_csrf(request, session_token, form)
        company_key = cal._company_id(principal, form.get("company_id") or None)
        if company_key is None:
            raise Problem(400, "COMPANY_REQUIRED", "Name the company (company_id).")
        company = await cal._company(request, company_key)
        booking_id = cal._uuid(form.get("booking_id"), "booking_id")
        if booking_id is not None:
            booking = await cal._read_booking(request, principal, booking_id)
            if booking.company_id != company.id:
                raise Problem(404, "BOOKING_NOT_FOUND", "No such booking.")
            names = {r.id: r.name for r in await cal.company_resources(request, company.id)}
            wanted = booking_wanted(booking, company.zone, names.get(booking.resource_id, ""))
        else:
            day = cal._day(form.get("date"))
            target = await cal._target(
                request,
                company,
                day,
                cal._uuid(form.get("session_id"), "session_id"),
                cal._uuid(form.get("resource_id"), "resource_id"),
                cal._uuid(form.get("unit_id"), "unit_id"),
                form.get("start") or None,
            )
            wanted = target_wanted(target, company.id, company.zone, day)
        try:
            lease = await hold(request, wanted, principal.user_id)
        except LeaseHeld as held:
            raise held_problem(held, company.zone) from None
        return JSONResponse(_lease_json(lease), headers={"Cache-Control": "no-store"})


def _lease_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Problem(404, "LEASE_NOT_FOUND", "No such lease.") from None


@router.post(f"{LEASES}/{{lease_id}}/renew", include_in_schema=False)
async def renew(request: Request, lease_id: str) -> Response:
    """The page's heartbeat: the lease lives LEASE_SECONDS more; 410 once it expired."""
    principal, session_token = await form_staff(request)
    form = await read_form(request)
    check_csrf(request, session_token, form)
    lease = await leases_of(request).renew(_lease_id(lease_id), principal.user_id or "")
    if lease is None:
        raise Problem(410, "LEASE_GONE", "Your hold has lapsed or was released; start again to hold it.")
    return JSONResponse(_lease_json(lease), headers={"Cache-Control": "no-store"})


@router.post(f"{LEASES}/{{lease_id}}/release", include_in_schema=False)
async def release(request: Request, lease_id: str) -> Response:
    """Releases the caller's lease (saved, cancelled, the tab closed); 204, or a 303 back to
    the day view named in `next` (the form of a page without script)."""
    principal, session_token = await form_staff(request)
    form = await read_form(request)
    check_csrf(request, session_token, form)
    await leases_of(request).release(_lease_id(lease_id), principal.user_id or "")
    back = form.get("next", "")
    if back.startswith(f"{cal.BASE}/day?") and "//" not in back and back.isprintable():
        return RedirectResponse(back, status_code=303)
    return Response(status_code=204, headers={"Cache-Control": "no-store"})
