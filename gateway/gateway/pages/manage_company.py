"""The console's company profile and extras (/ops/manage/company, /ops/manage/extras): what a
business set up only through the API before.

As the other management pages (`pages.manage`), each form posts the session's CSRF token and a
one-time key, and calls the API's own handlers (`routes.admin_catalog`'s `update_company`,
`create_extra`, `archive_extra`) with the ETag the page read as If-Match: the rules, the
tenancy checks and the audit (catalog's) are the API's, and so are its refusals, shown next to
their fields with what was typed kept. Who may do what is the API's too: staff read the profile
and the extras; only company (or platform) admins change them.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from gateway.auth import Principal
from gateway.console.rendering import page_response
from gateway.pages.calendar import _company
from gateway.pages.manage import (
    BASE,
    Form,
    IdQuery,
    Refused,
    _back,
    _call,
    _company_key,
    _context,
    _done,
    _form,
    _guard,
    _minor,
    _once,
    _owning_company,
    _validated,
)
from gateway.problems import Problem
from gateway.routes import admin_catalog as catalog_api
from gateway.sessions import PageStaff
from plumbing.principal import Role, acting_as

router = APIRouter()

# What the extras' pricing units read as on the page (the API's PricingUnitName).
PRICING_UNITS = {
    "PER_BOOKING": "a booking",
    "PER_NIGHT": "a night",
    "PER_GUEST": "a guest",
    "PER_HOUR": "an hour",
    "PER_GUEST_NIGHT": "a guest and night",
}
# The profile's fields as the form posts them (allowed_origins: one origin a line).
PROFILE = ("name", "time_zone", "currency_code", "description", "contact_email", "contact_phone", "address")
DONE = {"company": "Company saved.", "extra": "Extra created.", "extra-archived": "Extra archived."}
DoneQuery = Annotated[str | None, Query(max_length=32)]


def _company_arg(principal: Principal, company_key: str) -> str:
    return company_key if principal.role is Role.PLATFORM_ADMIN else ""


# ----- company profile -----


@router.get(f"{BASE}/company", response_class=HTMLResponse, include_in_schema=False)
async def company_page(
    request: Request, principal: PageStaff, company_id: IdQuery = None, done: DoneQuery = None
) -> Response:
    company_key = _company_key(principal, company_id)
    notice = DONE.get(done or "", "") or _done(done)
    return await _guard(
        lambda: _company_page(request, principal, company_key, Form(), 200, notice), request, principal
    )


async def _company_page(
    request: Request, principal: Principal, company_key: str | None, form: Form, status: int, notice: str = ""
) -> Response:
    if company_key is None:
        return page_response(request, "manage_company.html", **_context(request, principal, company=None))
    answer = await catalog_api.get_company(request, uuid.UUID(company_key), principal)
    company = catalog_api.CompanyOut.model_validate_json(bytes(answer.body))
    shown = form.for_(
        "company",
        {
            **{name: getattr(company, name) or "" for name in PROFILE},
            "allowed_origins": "\n".join(company.allowed_origins),
            "etag": company.etag,
        },
    )
    return page_response(
        request,
        "manage_company.html",
        status_code=status,
        **_context(
            request,
            principal,
            company=company,
            form=form,
            edit=shown,
            notice=notice,
            company_arg=_company_arg(principal, company_key),
        ),
    )


@router.post(f"{BASE}/company", include_in_schema=False)
async def update_company_form(request: Request) -> Response:
    """Every field of the profile at the version the page read (the API's PATCH)."""
    principal, _token, form = await _form(request, admins_only=True)
    with acting_as(principal.as_plumbing()):
        company_key = _company_key(principal, form.get("company_id"))
        if company_key is None:
            raise Problem(400, "COMPANY_REQUIRED", "Name the company (company_id).")

        async def run() -> Response:
            try:
                values: dict[str, Any] = {name: form.get(name, "").strip() for name in PROFILE}
                values["allowed_origins"] = [
                    line.strip() for line in form.get("allowed_origins", "").splitlines() if line.strip()
                ]
                body = _validated(catalog_api.UpdateCompanyBody, values)
                await _call(
                    catalog_api.update_company(
                        request,
                        uuid.UUID(company_key),
                        body,
                        principal,
                        _once(request, form, "company"),
                        form.get("etag") or None,
                    )
                )
            except Refused as refused:
                notice = refused.text
                if refused.code == "CURRENCY_LOCKED":
                    # The catalog's reason belongs beside the currency, not above the form.
                    refused.errors["currency_code"] = refused.errors.pop("", "") or "locked"
                    notice = "The currency can no longer change: the reason is beside it."
                shown = Form(form, refused.errors, notice, refused.code, "company")
                return await _company_page(request, principal, company_key, shown, refused.status)
            return _back(f"{BASE}/company", done="company", company_id=_company_arg(principal, company_key))

        return await _guard(run, request, principal)


# ----- extras -----


@router.get(f"{BASE}/extras", response_class=HTMLResponse, include_in_schema=False)
async def extras_page(
    request: Request,
    principal: PageStaff,
    archived: Annotated[str | None, Query(max_length=8)] = None,
    company_id: IdQuery = None,
    done: DoneQuery = None,
) -> Response:
    company_key = _company_key(principal, company_id)
    notice = DONE.get(done or "", "")
    return await _extras_page(request, principal, company_key, archived == "1", Form(), 200, notice)


async def _extras_page(
    request: Request,
    principal: Principal,
    company_key: str | None,
    archived: bool,
    form: Form,
    status: int = 200,
    notice: str = "",
) -> Response:
    if company_key is None:
        return page_response(request, "manage_extras.html", **_context(request, principal, company=None))
    company = await _company(request, company_key)
    extras = (
        await catalog_api.list_extras(
            request, principal, company_id=uuid.UUID(company_key), include_archived=archived
        )
    ).extras
    return page_response(
        request,
        "manage_extras.html",
        status_code=status,
        **_context(
            request,
            principal,
            company=company,
            extras=extras,
            archived=archived,
            units=PRICING_UNITS,
            form=form,
            notice=notice,
            company_arg=_company_arg(principal, company_key),
        ),
    )


@router.post(f"{BASE}/extras", include_in_schema=False)
async def create_extra_form(request: Request) -> Response:
    principal, _token, form = await _form(request, admins_only=True)
    with acting_as(principal.as_plumbing()):
        company_key = _company_key(principal, form.get("company_id"))
        if company_key is None:
            raise Problem(400, "COMPANY_REQUIRED", "Name the company (company_id).")
        company = await _company(request, company_key)
        try:
            unit = form.get("pricing_unit", "")
            values: dict[str, Any] = {
                "name": form.get("name", "").strip(),
                "price": {
                    "amount_minor": _minor(form.get("price", ""), "price"),
                    "currency_code": company.currency,
                },
                "pricing_unit": unit if unit in PRICING_UNITS else "",
            }
            if principal.role is Role.PLATFORM_ADMIN:
                values["company_id"] = company_key
            body = _validated(catalog_api.CreateExtraBody, values)
            await _call(catalog_api.create_extra(request, body, principal, _once(request, form, "extra")))
        except Refused as refused:
            shown = Form(form, refused.errors, refused.text, refused.code, "extra")
            return await _extras_page(request, principal, company_key, False, shown, refused.status)
        return _back(f"{BASE}/extras", done="extra", company_id=_company_arg(principal, company_key))


@router.post(f"{BASE}/extras/{{extra_id}}/archive", include_in_schema=False)
async def archive_extra_form(request: Request, extra_id: uuid.UUID) -> Response:
    principal, _token, form = await _form(request, admins_only=True)
    with acting_as(principal.as_plumbing()):

        async def run() -> Response:
            company_key = _owning_company(
                await catalog_api.get_extra(request, extra_id, principal),
                principal,
                Problem(404, "EXTRA_NOT_FOUND", "No such extra."),
            )
            try:
                await _call(
                    catalog_api.archive_extra(
                        request,
                        extra_id,
                        principal,
                        _once(request, form, "extra-archive"),
                        form.get("etag") or None,
                    )
                )
            except Refused as refused:
                shown = Form(form, refused.errors, refused.text, refused.code, "archive")
                return await _extras_page(request, principal, company_key, False, shown, refused.status)
            return _back(
                f"{BASE}/extras", done="extra-archived", company_id=_company_arg(principal, company_key)
            )

        return await _guard(run, request, principal)
