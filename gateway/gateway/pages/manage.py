"""The business console's management pages (HTML under /ops/manage): a company's resources
with their policy, prices (hourly rate, rate plans and daily prices), sessions and weekly
series, and its customers with their bookings, wallet (balance, ledger, credit and debit
with a reason) and passes (granted or sold at the desk).

Every form posts the session's CSRF token and a one-time key rendered with the page, and
calls the back office's own route handlers (`routes.admin_catalog`, `admin_sessions`,
`admin_customers`, `admin_passes`) with that key as the Idempotency-Key and, for a change,
the ETag the page read as If-Match: the rules, the tenancy checks and the audit are the
API's. What the API refuses comes back as problem+json; its `errors` are shown next to their
fields, a stale ETag (412) as "changed by someone else, reload". Who may do what is the API's
too: staff read resources and sessions and manage customers; resources, prices and sessions
change only by company (or platform) admins. Another company's id is a 404 page.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from gateway.auth import Principal
from gateway.console.rendering import page_response
from gateway.pages.calendar import Company, _company
from gateway.pages.html import SKIPPED_TIME, local_instant
from gateway.pages.sagas import CODE, check_csrf, page_csrf
from gateway.problems import Problem
from gateway.routes import admin_catalog as catalog_api
from gateway.routes import admin_customers as customers_api
from gateway.routes import admin_passes as passes_api
from gateway.routes import admin_sessions as sessions_api
from gateway.routes.common import Idempotent
from gateway.schemas_admin_front_desk import (
    CreateCustomerBody,
    IssuePassBody,
    UpdateCustomerBody,
    WalletChangeBody,
)
from gateway.sessions import PageStaff, form_operator, form_staff
from plumbing.principal import Role, acting_as

router = APIRouter()

BASE = "/ops/manage"
MAX_FORM_BYTES = 16384
MAX_FORM_FIELDS = 60
KEY = re.compile(r"^[0-9a-f-]{36}$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
WINDOWS = 3  # cancellation steps the form offers
MODELS = {"TIME_SLOT": "Sessions (places)", "NIGHTLY": "Nights (units)", "INTERVAL": "Hourly rental"}
WEEKDAYS = (
    ("MO", "Mon"),
    ("TU", "Tue"),
    ("WE", "Wed"),
    ("TH", "Thu"),
    ("FR", "Fri"),
    ("SA", "Sat"),
    ("SU", "Sun"),
)
# Policy fields every model takes, and those of one model only (catalog's rules).
COMMON_POLICY = (
    ("lead_time_minutes", "Bookings close this many minutes before the start"),
    ("horizon_days", "Bookable this many days ahead"),
    ("max_active_bookings_per_customer", "Active bookings per customer (0: no limit)"),
    ("check_in_deadline_minutes", "Check-in deadline, minutes after the start (0: none)"),
    ("no_show_grace_minutes", "No-show grace, minutes"),
)
MODEL_POLICY = {
    "TIME_SLOT": (("max_places_per_booking", "Places per booking (0: no limit)"),),
    "NIGHTLY": (
        ("min_nights", "Minimum nights (0: none)"),
        ("max_nights", "Maximum nights (0: none)"),
        ("max_guests_per_unit", "Guests per unit (0: no limit)"),
    ),
    "INTERVAL": (
        ("min_duration_minutes", "Minimum rental, minutes"),
        ("max_duration_minutes", "Maximum rental, minutes (0: none)"),
        ("granularity_minutes", "Start and length in steps of (minutes, 0: any)"),
        ("buffer_before_minutes", "Buffer before, minutes"),
        ("buffer_after_minutes", "Buffer after, minutes"),
    ),
}
REFUSALS = {
    "PRECONDITION_FAILED": "Changed by someone else since you opened this page: reload it to see their "
    "change, then make yours again.",
    "PERMISSION_DENIED": "Only a company admin may do this.",
    "INVALID_POLICY": "The policy is not valid.",
    "INVALID_RRULE": "The repeat rule is not valid.",
    "TOO_MANY_OCCURRENCES": "The series has too many occurrences (at most 500 within two years).",
    "INSUFFICIENT_FUNDS": "The wallet does not hold that much.",
    "CAPACITY_BELOW_BOOKED": "Fewer places than are already booked.",
    "SESSION_HAS_BOOKINGS": "A session with bookings keeps its times.",
    "VALIDATION_FAILED": "Some field is not valid.",
    "PASS_PRODUCT_CURRENCY_MISMATCH": "This pass product is priced in a currency the company no longer "
    "uses: reprice or archive it on the Passes page before selling it.",
}
DONE = {
    "created": "Created.",
    "saved": "Saved.",
    "archived": "Archived.",
    "session": "Session created.",
    "session-saved": "Session changed.",
    "series": "Series created.",
    "cancelled": "Session cancelled; its bookings are refunded in full.",
    "credit": "Wallet credited.",
    "debit": "Wallet debited.",
    "pass": "Pass issued.",
    "rate": "Hourly rate saved.",
    "plan": "Rate plan created.",
    "prices": "Daily prices saved.",
    "unit": "Unit added.",
    "product": "Pass product created.",
    "product-archived": "Pass product archived.",
    "product-repriced": "Pass product repriced.",
    "unit-archived": "Unit archived.",
}

IdQuery = Annotated[str | None, Query(max_length=64)]
TextQuery = Annotated[str | None, Query(max_length=200)]


# ----- forms and answers -----


class Refused(Exception):
    """A form the API refused: the code, the page's message, and per-field messages."""

    def __init__(self, code: str, errors: dict[str, str] | None = None, status: int = 400) -> None:
        super().__init__(code)
        self.code = code
        self.errors = errors or {}
        self.status = status

    @property
    def text(self) -> str:
        return REFUSALS.get(self.code, "Refused.")


@dataclass
class Form:
    """What a page's form shows: values typed, errors by field, and the refusal's notice."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    notice: str = ""
    code: str = ""
    name: str = ""  # which of the page's forms was refused

    def for_(self, which: str, defaults: dict[str, Any] | None = None) -> Form:
        """This form's values and errors when `which` is the form refused, else a fresh one
        with the `defaults`."""
        if self.name == which:
            return self
        return Form({k: str(v) for k, v in (defaults or {}).items()})

    def value(self, name: str, default: Any = "") -> str:
        return self.values.get(name, "" if default is None else str(default))

    def error(self, name: str) -> str:
        """Messages of the field and of any part of it (`policy.x` shows under `policy`'s input
        `policy.x`; `amount.amount_minor` under `amount`)."""
        found = [m for f, m in self.errors.items() if f == name or f.startswith((name + ".", name + "["))]
        return "; ".join(found)


async def _read_form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise Problem(415, "UNSUPPORTED_MEDIA_TYPE", "Post the form as application/x-www-form-urlencoded.")
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        raise Problem(413, "PAYLOAD_TOO_LARGE", f"The form is larger than {MAX_FORM_BYTES} bytes.")
    try:
        parsed = parse_qs(raw.decode(), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise Problem(400, "VALIDATION_FAILED", "The form is not valid.") from None
    return {name: values[0] for name, values in parsed.items() if "\x00" not in values[0]}


def _once(request: Request, form: dict[str, str], action: str) -> Idempotent:
    """The Idempotency-Key of a form: the page's one-time key (a double submit acts once)."""
    key = form.get("request_key", "")
    return Idempotent(request, f"manage-{action}:{key if KEY.match(key) else uuid.uuid4()}")


def _field_name(location: tuple[Any, ...]) -> str:
    name = ""
    for part in location:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def _validated(model: type[BaseModel], values: dict[str, Any]) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as invalid:
        errors: dict[str, str] = {}
        for e in invalid.errors():
            name = _field_name(tuple(e.get("loc", ())))
            errors.setdefault(name, str(e.get("msg", "not valid")))
        raise Refused("VALIDATION_FAILED", errors) from None


def _refusal(answer: Response) -> Refused | None:
    if answer.status_code < 400:
        return None
    try:
        body = json.loads(bytes(answer.body))
    except ValueError:
        return Refused("SERVICE_UNAVAILABLE", status=503)
    return _of_problem_body(body, answer.status_code)


def _of_problem_body(body: Any, status: int) -> Refused:
    code = body.get("code") if isinstance(body, dict) else None
    code = code if isinstance(code, str) and CODE.match(code) else "SERVICE_UNAVAILABLE"
    errors: dict[str, str] = {}
    for e in body.get("errors") or [] if isinstance(body, dict) else []:
        if isinstance(e, dict) and isinstance(e.get("field"), str):
            errors.setdefault(e["field"], str(e.get("message", "not valid"))[:300])
    detail = body.get("detail") if isinstance(body, dict) else None
    refused = Refused(code, errors, status if status < 500 else 503)
    if code not in REFUSALS and isinstance(detail, str):
        refused.errors.setdefault("", detail[:300])
    return refused


async def _call(call: Awaitable[Response]) -> dict[str, Any]:
    """The JSON answer of a handler's change, or Refused with its problem."""
    try:
        answer = await call
    except Problem as problem:
        raise _of_problem_body(problem.body(), problem.status) from None
    refused = _refusal(answer)
    if refused is not None:
        raise refused
    parsed: dict[str, Any] = json.loads(bytes(answer.body))
    return parsed


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID((value or "").strip())
    except ValueError:
        return None


# An amount as people type it: ASCII digits, at most two decimals after a point or a comma.
# Decimal() alone also takes 1e2 (a hundred), other scripts' digits and surrounding spaces.
AMOUNT = re.compile(r"[0-9]{1,9}(?:[.,][0-9]{1,2})?")


def _minor(value: str, name: str) -> int:
    """An amount typed in units (12.50) as minor units; a field error when it is not one."""
    typed = value.strip(" ")
    if not AMOUNT.fullmatch(typed):
        raise Refused("VALIDATION_FAILED", {name: "an amount such as 12.50 (two decimals at most)"})
    try:
        amount = Decimal(typed.replace(",", "."))
    except (InvalidOperation, ValueError):
        raise Refused("VALIDATION_FAILED", {name: "an amount such as 12.50"}) from None
    if (
        not amount.is_finite()
        or amount < 0
        or amount > 10_000_000
        or amount != amount.quantize(Decimal("0.01"))
    ):
        raise Refused("VALIDATION_FAILED", {name: "an amount such as 12.50 (two decimals at most)"})
    return int(amount * 100)


def _int(value: str, name: str, default: int = 0) -> int:
    value = value.strip()
    if not value:
        return default
    if not re.fullmatch(r"-?[0-9]{1,9}", value):
        raise Refused("VALIDATION_FAILED", {name: "a whole number"})
    return int(value)


def _local(company: Company, day: str, clock: str, name: str) -> datetime:
    if not DAY.match(day) or not TIME.match(clock):
        raise Refused("VALIDATION_FAILED", {name: "a date and a time"})
    try:
        moment = datetime.fromisoformat(f"{day}T{clock}")
    except ValueError:
        raise Refused("VALIDATION_FAILED", {name: "a date and a time"}) from None
    instant = local_instant(moment.date(), moment.time(), company.zone)
    if instant is None:
        # In the hour the clocks skip: no such local time; never moved silently to another.
        raise Refused("VALIDATION_FAILED", {name: SKIPPED_TIME})
    return instant


def _not_found(request: Request, principal: Principal, what: str) -> HTMLResponse:
    return page_response(
        request, "manage_not_found.html", status_code=404, operator=principal, section="manage", what=what
    )


def _owning_company(answer: Response, principal: Principal, not_found: Problem) -> str:
    """The company of the entity an API read answered: another company's is `not_found` (the
    404 page) before anything is asked of it (the service checks the tenancy too)."""
    company_key = str(json.loads(bytes(answer.body))["company_id"])
    if principal.role is not Role.PLATFORM_ADMIN and company_key != principal.company_id:
        raise not_found
    return company_key


def _back(path: str, **values: Any) -> RedirectResponse:
    kept = {k: str(v) for k, v in values.items() if v not in (None, "")}
    return RedirectResponse(path + (f"?{urlencode(kept)}" if kept else ""), status_code=303)


def _done(value: str | None) -> str:
    return DONE.get(value or "", "")


def _is_admin(principal: Principal) -> bool:
    return principal.role in (Role.PLATFORM_ADMIN, Role.COMPANY_ADMIN)


def _money_text(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


async def _form(request: Request, admins_only: bool) -> tuple[Principal, str, dict[str, str]]:
    principal, session_token = await (form_operator(request) if admins_only else form_staff(request))
    with acting_as(principal.as_plumbing()):
        form = await _read_form(request)
        check_csrf(request, session_token, form)
    return principal, session_token, form


def _company_key(principal: Principal, named: str | None) -> str | None:
    if principal.role is Role.PLATFORM_ADMIN:
        chosen = _uuid(named)
        return str(chosen) if chosen else None
    return principal.company_id


def _context(request: Request, principal: Principal, **values: Any) -> dict[str, Any]:
    return {
        "operator": principal,
        "section": "manage",
        "csrf": page_csrf(request),
        "request_key": str(uuid.uuid4()),
        "admin": _is_admin(principal),
        "models": MODELS,
        "money_text": _money_text,
        **values,
    }


async def _guard(page: Callable[[], Awaitable[Response]], request: Request, principal: Principal) -> Response:
    """Another company's (or an unknown) id is a 404 page, not problem+json."""
    try:
        return await page()
    except Problem as problem:
        if problem.status == 404:
            return _not_found(request, principal, problem.detail)
        raise


# ----- resources -----


@router.get(BASE, include_in_schema=False)
async def manage_home(principal: PageStaff) -> Response:
    return RedirectResponse(f"{BASE}/resources", status_code=303)


async def _resource_list(
    request: Request, principal: Principal, company_key: str, archived: bool
) -> list[catalog_api.ResourceOut]:
    found: list[catalog_api.ResourceOut] = []
    token: str | None = None
    while len(found) < 1000:
        page = await catalog_api.list_resources(
            request,
            principal,
            company_id=uuid.UUID(company_key),
            booking_model=None,
            include_archived=archived,
            page_size=200,
            page_token=token,
        )
        found += page.resources
        if not page.next_page_token:
            break
        token = page.next_page_token
    return found


@router.get(f"{BASE}/resources", response_class=HTMLResponse, include_in_schema=False)
async def resources_page(
    request: Request,
    principal: PageStaff,
    archived: Annotated[str | None, Query(max_length=8)] = None,
    company_id: IdQuery = None,
    done: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    company_key = _company_key(principal, company_id)
    if company_key is None:
        return page_response(request, "manage_resources.html", **_context(request, principal, company=None))
    company = await _company(request, company_key)
    shown = await _resource_list(request, principal, company_key, archived == "1")
    return page_response(
        request,
        "manage_resources.html",
        **_context(
            request,
            principal,
            company=company,
            resources=shown,
            archived=archived == "1",
            company_arg=company_key if principal.role is Role.PLATFORM_ADMIN else "",
            notice=_done(done),
            form=Form(),
        ),
    )


def _policy_values(form: dict[str, str], model: str) -> dict[str, Any]:
    """The policy a form describes (the whole policy: an update replaces it)."""
    values: dict[str, Any] = {}
    for name, _label in COMMON_POLICY + MODEL_POLICY.get(model, ()):
        values[name] = _int(
            form.get(f"policy.{name}", ""), f"policy.{name}", 365 if name == "horizon_days" else 0
        )
    if model == "NIGHTLY":
        for name in ("check_in_time", "check_out_time"):
            values[name] = form.get(f"policy.{name}", "").strip() or None
    windows = []
    for index in range(WINDOWS):
        hours = form.get(f"window_hours_{index}", "").strip()
        percent = form.get(f"window_percent_{index}", "").strip()
        if not hours and not percent:
            continue
        name = f"policy.cancellation_windows[{index}]"
        windows.append(
            {
                "minutes_before_start": _int(hours, name) * 60,
                "refund_percent": _int(percent, name, 100),
            }
        )
    values["cancellation_windows"] = windows
    return values


def _resource_values(form: dict[str, str], model: str, currency: str) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "name": form.get("name", "").strip(),
        "description": form.get("description", "").strip(),
        "amenities": [a.strip() for a in form.get("amenities", "").split(",") if a.strip()],
    }
    for name, read in (
        ("capacity", lambda: _int(form.get("capacity", ""), "capacity")),
        ("policy", lambda: _policy_values(form, model)),
    ):
        try:
            values[name] = read()
        except Refused as refused:
            errors.update(refused.errors)
    if model == "INTERVAL" and form.get("hourly_rate", "").strip():
        try:
            values["hourly_rate"] = {
                "amount_minor": _minor(form["hourly_rate"], "hourly_rate"),
                "currency_code": currency,
            }
        except Refused as refused:
            errors.update(refused.errors)
    if errors:
        raise Refused("VALIDATION_FAILED", errors)
    return values


@router.get(f"{BASE}/resources/new", response_class=HTMLResponse, include_in_schema=False)
async def new_resource_page(
    request: Request,
    principal: PageStaff,
    model: Annotated[str | None, Query(max_length=16)] = None,
    company_id: IdQuery = None,
) -> Response:
    if not _is_admin(principal):
        raise Problem(403, "PERMISSION_DENIED", "Only a company admin may create a resource.")
    company_key = _company_key(principal, company_id)
    if company_key is None:
        raise Problem(400, "COMPANY_REQUIRED", "Name the company (company_id).")
    defaults = {
        f"policy.{name}": str(value)
        for name, value in catalog_api.Policy().model_dump().items()
        if isinstance(value, int)
    }
    if model == "NIGHTLY":  # catalog's defaults
        defaults.update({"policy.check_in_time": "15:00", "policy.check_out_time": "11:00"})
    return await _resource_form_page(
        request, principal, None, model if model in MODELS else "TIME_SLOT", Form(defaults), company_key
    )


async def _resource_form_page(
    request: Request,
    principal: Principal,
    resource: catalog_api.ResourceOut | None,
    model: str,
    form: Form,
    company_key: str,
    status: int = 200,
    notice: str = "",
    **extra: Any,
) -> HTMLResponse:
    company = await _company(request, company_key)
    edit = form if form.name in ("", "resource") else Form()
    if resource is not None and not edit.values:
        edit = Form(_resource_form_values(resource))
    policy_fields = COMMON_POLICY + MODEL_POLICY.get(model, ())
    return page_response(
        request,
        "manage_resource.html",
        status_code=status,
        **_context(
            request,
            principal,
            company=company,
            resource=resource,
            model=model,
            form=form,
            edit=edit,
            policy_fields=policy_fields,
            windows=range(WINDOWS),
            notice=notice,
            company_arg=company_key if principal.role is Role.PLATFORM_ADMIN else "",
            **extra,
        ),
    )


def _resource_form_values(resource: catalog_api.ResourceOut) -> dict[str, str]:
    values = {
        "name": resource.name,
        "description": resource.description,
        "amenities": ", ".join(resource.amenities),
        "capacity": str(resource.capacity),
        "etag": resource.etag,
    }
    policy = resource.policy.model_dump()
    for name, value in policy.items():
        if name != "cancellation_windows":
            values[f"policy.{name}"] = "" if value is None else str(value)
    for index, window in enumerate(resource.policy.cancellation_windows[:WINDOWS]):
        values[f"window_hours_{index}"] = str(window.minutes_before_start // 60)
        values[f"window_percent_{index}"] = str(window.refund_percent)
    if resource.hourly_rate is not None:
        values["hourly_rate"] = _money_text(resource.hourly_rate.amount_minor)
    return values


@router.post(f"{BASE}/resources", include_in_schema=False)
async def create_resource_form(request: Request) -> Response:
    principal, _token, form = await _form(request, admins_only=True)
    with acting_as(principal.as_plumbing()):
        company_key = _company_key(principal, form.get("company_id"))
        if company_key is None:
            raise Problem(400, "COMPANY_REQUIRED", "Name the company (company_id).")
        model = form.get("booking_model", "")
        if model not in MODELS:
            model = "TIME_SLOT"
        company = await _company(request, company_key)
        try:
            values = _resource_values(form, model, company.currency)
            values["booking_model"] = model
            if principal.role is Role.PLATFORM_ADMIN:
                values["company_id"] = company_key
            body = _validated(catalog_api.CreateResourceBody, values)
            created = await _call(
                catalog_api.create_resource(request, body, principal, _once(request, form, "resource"))
            )
        except Refused as refused:
            return await _resource_form_page(
                request,
                principal,
                None,
                model,
                Form(form, refused.errors, refused.text, refused.code, "resource"),
                company_key,
                refused.status,
            )
        return _back(f"{BASE}/resources/{created['id']}", done="created")


async def _read_resource(
    request: Request, principal: Principal, resource_id: uuid.UUID
) -> catalog_api.ResourceOut:
    answer = await catalog_api.get_resource(request, resource_id, principal)
    return catalog_api.ResourceOut.model_validate_json(bytes(answer.body))


@dataclass
class Prices:
    plans: list[catalog_api.RatePlanOut]
    days: dict[str, list[catalog_api.DailyPriceOut]]
    units: list[catalog_api.UnitOut]


async def _prices(request: Request, principal: Principal, resource: catalog_api.ResourceOut) -> Prices | None:
    if resource.booking_model != "NIGHTLY":
        return None
    plans = (await catalog_api.list_rate_plans(request, uuid.UUID(resource.id), principal)).rate_plans
    today = date.today()
    days: dict[str, list[catalog_api.DailyPriceOut]] = {}
    for plan in plans[:10]:
        days[plan.id] = (
            await catalog_api.list_daily_prices(
                request,
                uuid.UUID(resource.id),
                uuid.UUID(plan.id),
                principal,
                today,
                today + timedelta(days=90),
            )
        ).prices
    units = (
        await catalog_api.list_units(request, uuid.UUID(resource.id), principal, include_archived=False)
    ).units
    return Prices(plans, days, units)


async def _resource_page(
    request: Request,
    principal: Principal,
    resource_id: uuid.UUID,
    form: Form | None = None,
    status: int = 200,
    notice: str = "",
) -> HTMLResponse:
    resource = await _read_resource(request, principal, resource_id)
    prices = await _prices(request, principal, resource)
    return await _resource_form_page(
        request,
        principal,
        resource,
        resource.booking_model,
        form or Form(),
        resource.company_id,
        status,
        notice,
        prices=prices,
        today=date.today().isoformat(),
    )


@router.get(f"{BASE}/resources/{{resource_id}}", response_class=HTMLResponse, include_in_schema=False)
async def resource_page(
    request: Request,
    resource_id: uuid.UUID,
    principal: PageStaff,
    done: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    return await _guard(
        lambda: _resource_page(request, principal, resource_id, notice=_done(done)), request, principal
    )


async def _resource_change(
    request: Request,
    resource_id: uuid.UUID,
    name: str,
    change: Callable[[Principal, dict[str, str], catalog_api.ResourceOut], Awaitable[str]],
) -> Response:
    """A change of a resource's form: its refusal re-renders the page with the form's values
    and errors under the form `name`; done, back to the page (POST, redirect, GET)."""
    principal, _token, form = await _form(request, admins_only=True)
    with acting_as(principal.as_plumbing()):

        async def run() -> Response:
            resource = await _read_resource(request, principal, resource_id)
            try:
                done = await change(principal, form, resource)
            except Refused as refused:
                shown = Form(form, refused.errors, refused.text, refused.code, name)
                return await _resource_page(request, principal, resource_id, shown, refused.status)
            return _back(f"{BASE}/resources/{resource_id}", done=done)

        return await _guard(run, request, principal)


@router.post(f"{BASE}/resources/{{resource_id}}", include_in_schema=False)
async def update_resource_form(request: Request, resource_id: uuid.UUID) -> Response:
    async def change(principal: Principal, form: dict[str, str], resource: catalog_api.ResourceOut) -> str:
        company = await _company(request, resource.company_id)
        values = _resource_values(form, resource.booking_model, company.currency)
        values.pop("hourly_rate", None)  # its own form
        body = _validated(catalog_api.UpdateResourceBody, values)
        await _call(
            catalog_api.update_resource(
                request,
                resource_id,
                body,
                principal,
                _once(request, form, "resource-update"),
                form.get("etag") or None,
            )
        )
        return "saved"

    return await _resource_change(request, resource_id, "resource", change)


@router.post(f"{BASE}/resources/{{resource_id}}/archive", include_in_schema=False)
async def archive_resource_form(request: Request, resource_id: uuid.UUID) -> Response:
    async def change(principal: Principal, form: dict[str, str], resource: catalog_api.ResourceOut) -> str:
        await _call(
            catalog_api.archive_resource(
                request,
                resource_id,
                principal,
                _once(request, form, "resource-archive"),
                form.get("etag") or None,
            )
        )
        return "archived"

    return await _resource_change(request, resource_id, "archive", change)


@router.post(f"{BASE}/resources/{{resource_id}}/hourly-rate", include_in_schema=False)
async def hourly_rate_form(request: Request, resource_id: uuid.UUID) -> Response:
    async def change(principal: Principal, form: dict[str, str], resource: catalog_api.ResourceOut) -> str:
        company = await _company(request, resource.company_id)
        amount = _minor(form.get("hourly_rate", ""), "hourly_rate")
        body = _validated(
            catalog_api.HourlyRateBody,
            {"hourly_rate": {"amount_minor": amount, "currency_code": company.currency}},
        )
        await _call(
            catalog_api.set_hourly_rate(
                request,
                resource_id,
                body,
                principal,
                _once(request, form, "hourly-rate"),
                form.get("etag") or None,
            )
        )
        return "rate"

    return await _resource_change(request, resource_id, "rate", change)


@router.post(f"{BASE}/resources/{{resource_id}}/rate-plans", include_in_schema=False)
async def rate_plan_form(request: Request, resource_id: uuid.UUID) -> Response:
    async def change(principal: Principal, form: dict[str, str], resource: catalog_api.ResourceOut) -> str:
        company = await _company(request, resource.company_id)
        amount = _minor(form.get("default_nightly_price", ""), "default_nightly_price")
        body = _validated(
            catalog_api.CreateRatePlanBody,
            {
                "name": form.get("name", "").strip(),
                "default_nightly_price": {"amount_minor": amount, "currency_code": company.currency},
            },
        )
        await _call(
            catalog_api.create_rate_plan(request, resource_id, body, principal, _once(request, form, "plan"))
        )
        return "plan"

    return await _resource_change(request, resource_id, "plan", change)


@router.post(f"{BASE}/resources/{{resource_id}}/rate-plans/{{rate_plan_id}}/prices", include_in_schema=False)
async def daily_prices_form(request: Request, resource_id: uuid.UUID, rate_plan_id: uuid.UUID) -> Response:
    """One price (or its clearing) for every date from `from` until `to` (inclusive)."""

    async def change(principal: Principal, form: dict[str, str], resource: catalog_api.ResourceOut) -> str:
        company = await _company(request, resource.company_id)
        first, last = form.get("from", ""), form.get("to", "") or form.get("from", "")
        if not DAY.match(first) or not DAY.match(last):
            raise Refused("VALIDATION_FAILED", {"from": "a date YYYY-MM-DD"})
        try:
            start, end = date.fromisoformat(first), date.fromisoformat(last)
        except ValueError:
            raise Refused("VALIDATION_FAILED", {"from": "a date YYYY-MM-DD"}) from None
        if end < start or (end - start).days >= 366:
            raise Refused("VALIDATION_FAILED", {"to": "on or after the first date, within a year"})
        text = form.get("price", "").strip()
        price = {"amount_minor": _minor(text, "price"), "currency_code": company.currency} if text else None
        override = form.get("override") == "1"
        body = _validated(
            catalog_api.DailyPricesBody,
            {
                "prices": [
                    {"date": (start + timedelta(days=n)).isoformat(), "price": price, "override": override}
                    for n in range((end - start).days + 1)
                ]
            },
        )
        await _call(
            catalog_api.set_daily_prices(
                request,
                resource_id,
                rate_plan_id,
                body,
                principal,
                _once(request, form, "prices"),
                form.get("etag") or None,
            )
        )
        return "prices"

    return await _resource_change(request, resource_id, "prices", change)


@router.post(f"{BASE}/resources/{{resource_id}}/units", include_in_schema=False)
async def create_unit_form(request: Request, resource_id: uuid.UUID) -> Response:
    async def change(principal: Principal, form: dict[str, str], resource: catalog_api.ResourceOut) -> str:
        body = _validated(catalog_api.CreateUnitBody, {"name": form.get("name", "").strip()})
        await _call(
            catalog_api.create_unit(request, resource_id, body, principal, _once(request, form, "unit"))
        )
        return "unit"

    return await _resource_change(request, resource_id, "unit", change)


@router.post(f"{BASE}/resources/{{resource_id}}/units/{{unit_id}}/archive", include_in_schema=False)
async def archive_unit_form(request: Request, resource_id: uuid.UUID, unit_id: uuid.UUID) -> Response:
    async def change(principal: Principal, form: dict[str, str], resource: catalog_api.ResourceOut) -> str:
        units = (await catalog_api.list_units(request, resource_id, principal, include_archived=False)).units
        if str(unit_id) not in {u.id for u in units}:
            raise Problem(404, "UNIT_NOT_FOUND", "No such unit of this resource.")
        await _call(
            catalog_api.archive_unit(
                request, unit_id, principal, _once(request, form, "unit-archive"), form.get("etag") or None
            )
        )
        return "unit-archived"

    return await _resource_change(request, resource_id, "unit", change)


# ----- sessions -----


@router.get(
    f"{BASE}/resources/{{resource_id}}/sessions", response_class=HTMLResponse, include_in_schema=False
)
async def sessions_page(
    request: Request,
    resource_id: uuid.UUID,
    principal: PageStaff,
    start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    days: Annotated[int, Query(ge=1, le=366)] = 28,
    done: Annotated[str | None, Query(max_length=32)] = None,
    moved: Annotated[str | None, Query(max_length=1200)] = None,
) -> Response:
    try:
        if start is not None and (not DAY.match(start) or not 1970 <= date.fromisoformat(start).year <= 2199):
            raise ValueError(start)
    except ValueError:
        raise Problem(
            400,
            "VALIDATION_FAILED",
            "The request is not valid.",
            errors=[{"field": "from", "message": "a date"}],
        ) from None
    return await _guard(
        lambda: _sessions_page(
            request, principal, resource_id, start, days, Form(), 200, _done(done), _moved_notes(moved)
        ),
        request,
        principal,
    )


async def _sessions_page(
    request: Request,
    principal: Principal,
    resource_id: uuid.UUID,
    start: str | None,
    days: int,
    form: Form,
    status: int = 200,
    notice: str = "",
    moved_notes: list[str] | None = None,
) -> HTMLResponse:
    resource = await _read_resource(request, principal, resource_id)
    company = await _company(request, resource.company_id)
    try:
        first = date.fromisoformat(start) if start else datetime.now(company.zone).date()
    except ValueError:
        first = datetime.now(company.zone).date()
    begin = datetime.combine(first, datetime.min.time(), company.zone).astimezone(UTC)
    end = begin + timedelta(days=days)
    sessions: list[sessions_api.SessionWithBookings] = []
    token: str | None = None
    while len(sessions) < 500:
        page = await sessions_api.list_sessions(
            request,
            principal,
            resource_id=resource_id,
            start_from=begin,
            start_to=end,
            company_id=uuid.UUID(resource.company_id),
            page_size=50,
            page_token=token,
        )
        sessions += page.sessions
        if not page.next_page_token:
            break
        token = page.next_page_token
    return page_response(
        request,
        "manage_sessions.html",
        status_code=status,
        **_context(
            request,
            principal,
            company=company,
            resource=resource,
            sessions=sessions,
            first=first,
            days=days,
            form=form,
            notice=notice,
            moved_notes=moved_notes or [],
            weekdays=WEEKDAYS,
            local=lambda value: value.astimezone(company.zone).strftime("%a %Y-%m-%d %H:%M"),
            clock=lambda value: value.astimezone(company.zone).strftime("%H:%M"),
            day_of=lambda value: value.astimezone(company.zone).date().isoformat(),
            minutes=lambda s: int((s.end_time - s.start_time).total_seconds() // 60),
        ),
    )


async def _session_change(
    request: Request,
    resource_id: uuid.UUID,
    name: str,
    change: Callable[[Principal, dict[str, str], catalog_api.ResourceOut, Company], Awaitable[str]],
    query: dict[str, str] | None = None,
) -> Response:
    """Runs the change and goes back to the sessions page (with `query`, which the change may
    fill in, e.g. the occurrences a series moved), or shows the page with its refusal."""
    principal, _token, form = await _form(request, admins_only=True)
    with acting_as(principal.as_plumbing()):

        async def run() -> Response:
            resource = await _read_resource(request, principal, resource_id)
            company = await _company(request, resource.company_id)
            start = form.get("from") if DAY.match(form.get("from", "")) else None
            try:
                done = await change(principal, form, resource, company)
            except Refused as refused:
                shown = Form(form, refused.errors, refused.text, refused.code, name)
                return await _sessions_page(request, principal, resource_id, start, 28, shown, refused.status)
            return _back(
                f"{BASE}/resources/{resource_id}/sessions", done=done, **{"from": start}, **(query or {})
            )

        return await _guard(run, request, principal)


# An occurrence a series moved past a daylight-saving gap, as the redirect after the series
# carries it to the sessions page: local date, the rule's time, the time it starts at.
MOVED = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}:[0-9]{2})-([0-9]{2}:[0-9]{2})")
MAX_MOVED_NOTES = 50


def _moved_query(answer: dict[str, Any]) -> str:
    moved = answer.get("moved_occurrences") or []
    return ",".join(
        f"{m['local_date']}T{m['requested_local_time']}-{m['local_start_time']}"
        for m in moved[:MAX_MOVED_NOTES]
    )


def _moved_notes(value: str | None) -> list[str]:
    """One line per moved occurrence ("28 Mar 2027: 02:30 does not exist that day; the session
    starts at 03:30"); what does not read as one is left out (the address is the user's)."""
    notes = []
    for item in (value or "").split(",")[:MAX_MOVED_NOTES]:
        found = MOVED.fullmatch(item)
        if found is None:
            continue
        try:
            day = date.fromisoformat(found[1])
        except ValueError:
            continue
        notes.append(
            f"{day.day} {day:%b %Y}: {found[2]} does not exist that day; the session starts at {found[3]}."
        )
    return notes


def _price(form: dict[str, str], company: Company) -> dict[str, Any]:
    return {"amount_minor": _minor(form.get("price", ""), "price"), "currency_code": company.currency}


@router.post(f"{BASE}/resources/{{resource_id}}/sessions", include_in_schema=False)
async def create_session_form(request: Request, resource_id: uuid.UUID) -> Response:
    async def change(principal: Principal, form: dict[str, str], resource: Any, company: Company) -> str:
        begin = _local(company, form.get("date", ""), form.get("start_time", ""), "start_time")
        if begin <= datetime.now(UTC):
            raise Refused("VALIDATION_FAILED", {"start_time": "a time still to come"})
        minutes = _int(form.get("duration_minutes", ""), "duration_minutes", 60)
        if not 1 <= minutes <= 1440:  # refused, never clamped: the session is what was typed
            raise Refused("VALIDATION_FAILED", {"duration_minutes": "between 1 and 1440"})
        body = _validated(
            sessions_api.CreateSessionBody,
            {
                "resource_id": str(resource_id),
                "start_time": begin.isoformat(),
                "end_time": (begin + timedelta(minutes=minutes)).isoformat(),
                "capacity": _int(form.get("capacity", ""), "capacity"),
                "price": _price(form, company),
            },
        )
        await _call(sessions_api.create_session(request, body, principal, _once(request, form, "session")))
        return "session"

    return await _session_change(request, resource_id, "session", change)


@router.post(f"{BASE}/resources/{{resource_id}}/series", include_in_schema=False)
async def create_series_form(request: Request, resource_id: uuid.UUID) -> Response:
    """A weekly series: the days of the week picked, from a date, so many weeks (an RRULE). The
    sessions page then says which occurrences start after a daylight-saving gap, and when."""
    query: dict[str, str] = {}

    async def change(principal: Principal, form: dict[str, str], resource: Any, company: Company) -> str:
        days = [code for code, _label in WEEKDAYS if form.get(f"day_{code}") == "1"]
        if not days:
            raise Refused("VALIDATION_FAILED", {"days": "pick at least one day of the week"})
        weeks = _int(form.get("weeks", ""), "weeks", 4)
        if not 1 <= weeks <= 104:
            raise Refused("VALIDATION_FAILED", {"weeks": "between 1 and 104"})
        if not DAY.match(form.get("start_date", "")):
            raise Refused("VALIDATION_FAILED", {"start_date": "a date"})
        try:
            first = date.fromisoformat(form["start_date"])
        except ValueError:
            raise Refused("VALIDATION_FAILED", {"start_date": "a date"}) from None
        until = datetime.combine(first + timedelta(weeks=weeks), datetime.min.time(), company.zone)
        rrule = f"FREQ=WEEKLY;BYDAY={','.join(days)};UNTIL={until.astimezone(UTC):%Y%m%dT%H%M%SZ}"
        body = _validated(
            sessions_api.CreateSeriesBody,
            {
                "resource_id": str(resource_id),
                "start_date": form.get("start_date", ""),
                "start_time": form.get("start_time", ""),
                "duration_minutes": _int(form.get("duration_minutes", ""), "duration_minutes", 60),
                "rrule": rrule,
                "capacity": _int(form.get("capacity", ""), "capacity"),
                "price": _price(form, company),
            },
        )
        answer = await _call(
            sessions_api.create_session_series(request, body, principal, _once(request, form, "series"))
        )
        query["moved"] = _moved_query(answer)
        return "series"

    return await _session_change(request, resource_id, "series", change, query)


@router.post(f"{BASE}/sessions/{{session_id}}/cancel", include_in_schema=False)
async def cancel_session_form(request: Request, session_id: uuid.UUID) -> Response:
    principal, _token, form = await _form(request, admins_only=True)
    with acting_as(principal.as_plumbing()):

        async def run() -> Response:
            answer = await sessions_api.get_session(request, session_id, principal)
            session = json.loads(bytes(answer.body))
            if principal.role is not Role.PLATFORM_ADMIN and session["company_id"] != principal.company_id:
                raise Problem(404, "SESSION_NOT_FOUND", "No such session.")
            resource_id = uuid.UUID(session["resource_id"])
            start = form.get("from") if DAY.match(form.get("from", "")) else None
            try:
                body = _validated(
                    sessions_api.CancelSessionBody,
                    {
                        "reason": form.get("reason", "").strip(),
                        "scope": "following" if form.get("scope") == "following" else "this",
                    },
                )
                await _call(
                    sessions_api.cancel_session(
                        request, session_id, body, principal, _once(request, form, "cancel")
                    )
                )
            except Refused as refused:
                shown = Form(form, refused.errors, refused.text, refused.code, f"cancel-{session_id}")
                return await _sessions_page(request, principal, resource_id, start, 28, shown, refused.status)
            return _back(f"{BASE}/resources/{resource_id}/sessions", done="cancelled", **{"from": start})

        return await _guard(run, request, principal)


@router.post(f"{BASE}/sessions/{{session_id}}", include_in_schema=False)
async def update_session_form(request: Request, session_id: uuid.UUID) -> Response:
    """Changes what differs of places, price and times, at the version the page read."""
    principal, _token, form = await _form(request, admins_only=True)
    with acting_as(principal.as_plumbing()):

        async def run() -> Response:
            answer = await sessions_api.get_session(request, session_id, principal)
            current = sessions_api.SessionOut.model_validate_json(bytes(answer.body))
            if principal.role is not Role.PLATFORM_ADMIN and current.company_id != principal.company_id:
                raise Problem(404, "SESSION_NOT_FOUND", "No such session.")
            resource_id = uuid.UUID(current.resource_id)
            company = await _company(request, current.company_id)
            start = form.get("from") if DAY.match(form.get("from", "")) else None
            try:
                values: dict[str, Any] = {}
                capacity = _int(form.get("capacity", ""), "capacity", current.capacity)
                if capacity != current.capacity:
                    values["capacity"] = capacity
                price = _price(form, company)
                if price["amount_minor"] != current.price.amount_minor:
                    values["price"] = price
                begin = _local(company, form.get("date", ""), form.get("start_time", ""), "start_time")
                minutes = _int(form.get("duration_minutes", ""), "duration_minutes", 60)
                if not 1 <= minutes <= 1440:
                    raise Refused("VALIDATION_FAILED", {"duration_minutes": "between 1 and 1440"})
                end = begin + timedelta(minutes=minutes)
                if begin != current.start_time or end != current.end_time:
                    values["start_time"], values["end_time"] = begin.isoformat(), end.isoformat()
                if not values:
                    return _back(f"{BASE}/resources/{resource_id}/sessions", **{"from": start})
                body = _validated(sessions_api.UpdateSessionBody, values)
                await _call(
                    sessions_api.update_session(
                        request,
                        session_id,
                        body,
                        principal,
                        _once(request, form, "session-edit"),
                        form.get("etag"),
                    )
                )
            except Refused as refused:
                shown = Form(form, refused.errors, refused.text, refused.code, f"edit-{session_id}")
                return await _sessions_page(request, principal, resource_id, start, 28, shown, refused.status)
            return _back(f"{BASE}/resources/{resource_id}/sessions", done="session-saved", **{"from": start})

        return await _guard(run, request, principal)


# ----- customers -----


@router.get(f"{BASE}/customers", response_class=HTMLResponse, include_in_schema=False)
async def customers_page(
    request: Request,
    principal: PageStaff,
    q: TextQuery = None,
    company_id: IdQuery = None,
) -> Response:
    return await _customers_page(request, principal, q, _company_key(principal, company_id))


async def _customers_page(
    request: Request,
    principal: Principal,
    q: str | None,
    company_key: str | None,
    form: Form | None = None,
    status: int = 200,
) -> Response:
    found: list[Any] = []
    if company_key is not None:
        found = (
            await customers_api.list_customers(
                request,
                principal,
                q=(q or "").strip() or None,
                company_id=uuid.UUID(company_key),
                page_size=50,
                page_token=None,
            )
        ).customers
    return page_response(
        request,
        "manage_customers.html",
        **_context(
            request,
            principal,
            company=company_key,
            customers=found,
            q=q or "",
            company_arg=company_key if principal.role is Role.PLATFORM_ADMIN and company_key else "",
            form=form or Form(),
        ),
        status_code=status,
    )


@router.post(f"{BASE}/customers", include_in_schema=False)
async def create_customer_form(request: Request) -> Response:
    """A new customer (name and e-mail), then its page."""
    principal, _token, form = await _form(request, admins_only=False)
    with acting_as(principal.as_plumbing()):
        company_key = _company_key(principal, form.get("company_id"))
        if company_key is None:
            raise Problem(400, "COMPANY_REQUIRED", "Name the company (company_id).")
        try:
            values = {
                "display_name": form.get("display_name", "").strip(),
                "email": form.get("email", "").strip(),
            }
            if principal.role is Role.PLATFORM_ADMIN:
                values["company_id"] = company_key
            body = _validated(CreateCustomerBody, values)
            created = await _call(
                customers_api.create_customer(request, body, principal, _once(request, form, "customer-new"))
            )
        except Refused as refused:
            shown = Form(form, refused.errors, refused.text, refused.code, "new")
            return await _customers_page(request, principal, None, company_key, shown, refused.status)
        return _back(f"{BASE}/customers/{created['id']}", done="created")


async def _customer_page(
    request: Request,
    principal: Principal,
    customer_id: uuid.UUID,
    form: Form | None = None,
    status: int = 200,
    notice: str = "",
) -> HTMLResponse:
    customer = customers_api.CustomerOut.of(
        await customers_api.customer_in_reach(request, principal, customer_id)
    )
    wallet = await customers_api.get_customer_wallet(
        request, customer_id, principal, page_size=50, page_token=None
    )
    passes = await customers_api.list_customer_passes(request, customer_id, principal)
    bookings = await customers_api.list_customer_bookings(
        request, customer_id, principal, status=None, since=None, until=None, page_size=20, page_token=None
    )
    products = await passes_api.list_pass_products(
        request,
        principal,
        company_id=uuid.UUID(customer.company_id),
        show_archived=False,
        page_size=200,
        page_token=None,
    )
    company = await _company(request, customer.company_id)
    form = form or Form()
    edit = form.for_("customer")
    if edit is not form:
        edit = Form(
            {
                "display_name": customer.display_name,
                "email": customer.email or "",
                "phone": customer.phone or "",
                "etag": customer.etag,
            }
        )
    return page_response(
        request,
        "manage_customer.html",
        status_code=status,
        **_context(
            request,
            principal,
            company=company,
            customer=customer,
            wallet=wallet,
            passes=passes.passes,
            bookings=bookings.bookings,
            products=products.products,
            form=form,
            edit=edit,
            notice=notice,
            day_url=lambda b: _day_url(b, company, principal),
        ),
    )


def _day_url(booking: Any, company: Company, principal: Principal) -> str:
    """The calendar's day view of a booking's first day (local), with its resource."""
    if booking.start_time is None:
        return ""
    values = {"date": booking.start_time.astimezone(company.zone).date().isoformat()}
    if booking.resource_id:
        values["resource_id"] = booking.resource_id
    if principal.role is Role.PLATFORM_ADMIN:
        values["company_id"] = company.id
    values["booking_id"] = booking.id
    return f"/ops/calendar/day?{urlencode(values)}"


@router.get(f"{BASE}/customers/{{customer_id}}", response_class=HTMLResponse, include_in_schema=False)
async def customer_page(
    request: Request,
    customer_id: uuid.UUID,
    principal: PageStaff,
    done: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    return await _guard(
        lambda: _customer_page(request, principal, customer_id, notice=_done(done)), request, principal
    )


async def _customer_change(
    request: Request,
    customer_id: uuid.UUID,
    name: str,
    change: Callable[[Principal, dict[str, str], Company], Awaitable[str]],
) -> Response:
    principal, _token, form = await _form(request, admins_only=False)
    with acting_as(principal.as_plumbing()):

        async def run() -> Response:
            customer = await customers_api.customer_in_reach(request, principal, customer_id)
            company = await _company(request, customer.company_id)
            try:
                done = await change(principal, form, company)
            except Refused as refused:
                shown = Form(form, refused.errors, refused.text, refused.code, name)
                return await _customer_page(request, principal, customer_id, shown, refused.status)
            return _back(f"{BASE}/customers/{customer_id}", done=done)

        return await _guard(run, request, principal)


@router.post(f"{BASE}/customers/{{customer_id}}", include_in_schema=False)
async def update_customer_form(request: Request, customer_id: uuid.UUID) -> Response:
    async def change(principal: Principal, form: dict[str, str], company: Company) -> str:
        body = _validated(
            UpdateCustomerBody,
            {
                "display_name": form.get("display_name", "").strip(),
                "email": form.get("email", "").strip(),
                "phone": form.get("phone", "").strip(),
            },
        )
        await _call(
            customers_api.update_customer(
                request,
                customer_id,
                body,
                principal,
                _once(request, form, "customer"),
                form.get("etag") or None,
            )
        )
        return "saved"

    return await _customer_change(request, customer_id, "customer", change)


@router.post(f"{BASE}/customers/{{customer_id}}/wallet", include_in_schema=False)
async def wallet_form(request: Request, customer_id: uuid.UUID) -> Response:
    async def change(principal: Principal, form: dict[str, str], company: Company) -> str:
        direction, balance = form.get("direction"), form.get("balance", "MAIN")
        if direction not in ("credit", "debit"):
            raise Refused("VALIDATION_FAILED", {"direction": "credit or debit"})
        if balance not in ("MAIN", "BONUS"):
            raise Refused("VALIDATION_FAILED", {"balance": "main or bonus"})
        debit = direction == "debit"
        body = _validated(
            WalletChangeBody,
            {
                "amount": {
                    "amount_minor": _minor(form.get("amount", ""), "amount"),
                    "currency_code": company.currency,
                },
                "balance": balance,
                "reason": form.get("reason", "").strip(),
            },
        )
        handler = customers_api.debit_customer_wallet if debit else customers_api.credit_customer_wallet
        await _call(handler(request, customer_id, body, principal, _once(request, form, "wallet")))
        return "debit" if debit else "credit"

    return await _customer_change(request, customer_id, "wallet", change)


@router.post(f"{BASE}/customers/{{customer_id}}/passes", include_in_schema=False)
async def pass_form(request: Request, customer_id: uuid.UUID) -> Response:
    async def change(principal: Principal, form: dict[str, str], company: Company) -> str:
        sale = form.get("sale", "")
        body = _validated(
            IssuePassBody,
            {
                "product_id": form.get("product_id", ""),
                "sale": sale if sale in ("GRANT", "CASH", "EXTERNAL") else "",
            },
        )
        await _call(
            customers_api.issue_customer_pass(
                request, customer_id, body, principal, _once(request, form, "pass")
            )
        )
        return "pass"

    return await _customer_change(request, customer_id, "pass", change)


# ----- pass products -----


@router.get(f"{BASE}/passes", response_class=HTMLResponse, include_in_schema=False)
async def pass_products_page(
    request: Request,
    principal: PageStaff,
    archived: Annotated[str | None, Query(max_length=8)] = None,
    company_id: IdQuery = None,
    done: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    company_key = _company_key(principal, company_id)
    return await _pass_products_page(
        request, principal, company_key, archived == "1", Form(), 200, _done(done)
    )


async def _pass_products_page(
    request: Request,
    principal: Principal,
    company_key: str | None,
    archived: bool,
    form: Form,
    status: int = 200,
    notice: str = "",
) -> Response:
    if company_key is None:
        return page_response(request, "manage_passes.html", **_context(request, principal, company=None))
    company = await _company(request, company_key)
    products = (
        await passes_api.list_pass_products(
            request,
            principal,
            company_id=uuid.UUID(company_key),
            show_archived=archived,
            page_size=200,
            page_token=None,
        )
    ).products
    return page_response(
        request,
        "manage_passes.html",
        status_code=status,
        **_context(
            request,
            principal,
            company=company,
            products=products,
            archived=archived,
            form=form,
            notice=notice,
            company_arg=company_key if principal.role is Role.PLATFORM_ADMIN else "",
        ),
    )


@router.post(f"{BASE}/passes", include_in_schema=False)
async def create_pass_product_form(request: Request) -> Response:
    principal, _token, form = await _form(request, admins_only=True)
    with acting_as(principal.as_plumbing()):
        company_key = _company_key(principal, form.get("company_id"))
        if company_key is None:
            raise Problem(400, "COMPANY_REQUIRED", "Name the company (company_id).")
        company = await _company(request, company_key)
        try:
            values: dict[str, Any] = {
                "name": form.get("name", "").strip(),
                "credits": _int(form.get("credits", ""), "credits"),
                "validity_days": _int(form.get("validity_days", ""), "validity_days"),
                "price": {
                    "amount_minor": _minor(form.get("price", ""), "price"),
                    "currency_code": company.currency,
                },
            }
            if principal.role is Role.PLATFORM_ADMIN:
                values["company_id"] = company_key
            body = _validated(passes_api.CreatePassProductBody, values)
            await _call(
                passes_api.create_pass_product(request, body, principal, _once(request, form, "product"))
            )
        except Refused as refused:
            shown = Form(form, refused.errors, refused.text, refused.code, "product")
            return await _pass_products_page(request, principal, company_key, False, shown, refused.status)
        company_arg = company_key if principal.role is Role.PLATFORM_ADMIN else None
        return _back(f"{BASE}/passes", done="product", company_id=company_arg)


@router.post(f"{BASE}/passes/{{product_id}}/price", include_in_schema=False)
async def reprice_pass_product_form(request: Request, product_id: uuid.UUID) -> Response:
    """A new price in the company's current currency: how a product priced before the company
    changed currency goes back on sale (passes refuses to sell it until then)."""
    principal, _token, form = await _form(request, admins_only=True)
    with acting_as(principal.as_plumbing()):

        async def run() -> Response:
            company_key = _owning_company(
                await passes_api.get_pass_product(request, product_id, principal),
                principal,
                Problem(404, "PASS_PRODUCT_NOT_FOUND", "No such pass product."),
            )
            company = await _company(request, company_key)
            try:
                price = {
                    "amount_minor": _minor(form.get("price", ""), "price"),
                    "currency_code": company.currency,
                }
                body = _validated(passes_api.UpdatePassProductBody, {"price": price})
                await _call(
                    passes_api.update_pass_product(
                        request,
                        product_id,
                        body,
                        principal,
                        _once(request, form, "product-price"),
                        form.get("etag") or None,
                    )
                )
            except Refused as refused:
                shown = Form(form, refused.errors, refused.text, refused.code, "reprice")
                return await _pass_products_page(
                    request, principal, company_key, False, shown, refused.status
                )
            company_arg = company_key if principal.role is Role.PLATFORM_ADMIN else None
            return _back(f"{BASE}/passes", done="product-repriced", company_id=company_arg)

        return await _guard(run, request, principal)


@router.post(f"{BASE}/passes/{{product_id}}/archive", include_in_schema=False)
async def archive_pass_product_form(request: Request, product_id: uuid.UUID) -> Response:
    principal, _token, form = await _form(request, admins_only=True)
    with acting_as(principal.as_plumbing()):

        async def run() -> Response:
            company_key = _owning_company(
                await passes_api.get_pass_product(request, product_id, principal),
                principal,
                Problem(404, "PASS_PRODUCT_NOT_FOUND", "No such pass product."),
            )
            try:
                await _call(
                    passes_api.archive_pass_product(
                        request,
                        product_id,
                        principal,
                        _once(request, form, "product-archive"),
                        form.get("etag") or None,
                    )
                )
            except Refused as refused:
                shown = Form(form, refused.errors, refused.text, refused.code, "archive")
                return await _pass_products_page(
                    request, principal, company_key, False, shown, refused.status
                )
            company_arg = company_key if principal.role is Role.PLATFORM_ADMIN else None
            return _back(f"{BASE}/passes", done="product-archived", company_id=company_arg)

        return await _guard(run, request, principal)
