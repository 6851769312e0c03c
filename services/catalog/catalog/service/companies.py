"""Companies (tenants)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters import events, tables
from catalog.adapters.repositories import companies
from catalog.adapters.repositories.changes import find_in_reach
from catalog.domain import back_office, errors
from catalog.domain.commands import (
    CreateCompany,
)
from catalog.domain.model import (
    Company,
    CompanyState,
)
from catalog.service import changes
from plumbing.db import Database
from plumbing.outbox import Outbox
from plumbing.principal import Role, check_tenant, require_role


async def create_company(db: Database, command: CreateCompany) -> Company:
    async with db.transaction() as conn:
        created = await companies.insert_company(conn, command)
        if created is not None:
            await changes.audit_created(conn, created.id, "company", created)
            return created
        existing = await companies.company_by_request_id(conn, command.request_id)
    if existing is None:
        raise RuntimeError("company insert did nothing without an earlier request")
    return existing


async def get_company(
    db: Database, company_id: uuid.UUID, *, wait_for_currency_change: bool = False
) -> Company:
    """The company. `wait_for_currency_change` (the wallet's question before a credit, asked
    inside the credit's transaction) reads the row FOR SHARE: while a currency change holds it
    FOR UPDATE (`_change`, waiting on the wallet's answer) this waits, then answers the currency
    committed, so a credit never goes on in a currency being replaced (`_check_no_money_held`).
    Other reads lock nothing. The caller's reach is checked first: no lock on another's row."""
    check_tenant(company_id, errors.company_not_found(company_id))
    async with db.transaction() as conn:
        found = await companies.find_company(conn, company_id, share=wait_for_currency_change)
    if found is None:
        raise errors.company_not_found(company_id)
    return found


def _fields(company: Company) -> dict[str, Any]:
    return {key: value for key, value in asdict(company).items() if key not in ("id", "created_at")}


async def _current(conn: AsyncConnection, company_id: uuid.UUID, *, lock: bool = False) -> Company:
    row = await find_in_reach(conn, tables.companies, company_id, lock=lock)
    if row is None:
        raise errors.company_not_found(company_id)
    return companies.to_company(row)


async def list_companies(db: Database, query: back_office.ListCompanies) -> tuple[list[Company], str]:
    """A page of companies, oldest first, and the token of the next ("" on the last page)."""
    require_role(Role.PLATFORM_ADMIN)
    async with db.transaction() as conn:
        found = await companies.list_companies(conn, query.after, query.page_size + 1)
    page = found[: query.page_size]
    more = len(found) > query.page_size
    token = back_office.CreatedCursor(page[-1].created_at, page[-1].id).encode() if more else ""
    return page, token


class Holdings(Protocol):
    """The wallet's answer (`catalog.adapters.wallet.WalletHoldings`)."""

    async def company_holds_money(self, company_id: str) -> bool: ...


async def _check_no_money_held(holdings: Holdings | None, company: Company, values: dict[str, Any]) -> None:
    """A new currency is refused CURRENCY_LOCKED while any customer's wallet of the company holds
    money (main or bonus above zero): the wallet keeps a balance in the currency it was credited
    in and takes credits and payments in the company's only, so a balance left in the old one
    could not pay for anything priced in the new one. The wallet owns the balances and answers
    with one EXISTS (GetCompanyHoldings); catalog never reads its tables. None (tests of the
    catalog alone, no WALLET_ADDR) skips the question; `python -m catalog` always asks.

    A credit racing the change cannot land in the old currency; the two databases judge it. The
    wallet asks a credit's currency inside the credit's transaction, holding the company's
    currency lock (a PostgreSQL advisory lock of the wallet) shared, and GetCompanyHoldings takes
    it exclusive before its EXISTS; this question is asked holding the company's row FOR UPDATE,
    and the credit's question reads it FOR SHARE (`get_company`). So either the credit asked
    first: the wallet's answer waits for it to commit and counts its money (CURRENCY_LOCKED); or
    this change locked the row first: the credit's question waits for the commit and gets the
    new currency (CURRENCY_MISMATCH). Both at once is a wait cycle across the two databases
    (this row -> the wallet's lock -> the credit -> this row) no deadlock detector sees: the
    wallet's lock_timeout (2 s) ends it, its answer is UNAVAILABLE, the change refused
    WALLET_UNAVAILABLE (retryable) and the row released, the credit goes on in the currency
    kept. Asked only when the currency really changes (a rename does not ask), after the
    company's row is locked: the currency read is the one being replaced, and the lock (and a
    pooled connection) is held for the call's deadline at most."""
    if holdings is None or "currency_code" not in values or values["currency_code"] == company.currency_code:
        return
    if await holdings.company_holds_money(str(company.id)):
        raise errors.currency_held_in_wallets(company.id)


async def _change(
    db: Database,
    outbox: Outbox,
    command: back_office.Change,
    action: str,
    values: dict[str, Any],
    reason: str | None = None,
    holdings: Holdings | None = None,
) -> Company:
    column_values = {key: list(v) if isinstance(v, tuple) else v for key, v in values.items()}

    async def change(conn: AsyncConnection) -> Company:
        before = await _current(conn, command.id, lock=True)
        await _check_no_money_held(holdings, before, column_values)
        updated = await companies.update_company(conn, command.id, command.expected_version, column_values)
        if updated is None:
            await changes.explain(
                conn,
                tables.companies,
                command.id,
                command.expected_version,
                errors.company_not_found(command.id),
            )
            raise RuntimeError("company update did nothing without a reason")
        await changes.audited(
            conn,
            company_id=updated.id,
            entity_type="company",
            entity_id=updated.id,
            action=action,
            before=_fields(before),
            after=_fields(updated),
            reason=reason,
        )
        # Bookings drops its cached copy (a suspension stops new bookings as it arrives).
        await events.company_updated(conn, outbox, updated)
        return updated

    return await changes.apply(
        db,
        request_id=command.request_id,
        entity_type="company",
        entity_id=command.id,
        change=change,
        current=lambda conn: _current(conn, command.id),
    )


async def update_company(
    db: Database, outbox: Outbox, command: back_office.Change, holdings: Holdings | None = None
) -> Company:
    """Changes the fields of the mask at the version read (the currency only while the
    company has no price and its customers' wallets hold no money: CURRENCY_LOCKED). The
    platform, or the company's own admin."""
    require_role(Role.PLATFORM_ADMIN, Role.COMPANY_ADMIN)
    return await _change(db, outbox, command, "update", command.values, holdings=holdings)


async def suspend_company(db: Database, outbox: Outbox, command: back_office.Suspend) -> Company:
    """Suspends (reason set) or resumes (reason None) the company at the version read."""
    require_role(Role.PLATFORM_ADMIN)
    change = back_office.Change(command.request_id, command.company_id, command.expected_version, {})
    if command.reason is None:
        values: dict[str, Any] = {"state": CompanyState.ACTIVE.value, "suspend_reason": None}
        return await _change(db, outbox, change, "resume", values)
    values = {"state": CompanyState.SUSPENDED.value, "suspend_reason": command.reason}
    return await _change(db, outbox, change, "suspend", values, command.reason)
