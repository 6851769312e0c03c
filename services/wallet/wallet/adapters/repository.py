"""SQL of the wallet (SQLAlchemy Core) returning domain objects.

Every function takes the `AsyncConnection` of the caller's transaction. Balances only
change through conditional UPDATEs computed by PostgreSQL; rows are created with
INSERT ... ON CONFLICT DO NOTHING.

The statements a saga step runs are built once, at import, with their values bound at
execution: SQLAlchemy compiles a `postgresql.insert(...).on_conflict_do_nothing()` again on
every execution (those are `text()` here), and building any statement per call costs about
as much again (bench/statement_cost.py).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, and_, bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import TextClause

from plumbing.saga_protocol import StepAction
from wallet.adapters.tables import accounts, ledger_entries, ledger_transactions, saga_operations
from wallet.domain.commands import SagaStep
from wallet.domain.model import (
    BalanceKind,
    Debit,
    Operation,
    Outcome,
    Split,
    SystemAccountKind,
    TransactionKind,
    Wallet,
    WalletEntry,
)
from wallet.domain.validation import MAX_BALANCE_MINOR

# ---------------------------------------------------------------- accounts


async def ensure_customer_accounts(
    conn: AsyncConnection, company_id: str, customer_id: str, currency: str
) -> None:
    """Creates the customer's MAIN and BONUS accounts in `currency` unless they exist."""
    await conn.execute(
        upsert(accounts)
        .values(
            [
                {
                    "id": str(uuid.uuid4()),
                    "company_id": company_id,
                    "customer_id": customer_id,
                    "kind": kind.value,
                    "currency": currency,
                    "balance": 0,
                }
                for kind in (BalanceKind.MAIN, BalanceKind.BONUS)
            ]
        )
        .on_conflict_do_nothing()
    )


_INSERT_SYSTEM_ACCOUNT = text(
    "INSERT INTO wallet.accounts (id, company_id, kind, currency)"
    " VALUES (:id, :company_id, :kind, :currency) ON CONFLICT DO NOTHING"
)
# `made_here`: the row was inserted by this very transaction (its xmin is our transaction id),
# so it is not known to be committed yet.
_SYSTEM_ACCOUNT = text(
    "SELECT id, COALESCE(xmin::text::bigint"
    " = pg_current_xact_id_if_assigned()::text::bigint % 4294967296, false) AS made_here"
    " FROM wallet.accounts WHERE company_id = :company_id AND customer_id IS NULL"
    " AND kind = :kind AND currency = :currency"
)

# System accounts' ids by (company, kind, currency). They are never deleted (entries reference
# them), so an id read from a committed row stays right for the life of the process: a saga
# step then skips the two statements that find it. Only committed rows are kept (a row this
# transaction made could still be rolled back); should one ever be wrong, the entries' foreign
# key refuses it and `add_entries` (or `complete_operation_with_transaction`) forgets them all,
# so the retry finds them again.
_system_accounts: dict[tuple[str, str, str], str] = {}


async def ensure_system_account(
    conn: AsyncConnection, company_id: str, kind: SystemAccountKind, currency: str
) -> str:
    """The id of the company's system account of this kind and currency, created if missing."""
    cache_key = (company_id, kind.value, currency)
    known = _system_accounts.get(cache_key)
    if known is not None:
        return known
    key = {"company_id": company_id, "kind": kind.value, "currency": currency}
    await conn.execute(_INSERT_SYSTEM_ACCOUNT, {"id": str(uuid.uuid4()), **key})
    # A new statement: in READ COMMITTED it sees a row a concurrent insert just committed.
    row = (await conn.execute(_SYSTEM_ACCOUNT, key)).one()
    if not row.made_here:
        _system_accounts[cache_key] = str(row.id)
    return str(row.id)


_WALLET_CURRENCY = (
    select(accounts.c.currency)
    .where(
        accounts.c.company_id == bindparam("company_id"),
        accounts.c.customer_id == bindparam("customer_id"),
    )
    .limit(1)
)


async def wallet_currency(conn: AsyncConnection, company_id: str, customer_id: str) -> str | None:
    """The currency of the customer's accounts (fixed at creation), None when there are none."""
    currency = (
        await conn.execute(_WALLET_CURRENCY, {"company_id": company_id, "customer_id": customer_id})
    ).scalar_one_or_none()
    return None if currency is None else str(currency)


# The customer's two accounts, locked in the debit's order (by kind).
_LOCK_CUSTOMER_ACCOUNTS = text(
    "SELECT id, currency, balance FROM wallet.accounts"
    " WHERE company_id = :company_id AND customer_id = :customer_id ORDER BY kind FOR UPDATE"
)
# A debit of these accounts that a cancellation could still give back (in its own currency).
_REFUNDABLE_DEBIT = text(
    "SELECT EXISTS (SELECT FROM wallet.saga_operations o"
    " WHERE o.company_id = :company_id AND o.customer_id = :customer_id AND o.action = 'EXECUTE'"
    " AND o.outcome = 'SUCCEEDED' AND o.bonus_amount + o.main_amount > o.refunded_bonus + o.refunded_main"
    " AND o.booking_id IN (SELECT t.booking_id FROM wallet.ledger_entries e"
    " JOIN wallet.ledger_transactions t ON t.id = e.transaction_id"
    " WHERE e.account_id = ANY(CAST(:account_ids AS uuid[])) AND t.kind = 'DEBIT'))"
)


async def adopt_currency(
    conn: AsyncConnection, company_id: str, customer_id: str, currency: str
) -> str | None:
    """Puts the customer's accounts in `currency` (the company's) when they are in another one
    but hold nothing and no debit of them can still be refunded: a wallet opened in a wrong
    currency before credits were checked against the company's. The currency they were in when
    it changed them, else None. The accounts stay locked to the end of the transaction, so no
    saga step moves money in between (a debit of a 0 balance takes nothing; the old currency's
    steps then find no account). Their past entries keep their own currency in the listing
    (`list_entries` reads it from each transaction's system account, which never changes)."""
    rows = (
        await conn.execute(_LOCK_CUSTOMER_ACCOUNTS, {"company_id": company_id, "customer_id": customer_id})
    ).all()
    if not rows or all(row.currency == currency for row in rows) or any(row.balance for row in rows):
        return None
    key = {"company_id": company_id, "customer_id": customer_id}
    if (await conn.execute(_REFUNDABLE_DEBIT, {**key, "account_ids": [str(r.id) for r in rows]})).scalar():
        return None
    await conn.execute(
        update(accounts)
        .where(accounts.c.company_id == company_id, accounts.c.customer_id == customer_id)
        .values(currency=currency)
    )
    return str(rows[0].currency)


# One statement over the company's customer accounts (the prefix of uq_accounts_customer):
# PostgreSQL answers, no rows are read into Python.
_COMPANY_HOLDS_MONEY = text(
    "SELECT EXISTS (SELECT FROM wallet.accounts WHERE company_id = :company_id"
    " AND customer_id IS NOT NULL AND balance <> 0)"
)


async def company_holds_money(conn: AsyncConnection, company_id: str) -> bool:
    """Whether any customer's MAIN or BONUS account of the company holds money (in any currency:
    a wallet left in an old one counts as much as one in the company's)."""
    return bool((await conn.execute(_COMPANY_HOLDS_MONEY, {"company_id": company_id})).scalar_one())


# The company's currency lock: a transaction-scoped advisory lock on a stable bigint of the
# company id, hashtextextended('wallet-company-currency:' || company_id, 0) (PostgreSQL's own
# 64-bit hash, seed 0: the same key in every process and release; the prefix keeps it apart
# from any other advisory key). A credit that asks the catalog the company's currency holds it
# shared until it commits; GetCompanyHoldings takes it exclusive, so its EXISTS sees every
# credit that asked the currency before it (service.handlers.top_up_wallet says why).
_COMPANY_CURRENCY_KEY = "hashtextextended('wallet-company-currency:' || CAST(:company_id AS text), 0)"
_CREDIT_IN_COMPANY_CURRENCY = text(f"SELECT pg_advisory_xact_lock_shared({_COMPANY_CURRENCY_KEY})")
_NO_CREDIT_IN_FLIGHT = text(f"SELECT pg_advisory_xact_lock({_COMPANY_CURRENCY_KEY})")
# How long GetCompanyHoldings waits for credits in flight: a credit holds the lock for one
# catalog round trip and its writes; longer means a wait cycle (handlers.company_holds_money).
HOLDINGS_LOCK_TIMEOUT = "2s"
_LOCK_NOT_AVAILABLE = "55P03"


async def credit_in_company_currency(conn: AsyncConnection, company_id: str) -> None:
    """Holds the company's currency lock shared until the transaction ends (many credits at once)."""
    await conn.execute(_CREDIT_IN_COMPANY_CURRENCY, {"company_id": company_id})


async def wait_for_credits(conn: AsyncConnection, company_id: str) -> bool:
    """Takes the company's currency lock exclusive until the transaction ends, once the credits
    holding it have committed; False when they did not within HOLDINGS_LOCK_TIMEOUT (the
    transaction is then aborted: the caller ends it)."""
    await conn.execute(text(f"SET LOCAL lock_timeout = '{HOLDINGS_LOCK_TIMEOUT}'"))
    try:
        await conn.execute(_NO_CREDIT_IN_FLIGHT, {"company_id": company_id})
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            return False
        raise
    return True


async def get_wallet(conn: AsyncConnection, company_id: str, customer_id: str) -> Wallet:
    """The customer's balances; zero balances and no currency when there are no accounts."""
    rows = (
        await conn.execute(
            select(accounts.c.kind, accounts.c.currency, accounts.c.balance).where(
                accounts.c.company_id == company_id, accounts.c.customer_id == customer_id
            )
        )
    ).all()
    balances = {row.kind: int(row.balance) for row in rows}
    currency = rows[0].currency if rows else ""
    return Wallet(
        company_id=company_id,
        customer_id=customer_id,
        currency=currency,
        main_balance=balances.get(BalanceKind.MAIN.value, 0),
        bonus_balance=balances.get(BalanceKind.BONUS.value, 0),
    )


async def take(
    conn: AsyncConnection, company_id: str, customer_id: str, kind: BalanceKind, amount: int, currency: str
) -> str | None:
    """Takes `amount` from one customer balance only when it is there (the database decides);
    the account id, or None when the balance is short or no such account exists."""
    account_id = (
        await conn.execute(
            update(accounts)
            .where(
                accounts.c.company_id == company_id,
                accounts.c.customer_id == customer_id,
                accounts.c.kind == kind.value,
                accounts.c.currency == currency,
                accounts.c.balance >= amount,
            )
            .values(balance=accounts.c.balance - amount)
            .returning(accounts.c.id)
        )
    ).scalar_one_or_none()
    return None if account_id is None else str(account_id)


async def credit(
    conn: AsyncConnection,
    company_id: str,
    customer_id: str,
    kind: BalanceKind,
    amount: int,
    *,
    currency: str | None = None,
) -> str | None:
    """Adds `amount` to one customer balance; the account id, or None when no account
    (in `currency`, when given) exists or the balance would pass MAX_BALANCE_MINOR (the
    database decides, in the same statement)."""
    conditions = [
        accounts.c.company_id == company_id,
        accounts.c.customer_id == customer_id,
        accounts.c.kind == kind.value,
        accounts.c.balance <= MAX_BALANCE_MINOR - amount,
    ]
    if currency is not None:
        conditions.append(accounts.c.currency == currency)
    account_id = (
        await conn.execute(
            update(accounts)
            .where(*conditions)
            .values(balance=accounts.c.balance + amount)
            .returning(accounts.c.id)
        )
    ).scalar_one_or_none()
    return None if account_id is None else str(account_id)


@dataclass(frozen=True)
class DebitResult:
    """What one debit statement did: the split taken, the balances it saw, the accounts."""

    taken: Split
    bonus_before: int
    main_before: int
    bonus_account_id: str
    main_account_id: str


# One statement, so no balance is read in Python and written back: lock the customer's
# two accounts (the newest row versions, in a fixed order), take bonus first then main,
# and update both only when the whole amount is there or partial debits are allowed.
# The CHECK on accounts.balance is the last judge.
def _debit_sql(after: str = "") -> tuple[str, str]:
    """The debit's CTEs (`locked`, `plan`) and its UPDATE; `after`: a CTE whose rows the
    debit needs (none: it locks and takes unconditionally)."""
    only_after = f" AND EXISTS (SELECT FROM {after})" if after else ""
    ctes = (
        "locked AS ("
        " SELECT id, kind, balance FROM wallet.accounts"
        " WHERE company_id = :company_id AND customer_id = :customer_id AND kind IN ('BONUS', 'MAIN')"
        f" AND currency = :currency{only_after}"
        " ORDER BY kind FOR UPDATE),"
        " reach AS ("
        " SELECT b.id AS bonus_id, m.id AS main_id, b.balance AS bonus_before, m.balance AS main_before,"
        " LEAST(b.balance + m.balance, CAST(:amount AS bigint)) AS reachable"
        " FROM locked b JOIN locked m ON b.kind = 'BONUS' AND m.kind = 'MAIN'),"
        # The card's minimum (domain.model.split_debit): a remainder between 0 and it is
        # raised to it, the wallet taking that much less.
        " want AS ("
        " SELECT *, CASE WHEN CAST(:allow_partial AS boolean)"
        " AND CAST(:amount AS bigint) - reachable > 0"
        " AND CAST(:amount AS bigint) - reachable < CAST(:card_minimum AS bigint)"
        " AND CAST(:card_minimum AS bigint) <= CAST(:amount AS bigint)"
        " THEN CAST(:amount AS bigint) - CAST(:card_minimum AS bigint) ELSE reachable END AS taking"
        " FROM reach),"
        " plan AS ("
        " SELECT bonus_id, main_id, bonus_before, main_before,"
        " LEAST(bonus_before, taking) AS bonus_take, taking - LEAST(bonus_before, taking) AS main_take"
        " FROM want)"
    )
    update = (
        "UPDATE wallet.accounts AS a"
        " SET balance = a.balance - CASE WHEN a.id = p.bonus_id THEN p.bonus_take ELSE p.main_take END"
        " FROM plan AS p"
        " WHERE a.id IN (p.bonus_id, p.main_id)"
        " AND (CAST(:allow_partial AS boolean) OR p.bonus_take + p.main_take = CAST(:amount AS bigint))"
        " RETURNING p.bonus_id, p.main_id, p.bonus_before, p.main_before, p.bonus_take, p.main_take"
    )
    return ctes, update


_DEBIT_CTES, _DEBIT_UPDATE = _debit_sql()
_DEBIT_BONUS_FIRST = text(f"WITH {_DEBIT_CTES} {_DEBIT_UPDATE}")


async def debit_bonus_first(
    conn: AsyncConnection,
    company_id: str,
    customer_id: str,
    amount: int,
    currency: str,
    *,
    allow_partial: bool,
    card_minimum: int = 0,
) -> DebitResult | None:
    """Takes `amount` (bonus first, then main) atomically; None when the funds are not there
    (or the customer has no accounts in `currency`) and nothing was taken."""
    row = (
        await conn.execute(
            _DEBIT_BONUS_FIRST,
            {
                "company_id": company_id,
                "customer_id": customer_id,
                "amount": amount,
                "currency": currency,
                "allow_partial": allow_partial,
                "card_minimum": card_minimum,
            },
        )
    ).first()
    if row is None:
        return None
    return _debit_result(row)


def _debit_result(row: Row[Any]) -> DebitResult:
    return DebitResult(
        taken=Split(bonus=int(row.bonus_take), main=int(row.main_take)),
        bonus_before=int(row.bonus_before),
        main_before=int(row.main_before),
        bonus_account_id=str(row.bonus_id),
        main_account_id=str(row.main_id),
    )


# ---------------------------------------------------------------- ledger


_INSERT_TRANSACTION = text(
    "INSERT INTO wallet.ledger_transactions"
    " (id, company_id, kind, business_key, booking_id, reason, actor_user_id)"
    " VALUES (:id, :company_id, :kind, :business_key, :booking_id, :reason, :actor_user_id)"
    " ON CONFLICT DO NOTHING RETURNING id"
)


async def insert_transaction(
    conn: AsyncConnection,
    *,
    transaction_id: str,
    company_id: str,
    kind: TransactionKind,
    business_key: str,
    booking_id: str | None = None,
    reason: str | None = None,
    actor_user_id: str | None = None,
) -> bool:
    """Records a ledger transaction; False when its business key is already taken."""
    inserted = await conn.execute(
        _INSERT_TRANSACTION,
        {
            "id": transaction_id,
            "company_id": company_id,
            "kind": kind.value,
            "business_key": business_key,
            "booking_id": booking_id,
            "reason": reason,
            "actor_user_id": actor_user_id,
        },
    )
    return inserted.first() is not None


@functools.cache
def _insert_entries(count: int) -> TextClause:
    """The INSERT of `count` entries of one transaction in one statement (an executemany
    would be a statement per entry)."""
    rows = ", ".join(f"(:transaction_id, :account_{n}, :amount_{n})" for n in range(count))
    return text(f"INSERT INTO wallet.ledger_entries (transaction_id, account_id, amount) VALUES {rows}")


async def add_entries(conn: AsyncConnection, transaction_id: str, entries: Sequence[tuple[str, int]]) -> None:
    """Appends (account_id, signed amount) entries; zero amounts are left out.

    A deferred trigger refuses the commit unless the transaction's entries sum to zero.
    """
    moving = [(account_id, amount) for account_id, amount in entries if amount != 0]
    if not moving:
        return
    values: dict[str, Any] = {"transaction_id": transaction_id}
    for n, (account_id, amount) in enumerate(moving):
        values[f"account_{n}"] = account_id
        values[f"amount_{n}"] = amount
    try:
        await conn.execute(_insert_entries(len(moving)), values)
    except IntegrityError:
        _system_accounts.clear()  # a remembered system account may be the one refused
        raise


@dataclass(frozen=True)
class TopUpRecord:
    customer_id: str
    kind: BalanceKind
    amount: int
    currency: str


async def top_up_record(conn: AsyncConnection, business_key: str) -> TopUpRecord:
    """What the top-up recorded under this business key credited."""
    row = (
        await conn.execute(
            select(accounts.c.customer_id, accounts.c.kind, ledger_entries.c.amount, accounts.c.currency)
            .select_from(
                ledger_transactions.join(
                    ledger_entries, ledger_entries.c.transaction_id == ledger_transactions.c.id
                ).join(accounts, accounts.c.id == ledger_entries.c.account_id)
            )
            .where(ledger_transactions.c.business_key == business_key, accounts.c.customer_id.is_not(None))
        )
    ).one()
    return TopUpRecord(
        customer_id=str(row.customer_id),
        kind=BalanceKind(row.kind),
        amount=int(row.amount),
        currency=row.currency,
    )


async def list_entries(
    conn: AsyncConnection, company_id: str, customer_id: str, *, before_id: int | None, limit: int
) -> list[WalletEntry]:
    """The customer's entries, newest first, with ids below `before_id` (keyset paging). An
    entry's currency is its transaction's system account's (FUNDING or CLEARING, one currency
    each, for good): a customer's accounts may have been put in the company's currency since
    (`adopt_currency`), their entries were made in theirs."""
    system = accounts.alias("system_account")
    counterpart = ledger_entries.alias("counterpart")
    entry_currency = (
        select(system.c.currency)
        .select_from(counterpart.join(system, system.c.id == counterpart.c.account_id))
        .where(
            counterpart.c.transaction_id == ledger_entries.c.transaction_id,
            system.c.customer_id.is_(None),
        )
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(
            ledger_entries.c.id,
            ledger_entries.c.transaction_id,
            ledger_entries.c.amount,
            ledger_transactions.c.kind,
            ledger_transactions.c.business_key,
            ledger_transactions.c.created_at,
            ledger_transactions.c.reason,
            ledger_transactions.c.actor_user_id,
            accounts.c.kind.label("balance_kind"),
            func.coalesce(entry_currency, accounts.c.currency).label("currency"),
        )
        .select_from(
            accounts.join(ledger_entries, ledger_entries.c.account_id == accounts.c.id).join(
                ledger_transactions, ledger_transactions.c.id == ledger_entries.c.transaction_id
            )
        )
        .where(accounts.c.company_id == company_id, accounts.c.customer_id == customer_id)
        .order_by(ledger_entries.c.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(ledger_entries.c.id < before_id)
    rows = (await conn.execute(query)).all()
    return [
        WalletEntry(
            entry_id=int(row.id),
            transaction_id=str(row.transaction_id),
            kind=TransactionKind(row.kind),
            balance_kind=BalanceKind(row.balance_kind),
            amount=int(row.amount),
            currency=row.currency,
            reference=row.business_key,
            created_at=row.created_at,
            reason=row.reason or "",
            actor_user_id=str(row.actor_user_id or ""),
        )
        for row in rows
    ]


# ---------------------------------------------------------------- saga operations


_CLAIM_OPERATION_SQL = (
    "INSERT INTO wallet.saga_operations"
    " (saga_id, action, company_id, customer_id, booking_id, currency, outcome, attempt)"
    " VALUES (:saga_id, :action, :company_id, :customer_id, :booking_id, :currency, :outcome, :attempt)"
    " ON CONFLICT DO NOTHING RETURNING saga_id"
)
_CLAIM_OPERATION = text(_CLAIM_OPERATION_SQL)
_INSERT_TOMBSTONE = text(
    "INSERT INTO wallet.saga_operations"
    " (saga_id, action, company_id, customer_id, booking_id, outcome, reason, tombstone)"
    " VALUES (:saga_id, :action, :company_id, :customer_id, :booking_id, :outcome, :reason, true)"
    " ON CONFLICT DO NOTHING RETURNING saga_id"
)


async def claim_operation(conn: AsyncConnection, step: SagaStep, action: StepAction) -> bool:
    """Takes the business key (the step's saga, `action`); False when it was recorded before.

    A concurrent claim of the same key waits here until the first one commits.
    """
    return (await conn.execute(_CLAIM_OPERATION, _claim_values(step, action))).first() is not None


def _claim_values(step: SagaStep, action: StepAction) -> dict[str, Any]:
    return {
        "saga_id": step.saga_id,
        "action": action.value,
        "company_id": step.company_id,
        "customer_id": step.customer_id,
        "booking_id": step.booking_id,
        "currency": step.currency,
        "outcome": Outcome.PENDING.value,
        "attempt": step.attempt,
    }


# A saga's debit: its claim and the debit in one statement (one round trip where there were
# two). The accounts are locked and debited only when the claim inserted its row (`locked`
# reads `claim`, so the claim runs first, in the lock order the two statements had); a claim
# that found its key taken debits nothing and answers claimed = false.
_CLAIM_DEBIT_CTES, _CLAIM_DEBIT_UPDATE = _debit_sql(after="claim")
_CLAIM_AND_DEBIT = text(
    f"WITH claim AS ({_CLAIM_OPERATION_SQL}), {_CLAIM_DEBIT_CTES}, debited AS ({_CLAIM_DEBIT_UPDATE})"
    " SELECT EXISTS (SELECT FROM claim) AS claimed, d.*"
    " FROM (SELECT) AS one LEFT JOIN (SELECT * FROM debited LIMIT 1) AS d ON true"
)


async def claim_and_debit(conn: AsyncConnection, step: SagaStep) -> tuple[bool, DebitResult | None]:
    """`claim_operation` of the step's EXECUTE key, then, only when it claimed,
    `debit_bonus_first` of its amount, in one statement: (claimed, the debit or None when
    nothing was taken)."""
    values = _claim_values(step, StepAction.EXECUTE)
    values.update(amount=step.amount, allow_partial=step.allow_partial, card_minimum=step.card_minimum)
    row = (await conn.execute(_CLAIM_AND_DEBIT, values)).one()
    if row.bonus_id is None:
        return bool(row.claimed), None
    return True, _debit_result(row)


async def record_tombstone(
    conn: AsyncConnection,
    *,
    saga_id: str,
    company_id: str,
    customer_id: str,
    booking_id: str | None,
    reason: str,
) -> bool:
    """Takes the EXECUTE key of a saga for a compensation that found nothing to undo.

    True when the tombstone was written (no EXECUTE had been recorded), so a late EXECUTE
    finds it and is refused.
    """
    inserted = await conn.execute(
        _INSERT_TOMBSTONE,
        {
            "saga_id": saga_id,
            "action": StepAction.EXECUTE.value,
            "company_id": company_id,
            "customer_id": customer_id,
            "booking_id": booking_id,
            "outcome": Outcome.FAILED.value,
            "reason": reason,
        },
    )
    return inserted.first() is not None


async def reclaim_refused_debit(conn: AsyncConnection, *, saga_id: str, reason: str, attempt: int) -> bool:
    """Re-opens a debit refused for `reason` when a later attempt asks again (a pay-later
    booking is billed until the money is there). Never a tombstone, never an older attempt:
    a late original command keeps its recorded answer."""
    reopened = await conn.execute(
        update(saga_operations)
        .where(
            saga_operations.c.saga_id == saga_id,
            saga_operations.c.action == StepAction.EXECUTE.value,
            saga_operations.c.outcome == Outcome.FAILED.value,
            saga_operations.c.reason == reason,
            saga_operations.c.tombstone.is_(False),
            saga_operations.c.attempt < attempt,
        )
        .values(outcome=Outcome.PENDING.value, reason="", attempt=attempt, updated_at=func.now())
        .returning(saga_operations.c.saga_id)
    )
    return reopened.first() is not None


def _operation(row: Any) -> Operation:
    return Operation(
        saga_id=str(row.saga_id),
        action=StepAction(row.action),
        outcome=Outcome(row.outcome),
        reason=row.reason,
        moved=Split(bonus=int(row.bonus_amount), main=int(row.main_amount)),
        transaction_id=None if row.transaction_id is None else str(row.transaction_id),
        tombstone=bool(row.tombstone),
    )


_GET_OPERATION = select(saga_operations).where(
    saga_operations.c.saga_id == bindparam("saga_id"), saga_operations.c.action == bindparam("action")
)


async def get_operation(conn: AsyncConnection, saga_id: str, action: StepAction) -> Operation | None:
    row = (await conn.execute(_GET_OPERATION, {"saga_id": saga_id, "action": action.value})).first()
    return None if row is None else _operation(row)


# The names bound in WHERE differ from the columns SET: SQLAlchemy keeps those for SET.
_COMPLETE_OPERATION = (
    update(saga_operations)
    .where(
        saga_operations.c.saga_id == bindparam("key_saga_id"),
        saga_operations.c.action == bindparam("key_action"),
        saga_operations.c.outcome == Outcome.PENDING.value,
    )
    .values(
        outcome=bindparam("outcome"),
        reason=bindparam("reason"),
        bonus_amount=bindparam("bonus_amount"),
        main_amount=bindparam("main_amount"),
        transaction_id=bindparam("transaction_id"),
        updated_at=func.now(),
    )
    .returning(*saga_operations.c)
)


async def complete_operation(
    conn: AsyncConnection,
    *,
    saga_id: str,
    action: StepAction,
    outcome: Outcome,
    reason: str = "",
    moved: Split | None = None,
    transaction_id: str | None = None,
) -> Operation:
    """Records the decision of a claimed operation (still PENDING) and returns it."""
    moved = moved or Split()
    row = (
        await conn.execute(
            _COMPLETE_OPERATION,
            {
                "key_saga_id": saga_id,
                "key_action": action.value,
                "outcome": outcome.value,
                "reason": reason,
                "bonus_amount": moved.bonus,
                "main_amount": moved.main,
                "transaction_id": transaction_id,
            },
        )
    ).first()
    if row is None:
        raise RuntimeError(f"operation {saga_id}/{action.value} is not pending")
    return _operation(row)


@functools.cache
def _complete_operation_with_transaction(entry_count: int) -> TextClause:
    """One statement for the three writes of a saga effect that moved money: its ledger
    transaction, the `entry_count` entries and the claimed operation's success.

    The entries and the decision are only written with the transaction row (a taken business
    key inserts none), and the outer SELECT answers even when nothing was decided, so the
    caller can tell a taken key from an operation no longer PENDING. The entries' and the
    decision's foreign keys to the new row are checked at the end of the statement.
    """
    entries = ", ".join(
        f"(CAST(:account_{n} AS uuid), CAST(:amount_{n} AS bigint))" for n in range(entry_count)
    )
    return text(
        f"""
        WITH txn AS (
            INSERT INTO wallet.ledger_transactions (id, company_id, kind, business_key, booking_id)
            VALUES (:transaction_id, :company_id, :kind, :business_key, :booking_id)
            ON CONFLICT DO NOTHING
            RETURNING id
        ),
        entries AS (
            INSERT INTO wallet.ledger_entries (transaction_id, account_id, amount)
            SELECT txn.id, entry.account_id, entry.amount
            FROM txn CROSS JOIN (VALUES {entries}) AS entry (account_id, amount)
        ),
        decided AS (
            UPDATE wallet.saga_operations AS op
            SET outcome = :succeeded, reason = '', bonus_amount = :bonus_amount, main_amount = :main_amount,
                transaction_id = txn.id, updated_at = now()
            FROM txn
            WHERE op.saga_id = :saga_id AND op.action = :action AND op.outcome = :pending
            RETURNING op.*
        )
        SELECT posting.posted, decided.*
        FROM (SELECT EXISTS (SELECT FROM txn) AS posted) AS posting LEFT JOIN decided ON true
        """
    )


async def complete_operation_with_transaction(
    conn: AsyncConnection,
    *,
    saga_id: str,
    action: StepAction,
    moved: Split,
    transaction_id: str,
    company_id: str,
    kind: TransactionKind,
    business_key: str,
    booking_id: str | None,
    entries: Sequence[tuple[str, int]],
) -> Operation | None:
    """Records a claimed operation (still PENDING) as SUCCEEDED together with the ledger
    transaction of what it moved and its (account_id, signed amount) entries, zero amounts
    left out, in one statement; None, with nothing written, when the business key is taken.

    As with `add_entries`, a deferred trigger refuses the commit unless the entries sum to zero.
    """
    moving = [(account_id, amount) for account_id, amount in entries if amount != 0]
    if not moving:  # a saga effect always balances a customer amount with a system account
        raise ValueError(f"the ledger transaction of {saga_id}/{action.value} moves nothing")
    values: dict[str, Any] = {
        "transaction_id": transaction_id,
        "company_id": company_id,
        "kind": kind.value,
        "business_key": business_key,
        "booking_id": booking_id,
        "saga_id": saga_id,
        "action": action.value,
        "succeeded": Outcome.SUCCEEDED.value,
        "pending": Outcome.PENDING.value,
        "bonus_amount": moved.bonus,
        "main_amount": moved.main,
    }
    for n, (account_id, amount) in enumerate(moving):
        values[f"account_{n}"] = account_id
        values[f"amount_{n}"] = amount
    try:
        row = (await conn.execute(_complete_operation_with_transaction(len(moving)), values)).one()
    except IntegrityError:
        _system_accounts.clear()  # a remembered system account may be the one refused
        raise
    if not row.posted:
        return None
    if row.saga_id is None:
        raise RuntimeError(f"operation {saga_id}/{action.value} is not pending")
    return _operation(row)


def _debit(row: Any) -> Debit:
    return Debit(
        saga_id=str(row.saga_id),
        company_id=str(row.company_id),
        customer_id=str(row.customer_id),
        currency=row.currency,
        taken=Split(bonus=int(row.bonus_amount), main=int(row.main_amount)),
        refunded=Split(bonus=int(row.refunded_bonus), main=int(row.refunded_main)),
    )


_SUCCEEDED_DEBITS = and_(
    saga_operations.c.action == StepAction.EXECUTE.value,
    saga_operations.c.outcome == Outcome.SUCCEEDED.value,
)


_LOCK_DEBIT = (
    select(saga_operations)
    .where(saga_operations.c.saga_id == bindparam("saga_id"), _SUCCEEDED_DEBITS)
    .with_for_update()
)


async def lock_debit(conn: AsyncConnection, saga_id: str) -> Debit | None:
    """The saga's succeeded EXECUTE, locked until the end of the transaction."""
    row = (await conn.execute(_LOCK_DEBIT, {"saga_id": saga_id})).first()
    return None if row is None else _debit(row)


async def lock_booking_debits(conn: AsyncConnection, company_id: str, booking_id: str) -> list[Debit]:
    """The booking's succeeded EXECUTEs, oldest first, locked so refunds of it serialize."""
    rows = (
        await conn.execute(
            select(saga_operations)
            .where(
                saga_operations.c.company_id == company_id,
                saga_operations.c.booking_id == booking_id,
                _SUCCEEDED_DEBITS,
            )
            .order_by(saga_operations.c.created_at, saga_operations.c.saga_id)
            .with_for_update()
        )
    ).all()
    return [_debit(row) for row in rows]


async def add_refunded(conn: AsyncConnection, saga_id: str, refund: Split) -> None:
    """Counts a refund against the debit of a saga; never beyond what it took."""
    row = (
        await conn.execute(
            update(saga_operations)
            .where(
                saga_operations.c.saga_id == saga_id,
                _SUCCEEDED_DEBITS,
                saga_operations.c.refunded_bonus + refund.bonus <= saga_operations.c.bonus_amount,
                saga_operations.c.refunded_main + refund.main <= saga_operations.c.main_amount,
            )
            .values(
                refunded_bonus=saga_operations.c.refunded_bonus + refund.bonus,
                refunded_main=saga_operations.c.refunded_main + refund.main,
                updated_at=func.now(),
            )
            .returning(saga_operations.c.saga_id)
        )
    ).first()
    if row is None:
        raise RuntimeError(f"refund {refund} exceeds what the debit of saga {saga_id} took")
