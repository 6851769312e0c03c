"""Who a gRPC call is made for: the principal, carried in call metadata across every hop.

The gateway authenticates people and API keys, then makes its calls *as* that principal
(`acting_as`); plumbing's client channels copy the current principal into the metadata
header `x-bp-principal`, and plumbing's server reads it back before the handler runs, so a
service that calls another service forwards its caller's principal unchanged.

Trust model (docs/architecture.md, "Tenancy"): only processes of the platform can reach a
service (network policies); whoever reaches one may state a principal. A call without the
header is an internal call (the saga, the scheduler, tools) and runs as the service
principal. The header is no authentication: it is the gateway's statement of whom it acts
for, and every service checks the ids of a request against it (`check_tenant`), so a bug in
the gateway that mixes one company's ids into another's request is refused by the service.
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from plumbing.errors import PermissionDenied, ServiceError

METADATA_KEY = "x-bp-principal"


class Role(enum.StrEnum):
    PLATFORM_ADMIN = "PLATFORM_ADMIN"
    COMPANY_ADMIN = "COMPANY_ADMIN"
    STAFF = "STAFF"
    CUSTOMER = "CUSTOMER"
    GUEST = "GUEST"
    # Internal callers: the saga, schedulers, tools, and any call without a principal.
    SERVICE = "SERVICE"


# Roles that act across every company.
_ALL_COMPANIES = frozenset({Role.PLATFORM_ADMIN, Role.SERVICE})


@dataclass(frozen=True)
class Principal:
    role: Role
    company_id: str | None = None
    user_id: str | None = None
    customer_id: str | None = None
    api_key_id: str | None = None

    @property
    def all_companies(self) -> bool:
        return self.role in _ALL_COMPANIES

    def may_act_for(self, company_id: object) -> bool:
        """True when this principal may touch data of `company_id` (a str or UUID)."""
        if self.all_companies:
            return True
        return self.company_id is not None and str(company_id) == self.company_id

    def encode(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v is not None}, separators=(",", ":"))

    @classmethod
    def decode(cls, value: str) -> Principal:
        try:
            fields = json.loads(value)
            if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
                raise ValueError("not an object of strings")
            role = Role(fields.pop("role"))
            return cls(
                role=role,
                company_id=fields.get("company_id"),
                user_id=fields.get("user_id"),
                customer_id=fields.get("customer_id"),
                api_key_id=fields.get("api_key_id"),
            )
        except (ValueError, KeyError, TypeError):
            raise PermissionDenied(
                "INVALID_PRINCIPAL", "the call's principal metadata is malformed"
            ) from None


SERVICE_PRINCIPAL = Principal(role=Role.SERVICE)

_current: contextvars.ContextVar[Principal] = contextvars.ContextVar("principal", default=SERVICE_PRINCIPAL)


def current_principal() -> Principal:
    """The principal of the call being served (the service principal outside any call)."""
    return _current.get()


@contextlib.contextmanager
def acting_as(principal: Principal) -> Iterator[Principal]:
    """Runs the block (and every gRPC call made in it) as `principal`."""
    token = _current.set(principal)
    try:
        yield principal
    finally:
        _current.reset(token)


def principal_from_metadata(metadata: Iterable[tuple[str, Any]] | None) -> Principal:
    for key, value in metadata or ():
        if key == METADATA_KEY:
            return Principal.decode(value if isinstance(value, str) else value.decode())
    return SERVICE_PRINCIPAL


def outgoing_metadata(metadata: Sequence[tuple[str, Any]] | None) -> list[tuple[str, Any]]:
    """`metadata` with the current principal added (unless it names one already). The
    service principal is not sent: a call without the header is an internal call."""
    merged = list(metadata or ())
    principal = current_principal()
    if principal.role is Role.SERVICE or any(key == METADATA_KEY for key, _ in merged):
        return merged
    merged.append((METADATA_KEY, principal.encode()))
    return merged


def check_tenant(company_id: object, not_found: ServiceError) -> None:
    """Refuses, as `not_found`, data of another company than the principal's: a caller must
    not learn that another tenant's id exists."""
    if not current_principal().may_act_for(company_id):
        raise not_found


def require_role(*roles: Role) -> Principal:
    """The current principal if its role is one of `roles` (the service principal always is)."""
    principal = current_principal()
    if principal.role is Role.SERVICE or principal.role in roles:
        return principal
    raise PermissionDenied("PERMISSION_DENIED", "this call is not allowed for the caller's role")


# Roles that act for one customer of a company only (its own bookings, wallet, passes, cards).
CUSTOMER_ROLES = frozenset({Role.CUSTOMER, Role.GUEST})
# Roles that run a company (or the platform): they may write its catalog and act for any of
# its customers.
BUSINESS_ROLES = (Role.PLATFORM_ADMIN, Role.COMPANY_ADMIN, Role.STAFF)


def check_customer(company_id: object, customer_id: object, not_found: ServiceError) -> None:
    """`check_tenant`, and for a customer or guest principal also its own customer only: data
    of another customer is refused as `not_found`, like another company's."""
    check_tenant(company_id, not_found)
    principal = current_principal()
    if principal.role in CUSTOMER_ROLES and (
        principal.customer_id is None or str(customer_id) != principal.customer_id
    ):
        raise not_found


def tenant_scope() -> tuple[str | None, str | None]:
    """(company_id, customer_id) that a listing must be narrowed to for the current principal;
    None where the principal sees every company (or every customer of its company)."""
    principal = current_principal()
    if principal.all_companies:
        return None, None
    # A company-bound role without a company sees nothing: an impossible id filters every row out.
    company = principal.company_id or _NO_ONE
    if principal.role in CUSTOMER_ROLES:
        return company, principal.customer_id or _NO_ONE
    return company, None


_NO_ONE = "00000000-0000-0000-0000-000000000000"
