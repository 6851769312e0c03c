"""The webhooks page of the console (HTML under /ops/webhooks, company admins for their
company, platform admins for the company they name): the company's endpoints (never their
secret: it is shown once, on the page answering the endpoint's creation), each with its latest
deliveries (status, attempts, last status code, response time, error), a delivery's every
attempt on its own page, and the forms (asked to confirm, CSRF-checked like the saga forms)
that enable or disable an endpoint and redeliver a delivery: the same store calls and audit
entries as the JSON API of gateway.webhooks.routes. A new endpoint (URL, description, event
types) and deleting one call that API's own handlers (`create_endpoint`, `delete_endpoint`):
its URL check, audit entries and refusals (shown beside their fields, the form kept)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway.auth import Principal
from gateway.console.rendering import page_response
from gateway.pages.html import read_form
from gateway.pages.manage import KEY, Form, Refused, _call, _refusal, _validated
from gateway.pages.sagas import CODE, Notice, check_csrf, page_csrf
from gateway.problems import Problem
from gateway.routes.common import Idempotent, company_of
from gateway.sessions import PageOperator, form_operator
from gateway.webhooks import routes as webhooks_api
from gateway.webhooks import store
from gateway.webhooks.events import EVENT_TYPES
from gateway.webhooks.routes import _plain, _scope
from plumbing import audit
from plumbing.db import Database
from plumbing.ids import is_uuid
from plumbing.principal import Role, acting_as

router = APIRouter()

RECENT_DELIVERIES = 10
MAX_ENDPOINTS = 50
DONE = {
    "enable": "The endpoint is enabled: its deliveries go out again.",
    "disable": "The endpoint is disabled: nothing is sent to it until it is enabled again.",
    "redeliver": "The delivery is due again now: it goes out in a moment.",
    "delete": "The endpoint is deleted, with its deliveries.",
}
REFUSALS = {
    "WEBHOOK_ENDPOINT_NOT_FOUND": "No such endpoint (deleted meanwhile?).",
    "WEBHOOK_DELIVERY_NOT_FOUND": "No such delivery (its endpoint was deleted meanwhile?).",
}


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _notice(done: str | None, error: str | None) -> Notice | None:
    if error and CODE.match(error):
        return Notice("error", REFUSALS.get(error, "The change was refused."), error)
    if done in DONE:
        return Notice("ok", DONE[done])
    return None


def _company_query(company_id: str | None) -> str:
    return urlencode({"company_id": company_id}) if company_id else ""


@router.get("/ops/webhooks", response_class=HTMLResponse, include_in_schema=False)
async def webhooks_page(
    request: Request,
    principal: PageOperator,
    company_id: Annotated[str | None, Query(max_length=64)] = None,
    done: Annotated[str | None, Query(max_length=16)] = None,
    error: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    chosen = (company_id or "").strip().lower() or None
    if chosen is not None and not is_uuid(chosen):
        raise Problem(
            400,
            "VALIDATION_FAILED",
            "The request is not valid.",
            errors=[{"field": "company_id", "message": "a UUID"}],
        )
    return await _webhooks_page(request, principal, chosen, _notice(done, error))


async def _webhooks_page(
    request: Request,
    principal: Principal,
    chosen: str | None,
    notice: Notice | None,
    form: Form | None = None,
    created: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    endpoints: list[dict[str, Any]] = []
    company: str | None = None
    if chosen is not None or principal.role is not Role.PLATFORM_ADMIN:
        company = company_of(principal, uuid.UUID(chosen) if chosen else None)
        async with _db(request).transaction() as conn:
            rows, _ = await store.list_endpoints(conn, company, limit=MAX_ENDPOINTS, after=None)
            for row in rows:
                deliveries, more = await store.list_deliveries(
                    conn,
                    company,
                    endpoint_id=str(row["id"]),
                    booking_id=None,
                    status=None,
                    event_type=None,
                    limit=RECENT_DELIVERIES,
                    after=None,
                )
                endpoints.append({**row, "deliveries": deliveries, "more": more})
    response = page_response(
        request,
        "webhooks.html",
        status_code=status,
        operator=principal,
        section="webhooks",
        company_id=company or "",
        chosen=chosen or "",
        endpoints=endpoints,
        recent=RECENT_DELIVERIES,
        back=_company_query(company if principal.role is Role.PLATFORM_ADMIN else None),
        csrf=page_csrf(request),
        request_key=str(uuid.uuid4()),
        notice=notice,
        form=form or Form(),
        event_types=EVENT_TYPES,
        created=created,
    )
    # Said here as well as by every console page: the answer holding a new endpoint's signing
    # secret must not be kept by a cache nor shown again by the back button.
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/ops/webhooks/deliveries/{delivery_id}", response_class=HTMLResponse, include_in_schema=False)
async def delivery_page(
    request: Request,
    principal: PageOperator,
    delivery_id: str,
    done: Annotated[str | None, Query(max_length=16)] = None,
    error: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    if not is_uuid(delivery_id):
        raise Problem(404, "WEBHOOK_DELIVERY_NOT_FOUND", "No such webhook delivery.")
    scope = _scope(principal)
    async with _db(request).transaction() as conn:
        delivery = await store.get_delivery(conn, delivery_id, scope)
        endpoint = await store.get_endpoint(conn, str(delivery["endpoint_id"]), scope) if delivery else None
    if delivery is None or endpoint is None:
        raise Problem(404, "WEBHOOK_DELIVERY_NOT_FOUND", "No such webhook delivery.")
    company = str(delivery["company_id"])
    return page_response(
        request,
        "webhook_delivery.html",
        operator=principal,
        section="webhooks",
        delivery=delivery,
        endpoint=endpoint,
        list_url="/ops/webhooks"
        + ("?" + _company_query(company) if principal.role is Role.PLATFORM_ADMIN else ""),
        csrf=page_csrf(request),
        notice=_notice(done, error),
    )


# ---- the forms ----------------------------------------------------------------------------


def _back(form: dict[str, str], default: str) -> str:
    """Where the form came from: the list (with its company) or a delivery's page."""
    back = form.get("back", "")
    if back.startswith("/ops/webhooks") and "//" not in back and "\\" not in back and len(back) <= 256:
        return back
    return default


def _with(url: str, **query: str) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(query)


async def _set_enabled(request: Request, principal: Principal, endpoint_id: str, enabled: bool) -> None:
    scope = _scope(principal)
    if not is_uuid(endpoint_id):
        raise Problem(404, "WEBHOOK_ENDPOINT_NOT_FOUND", "No such webhook endpoint.")
    async with _db(request).transaction() as conn:
        before = await store.get_endpoint(conn, endpoint_id, scope)
        # Enable or disable whatever the version: the button says what it wants, not what it read.
        changes = {"enabled": enabled}
        row = await store.update_endpoint(conn, endpoint_id, scope, changes, version=None) if before else None
        if row is None or before is None:
            raise Problem(404, "WEBHOOK_ENDPOINT_NOT_FOUND", "No such webhook endpoint.")
        await audit.record(
            conn,
            company_id=str(row["company_id"]),
            entity_type="webhook_endpoint",
            entity_id=str(row["id"]),
            action="webhook_endpoint.update",
            before=_plain(before),
            after=_plain(row),
        )


async def _redeliver(request: Request, principal: Principal, delivery_id: str) -> None:
    if not is_uuid(delivery_id):
        raise Problem(404, "WEBHOOK_DELIVERY_NOT_FOUND", "No such webhook delivery.")
    async with _db(request).transaction() as conn:
        row = await store.redeliver(conn, delivery_id, _scope(principal))
        if row is None:
            raise Problem(404, "WEBHOOK_DELIVERY_NOT_FOUND", "No such webhook delivery.")
        await audit.record(
            conn,
            company_id=str(row["company_id"]),
            entity_type="webhook_delivery",
            entity_id=str(row["id"]),
            action="webhook_delivery.redeliver",
        )
    dispatcher = getattr(request.app.state, "webhook_dispatcher", None)
    if dispatcher is not None:
        dispatcher.wakeup.set()


async def _form_action(request: Request, action: str, target: str) -> Response:
    principal, session_token = await form_operator(request)
    with acting_as(principal.as_plumbing()):
        _scope(principal)  # company admins and platform admins only
        form = await read_form(request)
        check_csrf(request, session_token, form)
        back = _back(form, "/ops/webhooks")
        try:
            if action == "redeliver":
                await _redeliver(request, principal, target)
            else:
                await _set_enabled(request, principal, target, action == "enable")
        except Problem as problem:
            if problem.status != 404:
                raise
            return RedirectResponse(_with(back, error=problem.code), status_code=303)
    return RedirectResponse(_with(back, done=action), status_code=303)


@router.post("/ops/webhooks/endpoints/{endpoint_id}/enable", include_in_schema=False)
async def enable_form(request: Request, endpoint_id: str) -> Response:
    return await _form_action(request, "enable", endpoint_id)


@router.post("/ops/webhooks/endpoints/{endpoint_id}/disable", include_in_schema=False)
async def disable_form(request: Request, endpoint_id: str) -> Response:
    return await _form_action(request, "disable", endpoint_id)


@router.post("/ops/webhooks/deliveries/{delivery_id}/redeliver", include_in_schema=False)
async def redeliver_form(request: Request, delivery_id: str) -> Response:
    return await _form_action(request, "redeliver", delivery_id)


@router.post("/ops/webhooks/endpoints/{endpoint_id}/delete", include_in_schema=False)
async def delete_form(request: Request, endpoint_id: str) -> Response:
    """Deletes the endpoint with its deliveries (the API's DELETE, its audit entry)."""
    principal, session_token = await form_operator(request)
    with acting_as(principal.as_plumbing()):
        _scope(principal)
        form = await read_form(request)
        check_csrf(request, session_token, form)
        back = _back(form, "/ops/webhooks")
        if not is_uuid(endpoint_id):
            return RedirectResponse(_with(back, error="WEBHOOK_ENDPOINT_NOT_FOUND"), status_code=303)
        try:
            # 204 without a body: the answer's status is all there is to read.
            answer = await webhooks_api.delete_endpoint(
                request, uuid.UUID(endpoint_id), principal, _once(request, form, "delete")
            )
            refused = _refusal(answer)
        except Problem as problem:
            refused = Refused(problem.code, status=problem.status)
        if refused is not None:
            if refused.status != 404:
                raise Problem(refused.status, refused.code, refused.text)
            return RedirectResponse(_with(back, error=refused.code), status_code=303)
    return RedirectResponse(_with(back, done="delete"), status_code=303)


def _once(request: Request, form: dict[str, str], action: str) -> Idempotent:
    """The Idempotency-Key of a form: the page's one-time key (a double submit acts once)."""
    key = form.get("request_key", "")
    return Idempotent(request, f"webhooks-{action}:{key if KEY.match(key) else uuid.uuid4()}")


@router.post("/ops/webhooks/endpoints", include_in_schema=False)
async def create_form(request: Request) -> Response:
    """A new endpoint: the page again with its signing secret this once (no redirect: an
    address would carry it)."""
    principal, session_token = await form_operator(request)
    with acting_as(principal.as_plumbing()):
        _scope(principal)
        form = await read_form(request)
        check_csrf(request, session_token, form)
        # Several boxes share the name: read_form keeps the first of each.
        chosen_types = parse_qs((await request.body()).decode()).get("event_types", [])
        company = company_of(principal, _company_id(form.get("company_id")))
        chosen = company if principal.role is Role.PLATFORM_ADMIN else None
        try:
            values: dict[str, Any] = {
                "url": form.get("url", "").strip(),
                "description": form.get("description", "").strip(),
                "event_types": chosen_types,
            }
            if principal.role is Role.PLATFORM_ADMIN:
                values["company_id"] = company
            body = _validated(webhooks_api.CreateEndpointBody, values)
            made = await _call(
                webhooks_api.create_endpoint(request, body, principal, _once(request, form, "new"))
            )
        except Refused as refused:
            shown = Form(
                {**form, "event_types": ",".join(chosen_types)},
                refused.errors,
                refused.text,
                refused.code,
                "endpoint",
            )
            return await _webhooks_page(request, principal, chosen, None, shown, status=refused.status)
        created = {"url": made["url"], "secret": made["secret"]}
        notice = Notice(
            "ok", "The endpoint is registered. Copy its signing secret now: it is shown this once."
        )
        return await _webhooks_page(request, principal, chosen, notice, created=created)


def _company_id(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID((value or "").strip()) if value else None
    except ValueError:
        raise Problem(
            400,
            "VALIDATION_FAILED",
            "The request is not valid.",
            errors=[{"field": "company_id", "message": "a UUID"}],
        ) from None
