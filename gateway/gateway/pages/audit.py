"""The audit log viewer of the console (HTML under /ops/audit): every change a person or an
API key made, in any service, newest first, from the gateway's one log (`gateway.audit_log`,
the store behind `GET /v1/admin/audit`, with the same scoping: company admins see their
company's entries, platform admins every company's or the one they name).

Filters: actor (a user or API key id), entity type, entity id, action, and a period of UTC
days; keyset (cursor) paging by (occurred_at, id), as the API pages. Each entry links to its
entity where the console has a page for it (a saga, a booking's or customer's or payment's
sagas, a resource's calendar, a webhook delivery or the endpoints, the dead letters), and its
actor, entity and action to the log filtered by them. Read-only: a GET form, no CSRF needed.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from gateway import audit_log
from gateway.auth import Principal, company_in_reach
from gateway.console.rendering import page_response
from gateway.pages.sagas import Notice
from gateway.problems import Problem
from gateway.sessions import PageOperator
from plumbing import validation
from plumbing.db import Database
from plumbing.errors import ServiceError
from plumbing.ids import is_uuid
from plumbing.paging import decode_page_token, encode_page_token
from plumbing.principal import Role

router = APIRouter()

BASE = "/ops/audit"
PAGE_SIZE = 50
# The entity types the services record (plumbing.audit callers), for the filter's choices.
ENTITY_TYPES = (
    "api_key",
    "booking",
    "calendar_feed",
    "company",
    "customer",
    "dead_letter",
    "entitlement",
    "extra",
    "invite",
    "pass_product",
    "payment",
    "payment_method",
    "push_subscription",
    "rate_plan",
    "resource",
    "saga",
    "session",
    "session_occupancy",
    "session_series",
    "unit",
    "user",
    "wallet",
    "webhook_delivery",
    "webhook_endpoint",
)
Filter = Annotated[str | None, Query(max_length=200)]


@dataclass(frozen=True)
class Row:
    entry: dict[str, Any]
    actor: str
    entity_url: str | None
    actor_url: str
    entity_filter_url: str
    action_url: str
    changed: str


def _entity_url(entry: dict[str, Any], company_arg: str | None, is_platform: bool) -> str | None:
    """The console's page of the entry's entity, when there is one."""
    kind, key = entry["entity_type"], str(entry["entity_id"])
    company = {"company_id": company_arg} if company_arg else {}
    if not is_uuid(key) and kind != "dead_letter":
        return None
    if kind == "saga":
        return f"/ops/sagas/{key}"
    if kind in ("booking", "customer", "payment"):
        # The saga search finds a booking's, a customer's or a payment's sagas.
        return "/ops/sagas?" + urlencode({"q": key, "range": "all"})
    if kind == "resource":
        return "/ops/calendar?" + urlencode({"resource_id": key, **company})
    if kind == "webhook_delivery":
        return f"/ops/webhooks/deliveries/{key}" + (f"?{urlencode(company)}" if company else "")
    if kind == "webhook_endpoint":
        return "/ops/webhooks" + (f"?{urlencode(company)}" if company else "")
    if kind == "dead_letter" and is_platform:
        return "/ops/dead-letters"
    return None


def _changed(entry: dict[str, Any]) -> str:
    changed = entry.get("changed") or {}
    if not changed:
        return ""
    return json.dumps(changed, sort_keys=True, ensure_ascii=False, default=str, indent=1)


def _day(value: str | None, field: str) -> date | None:
    return validation.parse_date(value, field) if value else None


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _company(principal: Principal, company_id: str | None) -> str | None:
    if company_id:
        if not is_uuid(company_id):
            raise Problem(
                400,
                "VALIDATION_FAILED",
                "The request is not valid.",
                errors=[{"field": "company_id", "message": "a UUID"}],
            )
        return company_in_reach(principal, company_id)
    if principal.role is Role.PLATFORM_ADMIN:
        return None
    if principal.company_id is None:
        raise Problem(403, "PERMISSION_DENIED", "These pages are for company admins.")
    return principal.company_id


@router.get(BASE, response_class=HTMLResponse, include_in_schema=False)
async def audit_page(
    request: Request,
    principal: PageOperator,
    actor: Filter = None,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    entity_id: Filter = None,
    action: Filter = None,
    start: Annotated[str | None, Query(alias="from", max_length=16)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=16)] = None,
    company_id: Annotated[str | None, Query(max_length=64)] = None,
    page_token: Annotated[str | None, Query(max_length=4096)] = None,
) -> HTMLResponse:
    is_platform = principal.role is Role.PLATFORM_ADMIN
    company = _company(principal, (company_id or "").strip().lower() or None)
    company_arg = company if is_platform else None
    form = {
        "actor": (actor or "").strip(),
        "entity": (entity or "").strip(),
        "entity_id": (entity_id or "").strip(),
        "action": (action or "").strip(),
        "from": start or "",
        "to": end or "",
        "company_id": company_arg or "",
    }
    context: dict[str, Any] = {
        "operator": principal,
        "section": "audit",
        "form": form,
        "entity_types": ENTITY_TYPES,
        "is_platform": is_platform,
        "rows": [],
        "notice": None,
        "next_page_url": None,
        "first_page_url": None,
    }
    try:
        first, last = _day(start, "from"), _day(end, "to")
        after = decode_page_token(page_token, datetime, uuid.UUID) if page_token else None
    except ServiceError as error:
        context["notice"] = Notice("error", str(error), error.reason)
        return page_response(request, "audit.html", status_code=400, **context)
    if first and last and last < first:
        context["notice"] = Notice("error", "The period ends before it begins.", "INVALID_DATE_RANGE")
        return page_response(request, "audit.html", status_code=400, **context)
    query = audit_log.AuditQuery(
        company_id=company,
        actor=form["actor"] or None,
        entity_type=form["entity"] or None,
        entity_id=form["entity_id"] or None,
        action=form["action"] or None,
        occurred_from=datetime.combine(first, time(0), tzinfo=UTC) if first else None,
        occurred_to=datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC) if last else None,
    )
    entries, has_more = await audit_log.list_entries(_db(request), query, limit=PAGE_SIZE, after=after)
    kept = {key: value for key, value in form.items() if value}

    def filtered(**change: str) -> str:
        return BASE + "?" + urlencode({**kept, **change})

    rows = []
    for entry in entries:
        who = entry["actor_user_id"] or entry["actor_api_key_id"] or ""
        rows.append(
            Row(
                entry=entry,
                actor=str(who),
                entity_url=_entity_url(entry, company_arg, is_platform),
                actor_url=filtered(actor=str(who)) if who else "",
                entity_filter_url=filtered(entity=entry["entity_type"], entity_id=str(entry["entity_id"])),
                action_url=filtered(action=entry["action"]),
                changed=_changed(entry),
            )
        )
    last_entry = entries[-1] if entries and has_more else None
    context.update(
        rows=rows,
        next_page_url=filtered(
            page_token=encode_page_token(last_entry["occurred_at"], uuid.UUID(str(last_entry["id"])))
        )
        if last_entry
        else None,
        first_page_url=BASE + ("?" + urlencode(kept) if kept else "") if page_token else None,
        reset_url=BASE + (f"?{urlencode({'company_id': company_arg})}" if company_arg else ""),
    )
    return page_response(request, "audit.html", **context)
