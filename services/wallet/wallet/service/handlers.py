"""The wallet's RPC use cases: a validated command, one transaction each. The saga step is in
`wallet.service.saga_steps`."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncConnection

from plumbing import audit, paging
from plumbing.customer_directory import CustomerDirectory
from plumbing.db import Database
from plumbing.errors import Conflict, ErrorKind, FailedPrecondition, InvalidArgument, NotFound, ServiceError
from plumbing.principal import (
    BUSINESS_ROLES,
    Role,
    check_customer,
    check_tenant,
    current_principal,
    require_role,
)
from wallet.adapters import repository as repo
from wallet.domain.commands import (
    DebitWallet,
    GetCompanyHoldings,
    GetWallet,
    ListWalletEntries,
    TopUpWallet,
)
from wallet.domain.model import (
    BalanceKind,
    EntryPage,
    SystemAccountKind,
    TransactionKind,
    Wallet,
    adjustment_business_key,
    topup_business_key,
)
from wallet.domain.validation import (
    AMOUNT_TOO_LARGE,
    CREDITS_IN_FLIGHT,
    CURRENCY_MISMATCH,
    CUSTOMER_NOT_FOUND,
    INSUFFICIENT_FUNDS,
    MAX_BALANCE_MINOR,
    REQUEST_ID_REUSED,
    WALLET_NOT_FOUND,
    entry_page_token,
)


def wallet_not_found() -> NotFound:
    return NotFound(WALLET_NOT_FOUND, "no such wallet")


def check_wallet_owner(company_id: str, customer_id: str) -> None:
    """A wallet is the (company, customer) its rows are keyed by: every query of these handlers
    filters on both, so checking them against the caller checks the rows read or written."""
    check_customer(company_id, customer_id, wallet_not_found())


async def check_customer_of_company(
    customers: CustomerDirectory | None, company_id: str, customer_id: str
) -> None:
    """A person's top-up may open an account: the customer must be one of the company's, as the
    catalog says (else CUSTOMER_NOT_FOUND, also for another company's customer). Internal
    callers (the saga, whose bookings asked the catalog already, and tools) are trusted."""
    if customers is None or current_principal().role is Role.SERVICE:
        return
    if await customers.company_of(customer_id) != company_id:
        raise NotFound(CUSTOMER_NOT_FOUND, "no such customer in this company", field="customer_id")


async def company_currency(
    customers: CustomerDirectory | None,
    company_id: str,
    currency: str,
    *,
    also: Callable[[], Awaitable[str | None]] | None = None,
    credit: bool = False,
) -> str | None:
    """A credit or a debit is in the company's currency, as the catalog says (400
    CURRENCY_MISMATCH otherwise, as a session's or an extra's price is), whoever calls: a
    wallet's accounts take the currency of their first credit, so one credit in another currency
    would hold the customer's wallet in it for good. `also` (a debit's): the wallet's own
    currency, asked only when the amount is not in the company's and accepted too, so money put
    in a wrong currency before this check can be taken out. The company's currency when
    checked; None without a catalog (tools, tests of the wallet alone) or for a company the
    catalog does not know (a person's top-up is refused CUSTOMER_NOT_FOUND before). `credit`:
    asked inside a credit's transaction under the company's currency lock (`top_up_wallet`),
    the catalog waiting out a currency change in progress."""
    if customers is None:
        return None
    expected = await customers.company_currency(company_id, wait_for_change=credit)
    if expected is None or currency == expected or (also is not None and currency == await also()):
        return expected
    raise InvalidArgument(
        CURRENCY_MISMATCH,
        f"the company's money is in {expected}, not {currency}",
        field="amount.currency_code",
        metadata={"company_currency": expected},
    )


async def get_wallet(db: Database, command: GetWallet) -> Wallet:
    check_wallet_owner(command.company_id, command.customer_id)
    async with db.transaction() as conn:
        return await repo.get_wallet(conn, command.company_id, command.customer_id)


async def company_holds_money(db: Database, command: GetCompanyHoldings) -> bool:
    """Whether any customer's wallet of the company holds money (main or bonus above zero, in any
    currency). The catalog asks it before the company's currency changes (CURRENCY_LOCKED while
    it does), with the principal of the person changing it: the company's people or the
    platform, and the service principal; another company's is refused as not found, as its
    wallets are. One EXISTS in PostgreSQL decides, after the company's currency lock is taken
    exclusive: every credit that asked the company's currency holds it shared until it commits
    (`top_up_wallet`), so the EXISTS sees its balance. The catalog asks holding the company's
    row FOR UPDATE, and a credit in flight may be waiting on that row (the catalog's FOR SHARE
    answer of its currency) while holding the lock: a wait cycle across two databases that no
    deadlock detector sees. The short lock_timeout (repository.HOLDINGS_LOCK_TIMEOUT) breaks it:
    UNAVAILABLE CREDITS_IN_FLIGHT, the catalog refuses the change (WALLET_UNAVAILABLE, 503,
    retryable) and releases the row, and the credit goes on in the currency that stays."""
    require_role(*BUSINESS_ROLES)
    check_tenant(command.company_id, wallet_not_found())
    async with db.transaction() as conn:
        if not await repo.wait_for_credits(conn, command.company_id):
            raise ServiceError(
                CREDITS_IN_FLIGHT,
                "credits of the company are in flight; ask again",
                kind=ErrorKind.UNAVAILABLE,
                metadata={"company_id": command.company_id},
            )
        return await repo.company_holds_money(conn, command.company_id)


async def top_up_wallet(
    db: Database, command: TopUpWallet, *, customers: CustomerDirectory | None = None
) -> Wallet:
    """Adds money once per request_id; a retry returns the wallet without adding again."""
    # Money from nowhere (the company's FUNDING account): the company's people only.
    require_role(*BUSINESS_ROLES)
    check_wallet_owner(command.company_id, command.customer_id)
    await check_customer_of_company(customers, command.company_id, command.customer_id)
    business_key = topup_business_key(command.company_id, command.request_id)
    async with db.transaction() as conn:
        # The currency is asked inside the credit's transaction, under the company's currency
        # lock held shared until it commits; a currency change asks GetCompanyHoldings, which
        # takes that lock exclusive before its EXISTS. Either this credit asked first: the
        # change's question waits for it to commit and sees its balance (CURRENCY_LOCKED); or
        # the change locked the company's row first: the catalog's FOR SHARE answer waits for
        # it and gives the committed currency (the new one: CURRENCY_MISMATCH). No credit lands
        # in a currency being replaced; company_holds_money says how their wait cycle ends.
        await repo.credit_in_company_currency(conn, command.company_id)
        checked = await company_currency(customers, command.company_id, command.currency, credit=True)
        if checked is not None:
            await _adopt_company_currency(conn, command.company_id, command.customer_id, checked)
        await repo.ensure_customer_accounts(conn, command.company_id, command.customer_id, command.currency)
        transaction_id = str(uuid.uuid4())
        if not await repo.insert_transaction(
            conn,
            transaction_id=transaction_id,
            company_id=command.company_id,
            kind=TransactionKind.TOP_UP,
            business_key=business_key,
            reason=command.reason or None,
            actor_user_id=current_principal().user_id,
        ):
            first = await repo.top_up_record(conn, business_key)
            if first != repo.TopUpRecord(
                command.customer_id, command.balance_kind, command.amount, command.currency
            ):
                raise Conflict(
                    REQUEST_ID_REUSED,
                    "request_id was already used for a different top-up",
                    metadata={"request_id": command.request_id},
                )
            return await repo.get_wallet(conn, command.company_id, command.customer_id)
        account_id = await repo.credit(
            conn,
            command.company_id,
            command.customer_id,
            command.balance_kind,
            command.amount,
            currency=command.currency,
        )
        if account_id is None:
            wallet = await repo.get_wallet(conn, command.company_id, command.customer_id)
            if wallet.currency == command.currency:  # the account is there: the cap refused it
                raise InvalidArgument(
                    AMOUNT_TOO_LARGE,
                    f"the balance would pass {MAX_BALANCE_MINOR} minor units",
                    field="amount.amount_minor",
                    metadata={"max_balance_minor": str(MAX_BALANCE_MINOR)},
                )
            raise InvalidArgument(
                CURRENCY_MISMATCH,
                f"the wallet is in {wallet.currency}, not {command.currency}",
                field="amount.currency_code",
                metadata={"wallet_currency": wallet.currency},
            )
        funding = await repo.ensure_system_account(
            conn, command.company_id, SystemAccountKind.FUNDING, command.currency
        )
        await repo.add_entries(
            conn, transaction_id, [(account_id, command.amount), (funding, -command.amount)]
        )
        after = await repo.get_wallet(conn, command.company_id, command.customer_id)
        await _audit_balance_change(conn, "credit", command, command.amount, after)
        return after


async def _adopt_company_currency(
    conn: AsyncConnection, company_id: str, customer_id: str, currency: str
) -> None:
    """A wallet opened in another currency before credits were checked, empty: now the
    company's (repository.adopt_currency says when that is safe), audited."""
    was = await repo.adopt_currency(conn, company_id, customer_id, currency)
    if was is not None:
        await audit.record(
            conn,
            company_id=company_id,
            entity_type="wallet",
            entity_id=customer_id,
            action="correct_currency",
            before={"currency": was},
            after={"currency": currency},
            reason="empty accounts put in the company's currency",
        )


async def _audit_balance_change(
    conn: AsyncConnection, action: str, command: TopUpWallet | DebitWallet, amount: int, after: Wallet
) -> None:
    """A person's change of a balance, in the change's transaction (the saga's are not audited)."""
    kind = command.balance_kind
    field = "main_balance" if kind is BalanceKind.MAIN else "bonus_balance"
    balance = after.main_balance if kind is BalanceKind.MAIN else after.bonus_balance
    await audit.record(
        conn,
        company_id=after.company_id,
        entity_type="wallet",
        entity_id=after.customer_id,
        action=action,
        before={field: balance - amount},
        after={field: balance},
        reason=command.reason or None,
    )


async def debit_wallet(
    db: Database, command: DebitWallet, *, customers: CustomerDirectory | None = None
) -> Wallet:
    """Staff take money out of one balance (back to the company's FUNDING account) once per
    request_id, only when it is there: one conditional UPDATE decides, nothing goes below zero.
    In the company's currency, or the wallet's own when that is another (see `company_currency`)."""
    require_role(*BUSINESS_ROLES)
    check_wallet_owner(command.company_id, command.customer_id)

    async def held_in() -> str | None:
        async with db.transaction() as conn:
            return await repo.wallet_currency(conn, command.company_id, command.customer_id)

    await company_currency(customers, command.company_id, command.currency, also=held_in)
    business_key = adjustment_business_key(command.company_id, command.request_id)
    async with db.transaction() as conn:
        transaction_id = str(uuid.uuid4())
        if not await repo.insert_transaction(
            conn,
            transaction_id=transaction_id,
            company_id=command.company_id,
            kind=TransactionKind.ADJUSTMENT,
            business_key=business_key,
            reason=command.reason,
            actor_user_id=current_principal().user_id,
        ):
            first = await repo.top_up_record(conn, business_key)
            if first != repo.TopUpRecord(
                command.customer_id, command.balance_kind, -command.amount, command.currency
            ):
                raise Conflict(
                    REQUEST_ID_REUSED,
                    "request_id was already used for a different debit",
                    metadata={"request_id": command.request_id},
                )
            return await repo.get_wallet(conn, command.company_id, command.customer_id)
        account_id = await repo.take(
            conn,
            command.company_id,
            command.customer_id,
            command.balance_kind,
            command.amount,
            command.currency,
        )
        if account_id is None:
            wallet = await repo.get_wallet(conn, command.company_id, command.customer_id)
            if wallet.currency and wallet.currency != command.currency:
                raise InvalidArgument(
                    CURRENCY_MISMATCH,
                    f"the wallet is in {wallet.currency}, not {command.currency}",
                    field="amount.currency_code",
                    metadata={"wallet_currency": wallet.currency},
                )
            raise FailedPrecondition(
                INSUFFICIENT_FUNDS, "the balance is smaller than the amount", field="amount.amount_minor"
            )
        funding = await repo.ensure_system_account(
            conn, command.company_id, SystemAccountKind.FUNDING, command.currency
        )
        await repo.add_entries(
            conn, transaction_id, [(account_id, -command.amount), (funding, command.amount)]
        )
        after = await repo.get_wallet(conn, command.company_id, command.customer_id)
        await _audit_balance_change(conn, "debit", command, -command.amount, after)
        return after


async def list_wallet_entries(db: Database, command: ListWalletEntries) -> EntryPage:
    check_wallet_owner(command.company_id, command.customer_id)
    limit = paging.page_size(command.page_size)
    before_id = entry_page_token(command.page_token)
    async with db.transaction() as conn:
        entries = await repo.list_entries(
            conn, command.company_id, command.customer_id, before_id=before_id, limit=limit + 1
        )
    has_more = len(entries) > limit
    entries = entries[:limit]
    return EntryPage(entries=entries, next_cursor=entries[-1].entry_id if has_more else None)
