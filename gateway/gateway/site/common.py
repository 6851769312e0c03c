"""What the site's pages share: acting as the company's guest, the company of the address
(404 for a malformed, unknown or suspended one), reads whose refusal is a 404 page, and
answering every Problem as a page."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from bookingplatform.catalog.v1 import catalog_pb2
from gateway.deps import clients_of, rpc
from gateway.problems import Problem, RpcProblem
from gateway.site import views
from gateway.site.rendering import SITE_PATH, error_page, not_found
from gateway.site.sessions import checked_customer
from plumbing.ids import is_uuid
from plumbing.principal import Principal, Role, acting_as

log = logging.getLogger(__name__)


def guest(company_id: str, customer_id: str | None = None) -> Principal:
    return Principal(role=Role.GUEST, company_id=company_id, customer_id=customer_id)


async def guarded(request: Request, call: Callable[[], Awaitable[Response]]) -> Response:
    try:
        return await call()
    except Problem as problem:
        if problem.status >= 500 and problem.status != 503:
            log.warning("site: %s %s", problem.status, problem.code)
        return error_page(request, problem)


def rate_limited(problem: Problem, what: str) -> str:
    """The words of a refusal by a rate limit: what was refused and how long to wait, from the
    limiter's Retry-After (which the page carries too: `problem.headers`)."""
    value = (problem.headers or {}).get("Retry-After", "")
    if not (value.isascii() and value.isdigit()):
        return f"{what}: wait a while and try again."
    return f"{what}: try again in {views.wait(int(value))}."


def company_id_of(value: str) -> str:
    if not is_uuid(value):
        raise not_found("company")
    return value.lower()


async def read(service: str, call: Awaitable[Any], what: str) -> Any:
    """A read whose not found (or refusal of another company's id) is the site's 404."""
    try:
        return await rpc(service, call)
    except RpcProblem as problem:
        if problem.status in (400, 403, 404):
            raise not_found(what) from None
        raise


async def company(request: Request, company_id: str) -> catalog_pb2.Company:
    with acting_as(guest(company_id)):
        reply = await read(
            "catalog",
            clients_of(request).catalog.GetCompany(catalog_pb2.GetCompanyRequest(company_id=company_id)),
            "company",
        )
    company: catalog_pb2.Company = reply.company
    if company.state == catalog_pb2.COMPANY_STATE_SUSPENDED:
        raise not_found("company")
    return company


def company_context(company: catalog_pb2.Company, request: Request | None = None) -> dict[str, Any]:
    """What the site's layout shows: the company, its home, the map link, who is signed in (a
    session found signed out on this request is shown as a guest)."""
    return {
        "company": company,
        "signed": checked_customer(request, company.id) if request is not None else None,
        "home": f"{SITE_PATH}/{company.id}",
        "map_url": views.map_link(company.address) if company.address.strip() else "",
    }


async def load_company(request: Request, raw_id: str) -> catalog_pb2.Company:
    """The company of the address: 404 page when malformed, unknown or suspended."""
    return await company(request, company_id_of(raw_id))
