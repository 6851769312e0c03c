"""The console's calendar feeds page (HTML under /ops/feeds, staff and company admins): one's
own iCalendar feeds of the company's bookings (the whole company's, or one resource's), made
and revoked here; the feed's secret address is shown once, on the page that answers the
creation (never in an address bar nor in a list), to paste into a calendar app. A feed lives
while its owner's account is active (gateway.notifications.feeds). Company admins find every
feed of the company, their staff's too, in `GET /v1/admin/calendar-feeds`."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from gateway.auth import Principal
from gateway.console.rendering import page_response
from gateway.notifications.feeds import (
    COLUMNS,
    feed_owner,
    feed_url,
    insert_feed,
    own_feeds,
    revoke_feed_row,
)
from gateway.notifications.tables import feeds
from gateway.pages.calendar import company_resources
from gateway.pages.html import read_form
from gateway.pages.sagas import Notice, check_csrf, page_csrf
from gateway.sessions import PageStaff, form_staff
from plumbing.db import Database
from plumbing.ids import is_uuid
from plumbing.principal import acting_as
from plumbing.text import is_name

router = APIRouter()

MAX_SHOWN = 100
MAX_NAME = 200
DONE = {"revoked": "The feed is revoked: its address answers nothing any more."}
REFUSALS = {"CALENDAR_FEED_NOT_FOUND": "No such feed of yours."}


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def _page(
    request: Request,
    principal: Principal,
    *,
    notice: Notice | None = None,
    created_url: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    mine: list[dict[str, Any]] = []
    resources: list[Any] = []
    if principal.company_id and principal.user_id:
        async with _db(request).transaction() as conn:
            rows = await conn.execute(
                select(*COLUMNS)
                .where(*own_feeds(principal.company_id, principal.user_id))
                .order_by(feeds.c.revoked_at.is_not(None), feeds.c.created_at.desc())
                .limit(MAX_SHOWN)
            )
            mine = [dict(r._mapping) for r in rows]
        with acting_as(principal.as_plumbing()):
            resources = await company_resources(request, principal.company_id)
    names = {r.id: r.name for r in resources}
    for feed in mine:
        feed["scope"] = names.get(str(feed["resource_id"]), "A resource") if feed["resource_id"] else ""
    return page_response(
        request,
        "feeds.html",
        status_code=status_code,
        operator=principal,
        section="feeds",
        feeds=mine,
        resources=resources,
        created_url=created_url,
        form_id=str(uuid.uuid4()),
        max_name=MAX_NAME,
        csrf=page_csrf(request),
        notice=notice,
    )


@router.get("/ops/feeds", response_class=HTMLResponse, include_in_schema=False)
async def feeds_page(
    request: Request,
    principal: PageStaff,
    done: Annotated[str | None, Query(max_length=16)] = None,
    error: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    notice = None
    if error in REFUSALS:
        notice = Notice("error", REFUSALS[error], error)
    elif done in DONE:
        notice = Notice("ok", DONE[done])
    return await _page(request, principal, notice=notice)


@router.post("/ops/feeds", response_class=HTMLResponse, include_in_schema=False)
async def create_form(request: Request) -> Response:
    principal, session_token = await form_staff(request)
    with acting_as(principal.as_plumbing()):
        form = await read_form(request)
        check_csrf(request, session_token, form)
        company, user = feed_owner(principal)
        name = form.get("name", "").strip()
        resource_id = form.get("resource_id", "").strip().lower() or None
        form_id = form.get("form_id", "")
        invalid = None
        if len(name) > MAX_NAME:
            invalid = f"The name is longer than {MAX_NAME} characters."
        elif name and not is_name(name):
            invalid = "The name is one line of readable characters (no control or direction mark)."
        elif resource_id is not None and (
            not is_uuid(resource_id)
            or resource_id not in {r.id for r in await company_resources(request, company)}
        ):
            invalid = "Pick one of the company's resources, or the whole company."
        elif not is_uuid(form_id):
            invalid = "This form has expired: send it again."
        if invalid is not None:
            return await _page(request, principal, notice=Notice("error", invalid), status_code=400)
        # The form's own id is the feed's: the same form sent twice makes one feed.
        async with _db(request).transaction() as conn:
            made = await insert_feed(
                conn,
                feed_id=str(uuid.uuid5(uuid.UUID(form_id), user)),
                company_id=company,
                resource_id=resource_id,
                user_id=user,
                name=name,
            )
        if made is None:
            notice = Notice("error", "This feed was made already; its address was shown then.")
            return await _page(request, principal, notice=notice, status_code=409)
        _, token = made
        notice = Notice("ok", "Your feed is made. Copy its address now: it is shown this once.")
        return await _page(request, principal, notice=notice, created_url=feed_url(request, token))


@router.post("/ops/feeds/{feed_id}/revoke", include_in_schema=False)
async def revoke_form(request: Request, feed_id: str) -> Response:
    principal, session_token = await form_staff(request)
    with acting_as(principal.as_plumbing()):
        form = await read_form(request)
        check_csrf(request, session_token, form)
        company, user = feed_owner(principal)
        found = False
        if is_uuid(feed_id):
            async with _db(request).transaction() as conn:
                found = await revoke_feed_row(conn, feed_id.lower(), own_feeds(company, user))
    if not found:
        return RedirectResponse("/ops/feeds?error=CALENDAR_FEED_NOT_FOUND", status_code=303)
    return RedirectResponse("/ops/feeds?done=revoked", status_code=303)
