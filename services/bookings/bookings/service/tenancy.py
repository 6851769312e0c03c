"""Tenancy of every bookings RPC, declared once: `RULES` names, per RPC, the ids of the request
that decide whose data it touches and the roles that may call it; `guard` wraps each RPC of
the servicer so the check runs before the handler.

A booking is refused as BOOKING_NOT_FOUND to another company's principal and to a customer
or guest who is not its customer; a saga as SAGA_NOT_FOUND; a session or resource as the
catalog's SESSION_NOT_FOUND / RESOURCE_NOT_FOUND; a company id as COMPANY_NOT_FOUND; a customer
or guest naming another customer as CUSTOMER_NOT_FOUND. The owner is the row's stored one, and
a row never changes company or customer, so the check cannot go stale before the handler. An
unknown or malformed id passes here and gets the handler's own answer. Internal callers (no
principal: the saga, the scheduler, tools) act for every company and skip the reads, platform
admins skip them too. An RPC without a rule is refused to every principal but the internal
caller (fail closed).

Lists are narrowed to the caller's company (and own customer) in their SQL as well
(`tenant_scope`), so a filter by another company's session or resource lists nothing.
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

from bookings.adapters import owners
from bookings.adapters.owners import CatalogOwners
from plumbing.db import Database
from plumbing.errors import NotFound, PermissionDenied
from plumbing.ids import is_uuid
from plumbing.principal import (
    BUSINESS_ROLES,
    CUSTOMER_ROLES,
    Role,
    check_customer,
    check_tenant,
    current_principal,
    require_role,
)


class Owned(enum.Enum):
    BOOKING = "booking"
    SAGA = "saga"
    COMPANY = "company"
    # The customer a request acts for: a customer or guest only for itself.
    CUSTOMER = "customer"
    SESSION = "session"
    RESOURCE = "resource"


NOT_FOUND: dict[Owned, tuple[str, str]] = {
    Owned.BOOKING: ("BOOKING_NOT_FOUND", "no such booking"),
    Owned.SAGA: ("SAGA_NOT_FOUND", "no such saga"),
    Owned.COMPANY: ("COMPANY_NOT_FOUND", "no such company"),
    Owned.CUSTOMER: ("CUSTOMER_NOT_FOUND", "no such customer"),
    Owned.SESSION: ("SESSION_NOT_FOUND", "no such session"),
    Owned.RESOURCE: ("RESOURCE_NOT_FOUND", "no such resource"),
}


def not_found(owned: Owned) -> NotFound:
    reason, message = NOT_FOUND[owned]
    return NotFound(reason, message)


ANYONE: tuple[Role, ...] = ()
COMPANY_ROLES = BUSINESS_ROLES


@dataclass(frozen=True)
class Rule:
    # (field of the request holding the id, what it names), each checked when set.
    ids: tuple[tuple[str, Owned], ...]
    # Who may call; empty: any principal of the company (customers and guests included).
    roles: tuple[Role, ...] = ANYONE


BOOKED = (("customer_id", Owned.CUSTOMER), ("session_id", Owned.SESSION), ("resource_id", Owned.RESOURCE))

RULES: dict[str, Rule] = {
    # The customer is the caller's own (a customer or guest); the session or resource booked
    # is of the caller's company (the catalog checks the customer is of the same company).
    "CreateBooking": Rule(BOOKED),
    "QuoteBooking": Rule(BOOKED),
    "GetBooking": Rule((("booking_id", Owned.BOOKING),)),
    # Narrowed in its SQL; another company's session or resource lists nothing.
    "ListBookings": Rule((("company_id", Owned.COMPANY), ("customer_id", Owned.CUSTOMER))),
    "CancelBooking": Rule((("booking_id", Owned.BOOKING),)),
    # A read of one booking, as GetBooking (the handler narrows by_company to company roles).
    "PreviewCancellation": Rule((("booking_id", Owned.BOOKING),)),
    "SettleBooking": Rule((("booking_id", Owned.BOOKING),)),
    "ChangeBookingPeriod": Rule((("booking_id", Owned.BOOKING),)),
    # A customer may say it arrived; overriding a no-show (either way) is the desk's.
    "CheckInBooking": Rule((("booking_id", Owned.BOOKING),)),
    "OverrideNoShow": Rule((("booking_id", Owned.BOOKING),), COMPANY_ROLES),
    "GetAvailability": Rule((("company_id", Owned.COMPANY),)),
    # Narrowed in its SQL: another company's session reads as nobody booked.
    "GetSessionPlaces": Rule((("company_id", Owned.COMPANY),)),
    "ListFreeSlots": Rule((("resource_id", Owned.RESOURCE),)),
    # Revenue and occupancy: the company's admins (and platform admins) only.
    "GetBusinessStats": Rule(
        (("company_id", Owned.COMPANY), ("resource_id", Owned.RESOURCE)),
        (Role.PLATFORM_ADMIN, Role.COMPANY_ADMIN),
    ),
    "ChangeSession": Rule((("session_id", Owned.SESSION),), COMPANY_ROLES),
    # Only the company's own bookings among those named are read (narrowed in the SQL).
    "PreviewCompanyCancellations": Rule((("company_id", Owned.COMPANY),), COMPANY_ROLES),
    # Sagas are the operators' view: company roles only, narrowed in the SQL.
    "GetSaga": Rule((("saga_id", Owned.SAGA),), COMPANY_ROLES),
    "ListSagas": Rule((("company_id", Owned.COMPANY),), COMPANY_ROLES),
    "RetrySagaStep": Rule((("saga_id", Owned.SAGA),), COMPANY_ROLES),
    "ForceCompensateSaga": Rule((("saga_id", Owned.SAGA),), COMPANY_ROLES),
}


class TenancyChecks:
    """Runs a rule against the current principal, reading owners from `db` and the catalog."""

    def __init__(self, db: Database, catalog: CatalogOwners) -> None:
        self.db = db
        self.catalog = catalog

    async def check(self, rule: Rule | None, request: Message) -> None:
        principal = current_principal()
        if principal.role is Role.SERVICE:
            return
        if rule is None:
            raise PermissionDenied("PERMISSION_DENIED", "this call has no tenancy rule")
        if rule.roles:
            require_role(*rule.roles)
        if principal.all_companies:
            return
        for field, owned in rule.ids:
            value = _id_at(request, field)
            if value is not None:
                await self._check_one(owned, value)

    async def _check_one(self, owned: Owned, row_id: str) -> None:
        refusal = not_found(owned)
        if owned is Owned.COMPANY:
            check_tenant(row_id, refusal)
        elif owned is Owned.CUSTOMER:
            principal = current_principal()
            if principal.role in CUSTOMER_ROLES and row_id != principal.customer_id:
                raise refusal
        elif owned is Owned.BOOKING:
            async with self.db.transaction() as conn:
                owner = await owners.booking_owner(conn, row_id)
            if owner is not None:
                check_customer(owner[0], owner[1], refusal)
        elif owned is Owned.SAGA:
            async with self.db.transaction() as conn:
                company = await owners.saga_company(conn, row_id)
            if company is not None:
                check_tenant(company, refusal)
        else:
            company = await (
                self.catalog.session_company(row_id)
                if owned is Owned.SESSION
                else self.catalog.resource_company(row_id)
            )
            if company is not None:
                check_tenant(company, refusal)


def _id_at(request: Message, field: str) -> str | None:
    """The id in `field` as a canonical UUID string; None when empty or malformed (left to the
    handler's own INVALID_ID or not-found answer)."""
    value = getattr(request, field)
    return str(uuid.UUID(value)) if is_uuid(value) else None


Handler = Callable[[Message, Any], Awaitable[Message]]


def guard(servicer: Any, service: ServiceDescriptor, checks: TenancyChecks) -> None:
    """Replaces every RPC of `service` on the servicer instance by its rule's check followed by
    the handler. An RPC the servicer does not implement is left to gRPC (UNIMPLEMENTED)."""
    for method in service.methods:
        original = getattr(servicer, method.name)
        if not _implemented(servicer, method.name):
            continue
        setattr(servicer, method.name, _guarded(original, RULES.get(method.name), checks))


def _implemented(servicer: Any, name: str) -> bool:
    """True when the servicer's class defines the RPC itself (not the generated base's stub)."""
    for cls in type(servicer).__mro__:
        if name in vars(cls):
            return not cls.__module__.endswith("_pb2_grpc")
    return False


def _guarded(original: Handler, rule: Rule | None, checks: TenancyChecks) -> Handler:
    @functools.wraps(original)
    async def rpc(request: Message, context: Any) -> Message:
        await checks.check(rule, request)
        return await original(request, context)

    return rpc
