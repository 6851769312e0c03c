"""Guest customers: found or made by (company, e-mail) for a guest booking, and made registered
customers when that e-mail address signs up (same id, so the guest's bookings stay theirs)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from catalog.adapters.repositories import guests
from catalog.domain import errors, rules
from catalog.domain.model import Customer
from plumbing import audit, ids
from plumbing.db import Database
from plumbing.errors import InvalidArgument, NotFound
from plumbing.principal import BUSINESS_ROLES, Role, check_tenant, require_role

GUEST_CUSTOMER_NOT_FOUND = "GUEST_CUSTOMER_NOT_FOUND"


@dataclass(frozen=True)
class GuestDetails:
    company_id: uuid.UUID
    email: str
    display_name: str

    @classmethod
    def parse(cls, *, company_id: str, email: str, display_name: str, name_required: bool) -> GuestDetails:
        address = rules.email(email)
        if address is None:
            raise InvalidArgument(errors.EMAIL_REQUIRED, "email is required", field="email")
        name = rules.name(display_name, "display_name") if name_required or display_name.strip() else ""
        return cls(company_id=ids.parse_uuid(company_id, "company_id"), email=address, display_name=name)


@dataclass(frozen=True)
class EnsuredGuest:
    customer: Customer
    created: bool


async def ensure_guest_customer(db: Database, details: GuestDetails) -> EnsuredGuest:
    """The company's customer with this e-mail, or a new guest. A guest principal may only ask
    for its own company (the gateway acts as the guest of the company booked)."""
    require_role(Role.GUEST, *BUSINESS_ROLES)
    check_tenant(details.company_id, errors.company_not_found(details.company_id))
    async with db.transaction() as conn:
        created = await guests.insert_guest(conn, details.company_id, details.email, details.display_name)
        if created is not None:
            # A guest making its own record is a person's change: the guest is the actor.
            await audit.record(
                conn,
                company_id=created.company_id,
                entity_type="customer",
                entity_id=created.id,
                action="create",
                after=_audited(created),
            )
            return EnsuredGuest(created, True)
        existing = await guests.customer_by_email(conn, details.company_id, details.email)
    if existing is None:
        raise errors.company_not_found(details.company_id)
    return EnsuredGuest(existing, False)


async def convert_guest_customer(db: Database, details: GuestDetails) -> Customer:
    """The company's customer with this e-mail as a registered customer: a guest is converted
    (same id), a registered one is answered as it is; NOT_FOUND when there is none."""
    require_role(*BUSINESS_ROLES)
    check_tenant(details.company_id, errors.company_not_found(details.company_id))
    async with db.transaction() as conn:
        converted = await guests.register_guest(
            conn, details.company_id, details.email, details.display_name or None
        )
        if converted is not None:
            await audit.record(
                conn,
                company_id=converted.company_id,
                entity_type="customer",
                entity_id=converted.id,
                action="register",
                # The UPDATE answers only the new row: the name shows as set when one was given.
                before={"guest": True},
                after={"guest": converted.guest}
                | ({"display_name": converted.display_name} if details.display_name else {}),
            )
            return converted
        existing = await guests.customer_by_email(conn, details.company_id, details.email)
    if existing is None:
        raise NotFound(
            GUEST_CUSTOMER_NOT_FOUND, "the company has no customer with this e-mail", field="email"
        )
    return existing


def _audited(customer: Customer) -> dict[str, object]:
    return {
        "display_name": customer.display_name,
        "email": customer.email,
        "phone": customer.phone,
        "guest": customer.guest,
    }
