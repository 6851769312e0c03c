"""The console's API keys (/ops/manage/api-keys): a company's keys listed (name, prefix, role,
created, last used; never a secret), a new one made, one revoked, for company (and platform)
admins, people only, as the API's `/v1/admin/api-keys` routes allow.

The forms call those routes' own handlers (`routes.admin_users`), so the rules, the tenancy
and the audit entry (`accounts`) are the API's. A new key's secret is in the page that answers
the POST only: never in an address (no redirect carries it), never in a list, never logged,
and that page is `Cache-Control: no-store` so no back button or cache shows it again.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from gateway.auth import Principal
from gateway.console.rendering import page_response
from gateway.pages.manage import (
    BASE,
    KEY,
    Form,
    IdQuery,
    Refused,
    _back,
    _call,
    _company_key,
    _context,
    _form,
    _once,
    _validated,
)
from gateway.problems import Problem
from gateway.routes import admin_users as users_api
from gateway.schemas_admin_users import ApiKeyIn
from gateway.sessions import PageOperator
from plumbing.principal import Role, acting_as

router = APIRouter()

ROLES = {"STAFF": "Staff (reads, front desk)", "COMPANY_ADMIN": "Company admin (changes the catalog too)"}
DONE = {"revoked": "API key revoked: its next call is refused."}


# The API's rule for minting and revoking keys; the console's list is a person's too.
_people_only = users_api._people_only


def _company_arg(principal: Principal, company_key: str) -> str:
    return company_key if principal.role is Role.PLATFORM_ADMIN else ""


@router.get(f"{BASE}/api-keys", response_class=HTMLResponse, include_in_schema=False)
async def api_keys_page(
    request: Request,
    principal: PageOperator,
    company_id: IdQuery = None,
    done: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    _people_only(principal)
    company_key = _company_key(principal, company_id)
    return await _keys_page(request, principal, company_key, Form(), 200, DONE.get(done or "", ""))


async def _keys_page(
    request: Request,
    principal: Principal,
    company_key: str | None,
    form: Form,
    status: int = 200,
    notice: str = "",
    created: dict[str, str] | None = None,
) -> Response:
    keys: list[users_api.ApiKeyOut] = []
    if company_key is not None:
        keys = (
            await users_api.list_api_keys(
                request, principal, company_id=uuid.UUID(company_key), page_size=200, page_token=None
            )
        ).api_keys
    response = page_response(
        request,
        "manage_api_keys.html",
        status_code=status,
        **_context(
            request,
            principal,
            company=company_key,
            keys=keys,
            roles=ROLES,
            form=form,
            notice=notice,
            created=created,
            company_arg=_company_arg(principal, company_key) if company_key else "",
        ),
    )
    # Said here as well as by every console page: the answer holding a new key's secret must
    # not be kept by a cache nor shown again by the back button.
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post(f"{BASE}/api-keys", include_in_schema=False)
async def create_api_key_form(request: Request) -> Response:
    """A new key: the page again, the secret in it this once (no redirect: an address would
    carry it)."""
    principal, _token, form = await _form(request, admins_only=True)
    with acting_as(principal.as_plumbing()):
        _people_only(principal)
        company_key = _company_key(principal, form.get("company_id"))
        if company_key is None:
            raise Problem(400, "COMPANY_REQUIRED", "Name the company (company_id).")
        try:
            role = form.get("role", "")
            values = {"name": form.get("name", "").strip(), "role": role if role in ROLES else ""}
            if principal.role is Role.PLATFORM_ADMIN:
                values["company_id"] = company_key
            body = _validated(ApiKeyIn, values)
            key = form.get("request_key", "")
            made = await _call(
                users_api.create_api_key(
                    request, body, principal, f"manage-api-key:{key if KEY.match(key) else uuid.uuid4()}"
                )
            )
        except Refused as refused:
            shown = Form(form, refused.errors, refused.text, refused.code, "key")
            return await _keys_page(request, principal, company_key, shown, refused.status)
        created = {"name": made["name"], "prefix": made["prefix"], "role": made["role"], "key": made["key"]}
        return await _keys_page(request, principal, company_key, Form(), 200, "", created)


@router.post(f"{BASE}/api-keys/{{api_key_id}}/revoke", include_in_schema=False)
async def revoke_api_key_form(request: Request, api_key_id: uuid.UUID) -> Response:
    principal, _token, form = await _form(request, admins_only=True)
    with acting_as(principal.as_plumbing()):
        _people_only(principal)
        company_key = _company_key(principal, form.get("company_id"))
        try:
            answer = await _call(
                users_api.revoke_api_key(
                    request, api_key_id, principal, _once(request, form, "api-key-revoke")
                )
            )
        except Refused as refused:
            if refused.code == "API_KEY_NOT_FOUND":
                # Another company's key (or none): the 404 page, as for any other id.
                return page_response(
                    request,
                    "manage_not_found.html",
                    status_code=404,
                    operator=principal,
                    section="manage",
                    what="No such API key.",
                )
            shown = Form(form, refused.errors, refused.text, refused.code, "revoke")
            return await _keys_page(request, principal, company_key, shown, refused.status)
        return _back(
            f"{BASE}/api-keys", done="revoked", company_id=_company_arg(principal, answer["company_id"])
        )
