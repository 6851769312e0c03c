"""The installable console and its staff's devices (HTML and JSON under /ops, cookie session
and CSRF like the other console pages; not in the OpenAPI):

- `/ops/manifest.webmanifest` and `/ops/sw.js`: the web app manifest and the service worker
  (scope /ops/), public like the static files: a browser fetches both without the session.
- `/ops/push`: "Notifications on this device": turn Web Push on or off for the
  browser (static/push.js) and the list of the user's devices, each removable.
- `POST /ops/push/subscriptions` (JSON `{endpoint, keys: {p256dh, auth}, label}`, the page's
  CSRF token in `X-CSRF-Token`): registers what `PushManager.subscribe()` answered for the
  user and their company; `POST /ops/push/subscriptions/unsubscribe` (`{endpoint}`) and the
  list's delete form remove one. The endpoint must be https at a public address
  (gateway.push.urls); the device's keys are checked, stored, and never shown or logged.
"""

from __future__ import annotations

import hmac
import json
import uuid
from typing import Annotated, Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert

from gateway.auth import OPS_ROLES, Principal
from gateway.console.rendering import CONSOLE_CSP, STATIC, page_response
from gateway.deps import tokens_of
from gateway.pages.html import read_form
from gateway.pages.sagas import Notice, check_csrf, csrf_token, page_csrf
from gateway.problems import Problem
from gateway.push import tables
from gateway.push.urls import check_endpoint
from gateway.push.vapid import VapidKey, b64url_decode
from gateway.sessions import BUSINESS_HOME_PATH, HOME_PATH, PageStaff, form_staff, landing_path
from plumbing import audit
from plumbing.db import Database
from plumbing.errors import ServiceError
from plumbing.principal import acting_as
from plumbing.text import OPTIONAL_NAME_PATTERN

router = APIRouter()

CSRF_HEADER = "X-CSRF-Token"
MAX_BODY_BYTES = 4096
# A user's devices at most; one more is refused (remove one first).
MAX_SUBSCRIPTIONS_PER_USER = 10
THEME_COLOUR = "#0b57b0"

MANIFEST = {
    "name": "Booking platform console",
    "short_name": "Bookings",
    "description": "The booking platform's console for a company's admins and staff.",
    "id": "/ops/",
    "start_url": "/ops/start",
    "scope": "/ops/",
    "display": "standalone",
    "background_color": "#ffffff",
    "theme_color": THEME_COLOUR,
    "icons": [
        {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
        {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
        {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        {"src": "/static/icons/icon.svg", "sizes": "any", "type": "image/svg+xml"},
    ],
}
SERVICE_WORKER = STATIC / "sw.js"


def vapid_of(request: Request) -> VapidKey | None:
    key: VapidKey | None = getattr(request.app.state, "vapid", None)
    return key


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


@router.get("/ops/manifest.webmanifest", include_in_schema=False)
async def manifest() -> Response:
    return Response(
        json.dumps(MANIFEST, indent=1),
        media_type="application/manifest+json",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get("/ops/sw.js", include_in_schema=False)
async def service_worker() -> Response:
    # Read on each request (a few kB): an updated file reaches browsers at their next check.
    return Response(
        SERVICE_WORKER.read_text(),
        media_type="text/javascript",
        headers={
            "Cache-Control": "no-cache",
            "Service-Worker-Allowed": "/ops/",
            "Content-Security-Policy": CONSOLE_CSP,
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/ops/start", include_in_schema=False)
async def start(principal: PageStaff) -> Response:
    """The installed app's start page: the user's console home (the sagas for admins, the
    calendar for staff), or the login page first."""
    return RedirectResponse(landing_path(principal.role, HOME_PATH), status_code=303)


@router.get("/ops/push/open", include_in_schema=False)
async def open_booking(
    principal: PageStaff, booking_id: Annotated[uuid.UUID, Query(description="The booking pushed.")]
) -> Response:
    """Where a push notification's click leads: the booking's saga for admins, the calendar
    for staff (the saga pages are not theirs)."""
    if principal.role in OPS_ROLES:
        return RedirectResponse(f"/ops/sagas?q={booking_id}&range=all", status_code=303)
    return RedirectResponse(BUSINESS_HOME_PATH, status_code=303)


# ---- the page -----------------------------------------------------------------------------

DONE = {"deleted": "The device was removed: it gets no more notifications."}


@router.get("/ops/push", response_class=HTMLResponse, include_in_schema=False)
async def push_page(
    request: Request,
    principal: PageStaff,
    done: Annotated[str | None, Query(max_length=16)] = None,
) -> HTMLResponse:
    async with _db(request).transaction() as conn:
        rows = await conn.execute(
            select(
                tables.subscriptions.c.id,
                tables.subscriptions.c.label,
                tables.subscriptions.c.endpoint,
                tables.subscriptions.c.created_at,
                tables.subscriptions.c.last_success_at,
            )
            .where(tables.subscriptions.c.user_id == principal.user_id)
            .order_by(tables.subscriptions.c.created_at)
        )
        devices = [
            {**r._mapping, "service": _service_of(r.endpoint), "request_key": str(uuid.uuid4())} for r in rows
        ]
    vapid = vapid_of(request)
    return page_response(
        request,
        "push_devices.html",
        operator=principal,
        section="push",
        devices=devices,
        vapid_key=vapid.public_key if vapid else "",
        csrf=page_csrf(request),
        notice=Notice("ok", DONE[done]) if done in DONE else None,
    )


def _service_of(endpoint: str) -> str:
    """The push service's host (the rest of the endpoint identifies the device: not shown)."""
    return urlsplit(endpoint).hostname or "-"


# ---- registering a device -----------------------------------------------------------------


class Keys(BaseModel):
    model_config = ConfigDict(extra="forbid")
    p256dh: str = Field(min_length=80, max_length=100, pattern=r"^[A-Za-z0-9_-]+={0,2}$")
    auth: str = Field(min_length=16, max_length=32, pattern=r"^[A-Za-z0-9_-]+={0,2}$")


class SubscriptionBody(BaseModel):
    model_config = ConfigDict(extra="ignore")  # browsers add expirationTime
    endpoint: str = Field(min_length=10, max_length=1000)
    keys: Keys
    label: str = Field(default="", max_length=120, pattern=OPTIONAL_NAME_PATTERN)


class UnsubscribeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    endpoint: str = Field(min_length=1, max_length=1000)


async def _json_operator(request: Request) -> tuple[Principal, dict[str, Any]]:
    """The console user (staff or admin) posting JSON with the page's CSRF token in X-CSRF-Token."""
    principal, session_token = await form_staff(request)
    expected = csrf_token(tokens_of(request).secret, session_token)
    if not hmac.compare_digest(request.headers.get(CSRF_HEADER, "").encode(), expected.encode()):
        raise Problem(
            403,
            "CSRF_TOKEN_INVALID",
            "The CSRF token is missing or does not match your session; reload the page and retry.",
        )
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise Problem(415, "UNSUPPORTED_MEDIA_TYPE", "Post the subscription as application/json.")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise Problem(413, "PAYLOAD_TOO_LARGE", f"The body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise Problem(400, "VALIDATION_FAILED", "The body is not JSON.") from None
    if not isinstance(body, dict):
        raise Problem(400, "VALIDATION_FAILED", "The body must be a JSON object.")
    return principal, body


def _invalid(error: ValidationError) -> Problem:
    return Problem(
        422,
        "VALIDATION_FAILED",
        "The subscription is not valid.",
        errors=[{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in error.errors()],
    )


def _check_keys(keys: Keys) -> None:
    """p256dh: an uncompressed point on P-256; auth: 16 bytes (RFC 8291)."""
    try:
        point = b64url_decode(keys.p256dh.rstrip("="))
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        valid = len(point) == 65 and len(b64url_decode(keys.auth.rstrip("="))) == 16
    except ValueError:
        valid = False
    if not valid:
        raise Problem(
            422,
            "INVALID_PUSH_KEYS",
            "The subscription's keys are not a P-256 public key and a 16-byte auth secret.",
            errors=[{"field": "keys", "message": "p256dh: 65-byte P-256 point, auth: 16 bytes (base64url)"}],
        )


@router.post("/ops/push/subscriptions", include_in_schema=False)
async def subscribe(request: Request) -> Response:
    principal, raw = await _json_operator(request)
    with acting_as(principal.as_plumbing()):
        if vapid_of(request) is None:
            raise Problem(
                409, "PUSH_NOT_CONFIGURED", "Push notifications are not configured on this gateway."
            )
        try:
            body = SubscriptionBody.model_validate(raw)
        except ValidationError as error:
            raise _invalid(error) from None
        _check_keys(body.keys)
        try:
            await check_endpoint(
                body.endpoint, allow_loopback=request.app.state.settings.push_allow_loopback_endpoints
            )
        except ServiceError as error:
            raise Problem(
                400, error.reason, error.message, errors=[{"field": "endpoint", "message": error.message}]
            ) from None
        subs = tables.subscriptions
        async with _db(request).transaction() as conn:
            mine = (
                await conn.execute(
                    select(func.count())
                    .select_from(subs)
                    .where(subs.c.user_id == principal.user_id, subs.c.endpoint != body.endpoint)
                )
            ).scalar_one()
            if mine >= MAX_SUBSCRIPTIONS_PER_USER:
                raise Problem(
                    409,
                    "PUSH_SUBSCRIPTION_LIMIT",
                    f"At most {MAX_SUBSCRIPTIONS_PER_USER} devices per user: remove one first.",
                )
            # One row per endpoint (a browser's subscription): subscribing again, or as another
            # user of the same browser, takes the row over with the keys given now.
            values = {
                "user_id": principal.user_id,
                "company_id": principal.company_id,
                "p256dh": body.keys.p256dh.rstrip("="),
                "auth": body.keys.auth.rstrip("="),
                "label": body.label.strip(),
            }
            row = (
                await conn.execute(
                    insert(subs)
                    .values(id=str(uuid.uuid4()), endpoint=body.endpoint, **values)
                    .on_conflict_do_update(constraint="push_subscriptions_endpoint_once", set_=values)
                    .returning(subs.c.id, subs.c.created_at)
                )
            ).one()
            await audit.record(
                conn,
                company_id=principal.company_id,
                entity_type="push_subscription",
                entity_id=str(row.id),
                action="push_subscription.create",
                after={"label": values["label"], "service": _service_of(body.endpoint)},
            )
    return JSONResponse({"id": str(row.id), "created_at": row.created_at.isoformat()}, status_code=201)


async def _remove(request: Request, principal: Principal, *conditions: Any) -> bool:
    subs = tables.subscriptions
    async with _db(request).transaction() as conn:
        row = (
            await conn.execute(
                delete(subs)
                .where(subs.c.user_id == principal.user_id, *conditions)
                .returning(subs.c.id, subs.c.label)
            )
        ).first()
        if row is not None:
            await audit.record(
                conn,
                company_id=principal.company_id,
                entity_type="push_subscription",
                entity_id=str(row.id),
                action="push_subscription.delete",
                before={"label": row.label},
            )
    return row is not None


@router.post("/ops/push/subscriptions/unsubscribe", include_in_schema=False)
async def unsubscribe(request: Request) -> Response:
    principal, raw = await _json_operator(request)
    with acting_as(principal.as_plumbing()):
        try:
            body = UnsubscribeBody.model_validate(raw)
        except ValidationError as error:
            raise _invalid(error) from None
        await _remove(request, principal, tables.subscriptions.c.endpoint == body.endpoint)
    return Response(status_code=204)


@router.post("/ops/push/subscriptions/{subscription_id}/delete", include_in_schema=False)
async def delete_form(request: Request, subscription_id: str) -> Response:
    principal, session_token = await form_staff(request)
    with acting_as(principal.as_plumbing()):
        form = await read_form(request)
        check_csrf(request, session_token, form)
        try:
            wanted = str(uuid.UUID(subscription_id))
        except ValueError:
            raise Problem(404, "PUSH_SUBSCRIPTION_NOT_FOUND", "No such device.") from None
        if not await _remove(request, principal, tables.subscriptions.c.id == wanted):
            raise Problem(404, "PUSH_SUBSCRIPTION_NOT_FOUND", "No such device.")
    return RedirectResponse("/ops/push?done=deleted", status_code=303)
