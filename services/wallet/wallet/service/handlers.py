"""The wallet's RPC use cases: a validated command, one transaction each. The saga step is in
`wallet.service.saga_steps`."""

from __future__ import annotations

import uuid

from plumbing import paging
from plumbing.db import Database
from plumbing.errors import Conflict, InvalidArgument, NotFound
from plumbing.principal import BUSINESS_ROLES, check_customer, require_role
from wallet.adapters import repository as repo
from wallet.domain.commands import GetWallet, ListWalletEntries, TopUpWallet
from wallet.domain.model import (
    EntryPage,
    SystemAccountKind,
    TransactionKind,
    Wallet,
    topup_business_key,
)
from wallet.domain.validation import (
    AMOUNT_TOO_LARGE,
    CURRENCY_MISMATCH,
    MAX_BALANCE_MINOR,
    REQUEST_ID_REUSED,
    WALLET_NOT_FOUND,
    entry_page_token,
)

# wallet.entrypoints.saga (being rebuilt on plumbing's inbox consumer) imports the step handler
# from here until that change moves its import to `wallet.service.saga_steps`.
from wallet.service.saga_steps import handle_step as handle_step


def wallet_not_found() -> NotFound:
    return NotFound(WALLET_NOT_FOUND, "no such wallet")


def check_wallet_owner(company_id: str, customer_id: str) -> None:
    """A wallet is the (company, customer) its rows are keyed by: every query of these handlers
    filters on both, so checking them against the caller checks the rows read or written."""
    check_customer(company_id, customer_id, wallet_not_found())


async def get_wallet(db: Database, command: GetWallet) -> Wallet:
    check_wallet_owner(command.company_id, command.customer_id)
    async with db.transaction() as conn:
        return await repo.get_wallet(conn, command.company_id, command.customer_id)


async def top_up_wallet(db: Database, command: TopUpWallet) -> Wallet:
    """Adds money once per request_id; a retry returns the wallet without adding again."""
    # Money from nowhere (the company's FUNDING account): the company's people only.
    require_role(*BUSINESS_ROLES)
    check_wallet_owner(command.company_id, command.customer_id)
    business_key = topup_business_key(command.company_id, command.request_id)
    async with db.transaction() as conn:
        await repo.ensure_customer_accounts(conn, command.company_id, command.customer_id, command.currency)
        transaction_id = str(uuid.uuid4())
        if not await repo.insert_transaction(
            conn,
            transaction_id=transaction_id,
            company_id=command.company_id,
            kind=TransactionKind.TOP_UP,
            business_key=business_key,
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
        return await repo.get_wallet(conn, command.company_id, command.customer_id)


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
