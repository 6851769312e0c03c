"""The console page of the e-mails sent (`/ops/notifications`): every company's for platform
admins, their own company's for company admins; newest first, filtered by status or booking,
with each message's recipient, subject, event, status, attempts, last error and times."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import and_, func, or_, select

from gateway.console.rendering import page_response
from gateway.notifications.tables import messages
from gateway.problems import Problem
from gateway.routes.common import PageToken
from gateway.sessions import PageOperator
from plumbing.errors import ServiceError
from plumbing.paging import decode_page_token, encode_page_token
from plumbing.principal import Role

router = APIRouter()
PAGE_SIZE = 50
STATUSES = ("PENDING", "SENT", "FAILED")
COLUMNS = [c for c in messages.c if c.name not in ("text_body", "html_body", "ics")]


def _invalid(field: str, message: str) -> Problem:
    return Problem(
        400, "VALIDATION_FAILED", "The request is not valid.", errors=[{"field": field, "message": message}]
    )


@router.get("/ops/notifications", response_class=HTMLResponse, include_in_schema=False)
async def notifications_page(
    request: Request,
    principal: PageOperator,
    status: Annotated[Literal["", "PENDING", "SENT", "FAILED"], Query()] = "",
    booking_id: Annotated[str, Query(max_length=64)] = "",
    page_token: PageToken = None,
) -> HTMLResponse:
    conditions: list[Any] = []
    if principal.role is not Role.PLATFORM_ADMIN:
        conditions.append(messages.c.company_id == principal.company_id)
    if status:
        conditions.append(messages.c.status == status)
    booking = booking_id.strip().lower()
    if booking:
        try:
            booking = str(uuid.UUID(booking))
        except ValueError:
            raise _invalid("booking_id", "a UUID") from None
        conditions.append(messages.c.booking_id == booking)
    counts_where = list(conditions)
    if page_token:
        try:
            decoded = decode_page_token(page_token, datetime, uuid.UUID)
        except ServiceError as error:
            raise Problem(400, error.reason, "The page token is not valid.") from None
        assert decoded is not None  # a token was given
        at, last = decoded
        conditions.append(
            or_(messages.c.created_at < at, and_(messages.c.created_at == at, messages.c.id < str(last)))
        )
    async with request.app.state.db.transaction() as conn:
        rows = [
            dict(r._mapping)
            for r in await conn.execute(
                select(*COLUMNS)
                .where(*conditions)
                .order_by(messages.c.created_at.desc(), messages.c.id.desc())
                .limit(PAGE_SIZE + 1)
            )
        ]
        counts = {
            r.status: r.n
            for r in await conn.execute(
                select(messages.c.status, func.count().label("n"))
                .where(*[c for c in counts_where if c is not None])
                .group_by(messages.c.status)
            )
        }
    has_more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    next_url = ""
    if has_more and rows:
        last_row = rows[-1]
        query = {k: v for k, v in (("status", status), ("booking_id", booking)) if v}
        query["page_token"] = encode_page_token(last_row["created_at"], uuid.UUID(str(last_row["id"])))
        next_url = "/ops/notifications?" + urlencode(query)
    return page_response(
        request,
        "emails_sent.html",
        operator=principal,
        section="notifications",
        messages=rows,
        counts={s: counts.get(s, 0) for s in STATUSES},
        statuses=STATUSES,
        status=status,
        booking_id=booking,
        next_url=next_url,
        first_page=page_token is None,
        mail_on=bool(getattr(request.app.state, "notifications_on", False)),
    )
