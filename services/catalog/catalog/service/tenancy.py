"""Tenancy of every catalog RPC (`CatalogService` and `GuestCustomerService`), declared once:
`RULES` names, per RPC, the id of the request that decides whose data it touches and the roles
that may call it; `guard` wraps each RPC of the servicer so the check runs before the handler.

The check reads the company the named row belongs to, as stored, and refuses another company
than the caller's principal's (`plumbing.principal`) with that row's own not-found error, so
a caller cannot learn that another tenant's id exists. A row never changes company, so the
check cannot go stale before the handler's transaction. An unknown or malformed id passes
here and gets the handler's own answer. Internal callers (no principal) and platform admins
act for every company and skip the read. An RPC without a rule is refused to every principal
but the internal caller (fail closed).

Customers and guests read the catalog of their company (resources, sessions, prices) and
their own customer record only; writing the catalog takes a company role.
"""

from __future__ import annotations

import enum
import functools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import Message
from sqlalchemy import Table

from catalog.adapters import tables
from catalog.adapters.repositories.owners import company_of
from catalog.domain import errors
from plumbing.db import Database
from plumbing.errors import NotFound, PermissionDenied
from plumbing.principal import (
    BUSINESS_ROLES,
    Role,
    check_customer,
    check_tenant,
    current_principal,
    require_role,
)


class Owned(enum.Enum):
    COMPANY = "company"
    CUSTOMER = "customer"
    RESOURCE = "resource"
    SESSION = "session"
    UNIT = "unit"
    RATE_PLAN = "rate_plan"
    EXTRA = "extra"


def _rate_plan_not_found(rate_plan_id: uuid.UUID) -> NotFound:
    return NotFound(errors.RATE_PLAN_NOT_FOUND, f"rate plan {rate_plan_id} does not exist")


_ROWS: dict[Owned, tuple[Table, Callable[[uuid.UUID], NotFound]]] = {
    Owned.CUSTOMER: (tables.customers, errors.customer_not_found),
    Owned.RESOURCE: (tables.resources, errors.resource_not_found),
    Owned.SESSION: (tables.sessions, errors.session_not_found),
    Owned.UNIT: (tables.units, errors.unit_not_found),
    Owned.RATE_PLAN: (tables.rate_plans, _rate_plan_not_found),
    Owned.EXTRA: (tables.extras, errors.extra_not_found),
}

ANYONE: tuple[Role, ...] = ()
COMPANY_ROLES = BUSINESS_ROLES
PLATFORM = (Role.PLATFORM_ADMIN,)


@dataclass(frozen=True)
class Rule:
    # Dotted path of the id in the request ("resource_id", "resource.id"); None: no id.
    field: str | None
    owned: Owned | None
    # Who may call; empty: any principal of the company (customers and guests included).
    roles: tuple[Role, ...] = ANYONE


RULES: dict[str, Rule] = {
    "CreateCompany": Rule(None, None, PLATFORM),
    "ListCompanies": Rule(None, None, PLATFORM),
    "GetCompany": Rule("company_id", Owned.COMPANY),
    "UpdateCompany": Rule("company.id", Owned.COMPANY, (Role.PLATFORM_ADMIN, Role.COMPANY_ADMIN)),
    "SuspendCompany": Rule("company_id", Owned.COMPANY, PLATFORM),
    "ResumeCompany": Rule("company_id", Owned.COMPANY, PLATFORM),
    # A guest checking out creates its own guest record.
    "CreateCustomer": Rule("company_id", Owned.COMPANY, (*COMPANY_ROLES, Role.GUEST)),
    "GetCustomer": Rule("customer_id", Owned.CUSTOMER),
    "ListCustomers": Rule("company_id", Owned.COMPANY, COMPANY_ROLES),
    "UpdateCustomer": Rule("customer.id", Owned.CUSTOMER, COMPANY_ROLES),
    "CreateResource": Rule("company_id", Owned.COMPANY, COMPANY_ROLES),
    "GetResource": Rule("resource_id", Owned.RESOURCE),
    "ListResources": Rule("company_id", Owned.COMPANY),
    "UpdateResource": Rule("resource.id", Owned.RESOURCE, COMPANY_ROLES),
    "ArchiveResource": Rule("resource_id", Owned.RESOURCE, COMPANY_ROLES),
    "UpdateResourcePolicy": Rule("resource_id", Owned.RESOURCE, COMPANY_ROLES),
    "SetHourlyRate": Rule("resource_id", Owned.RESOURCE, COMPANY_ROLES),
    "CreateSession": Rule("resource_id", Owned.RESOURCE, COMPANY_ROLES),
    "CreateSessionSeries": Rule("resource_id", Owned.RESOURCE, COMPANY_ROLES),
    "GetSession": Rule("session_id", Owned.SESSION),
    "ListSessions": Rule("company_id", Owned.COMPANY),
    "SumSessionPlaces": Rule("company_id", Owned.COMPANY),
    "UpdateSession": Rule("session.id", Owned.SESSION, COMPANY_ROLES),
    "CancelSession": Rule("session_id", Owned.SESSION, COMPANY_ROLES),
    "CancelSessionSeries": Rule("session_id", Owned.SESSION, COMPANY_ROLES),
    "CreateExtra": Rule("company_id", Owned.COMPANY, COMPANY_ROLES),
    "GetExtra": Rule("extra_id", Owned.EXTRA),
    "ListExtras": Rule("company_id", Owned.COMPANY),
    "UpdateExtra": Rule("extra.id", Owned.EXTRA, COMPANY_ROLES),
    "ArchiveExtra": Rule("extra_id", Owned.EXTRA, COMPANY_ROLES),
    "CreateUnit": Rule("resource_id", Owned.RESOURCE, COMPANY_ROLES),
    "GetUnit": Rule("unit_id", Owned.UNIT),
    "ListUnits": Rule("resource_id", Owned.RESOURCE),
    "UpdateUnit": Rule("unit.id", Owned.UNIT, COMPANY_ROLES),
    "ArchiveUnit": Rule("unit_id", Owned.UNIT, COMPANY_ROLES),
    "CreateRatePlan": Rule("resource_id", Owned.RESOURCE, COMPANY_ROLES),
    "GetRatePlan": Rule("rate_plan_id", Owned.RATE_PLAN),
    "ListRatePlans": Rule("resource_id", Owned.RESOURCE),
    "UpdateRatePlan": Rule("rate_plan.id", Owned.RATE_PLAN, COMPANY_ROLES),
    "SetDailyPrices": Rule("resource_id", Owned.RESOURCE, COMPANY_ROLES),
    "ListDailyPrices": Rule("resource_id", Owned.RESOURCE),
    "GetPricing": Rule("resource_id", Owned.RESOURCE),
    # GuestCustomerService: a guest checking out finds or makes its guest record by e-mail;
    # sign-up turns it into a registered customer, which the gateway does as the service or an
    # admin (a customer or guest must not claim a record by its e-mail address).
    "EnsureGuestCustomer": Rule("company_id", Owned.COMPANY, (*COMPANY_ROLES, Role.GUEST)),
    "ConvertGuestCustomer": Rule("company_id", Owned.COMPANY, COMPANY_ROLES),
}


def _id_at(request: Message, path: str) -> uuid.UUID | None:
    value: Any = request
    for name in path.split("."):
        value = getattr(value, name)
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError):
        return None  # left to the handler's INVALID_ID


async def check(db: Database, rule: Rule | None, request: Message) -> None:
    principal = current_principal()
    if principal.role is Role.SERVICE:
        return
    if rule is None:
        raise PermissionDenied("PERMISSION_DENIED", "this call has no tenancy rule")
    if rule.roles:
        require_role(*rule.roles)
    if principal.all_companies or rule.field is None or rule.owned is None:
        return
    row_id = _id_at(request, rule.field)
    if row_id is None:
        return
    if rule.owned is Owned.COMPANY:
        check_tenant(row_id, errors.company_not_found(row_id))
        return
    table, not_found = _ROWS[rule.owned]
    async with db.transaction() as conn:
        company = await company_of(conn, table, row_id)
    if company is None:
        return
    if rule.owned is Owned.CUSTOMER:
        check_customer(company, row_id, not_found(row_id))
    else:
        check_tenant(company, not_found(row_id))


Handler = Callable[[Any, Message, Any], Awaitable[Message]]


def guard(servicer: type, service: ServiceDescriptor) -> None:
    """Wraps every RPC of `service` on the servicer class with its rule's check (the servicer
    has `self.db`)."""
    for method in service.methods:
        original: Handler = getattr(servicer, method.name)
        if getattr(original, "tenancy_guarded", False):
            continue
        setattr(servicer, method.name, _guarded(original, RULES.get(method.name)))


def _guarded(original: Handler, rule: Rule | None) -> Handler:
    @functools.wraps(original)
    async def rpc(self: Any, request: Message, context: Any) -> Message:
        await check(self.db, rule, request)
        return await original(self, request, context)

    rpc.tenancy_guarded = True  # type: ignore[attr-defined]
    return rpc
