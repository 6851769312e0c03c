"""The wallet's rules in plain Python: balances, ledger kinds, debit and refund splits.

Money is `int` minor units; a customer's main and bonus balances share one currency,
fixed by the first top-up.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from plumbing.saga_protocol import StepAction


class BalanceKind(enum.StrEnum):
    """A customer's balances."""

    MAIN = "MAIN"
    BONUS = "BONUS"


class SystemAccountKind(enum.StrEnum):
    """Per-company accounts on the other side of every customer entry (double entry).

    FUNDING is where top-ups come from (its balance goes negative as money flows in),
    CLEARING holds what was taken for bookings until it is given back.
    """

    FUNDING = "FUNDING"
    CLEARING = "CLEARING"


class TransactionKind(enum.StrEnum):
    TOP_UP = "TOP_UP"
    DEBIT = "DEBIT"
    REFUND = "REFUND"
    # Money taken out by staff (DebitWallet): back to the company's FUNDING account.
    ADJUSTMENT = "ADJUSTMENT"


class Outcome(enum.StrEnum):
    """The recorded decision of a saga operation.

    PENDING exists only inside the transaction that decides: the operation row is the
    business-key gate, written first and completed before commit.
    """

    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class Split:
    """An amount by balance: what a debit took or a refund gives back."""

    bonus: int = 0
    main: int = 0

    def __post_init__(self) -> None:
        if self.bonus < 0 or self.main < 0:
            raise ValueError("a split never holds a negative part")

    @property
    def total(self) -> int:
        return self.bonus + self.main


def split_debit(
    *, bonus_balance: int, main_balance: int, amount: int, allow_partial: bool, card_minimum: int = 0
) -> Split | None:
    """What a debit of `amount` takes: bonus first, then main.

    Without `allow_partial` the whole amount must be there, else None (insufficient
    funds); with it, whatever the balances hold up to the amount (possibly nothing), except
    that a remainder left to the card is never between 0 and `card_minimum`: the wallet then
    takes `card_minimum` less (when the amount is at least that), so the card pays exactly the
    minimum instead of a few cents. The repository applies this rule in one conditional
    UPDATE (see `repository.debit_bonus_first`); this is its specification.
    """
    if amount < 0:
        raise ValueError("amount must not be negative")
    taken = min(max(bonus_balance, 0) + max(main_balance, 0), amount)
    if taken < amount and not allow_partial:
        return None
    if allow_partial and 0 < amount - taken < card_minimum <= amount:
        taken = amount - card_minimum
    bonus = min(max(bonus_balance, 0), taken)
    return Split(bonus=bonus, main=taken - bonus)


def split_refund(*, refundable: Split, amount: int) -> Split:
    """What a refund of up to `amount` gives back: main first, then bonus, never more than refundable."""
    if amount < 0:
        raise ValueError("amount must not be negative")
    main = min(refundable.main, amount)
    bonus = min(refundable.bonus, amount - main)
    return Split(bonus=bonus, main=main)


def allocate(amount: int, capacities: list[int]) -> list[int]:
    """Spreads `amount` over slots in order, each up to its capacity (greedy)."""
    parts = []
    left = amount
    for capacity in capacities:
        part = min(max(capacity, 0), left)
        parts.append(part)
        left -= part
    if left:
        raise ValueError("amount exceeds the total capacity")
    return parts


@dataclass(frozen=True)
class Debit:
    """A booking's debit as recorded by its EXECUTE: what it took and what was given back since."""

    saga_id: str
    company_id: str
    customer_id: str
    currency: str
    taken: Split
    refunded: Split

    @property
    def refundable(self) -> Split:
        return Split(bonus=self.taken.bonus - self.refunded.bonus, main=self.taken.main - self.refunded.main)


def spread_refund(debits: list[Debit], refund: Split) -> list[Split]:
    """Spreads a refund over a booking's debits, oldest first, main and bonus separately."""
    mains = allocate(refund.main, [debit.refundable.main for debit in debits])
    bonuses = allocate(refund.bonus, [debit.refundable.bonus for debit in debits])
    return [Split(bonus=bonus, main=main) for bonus, main in zip(bonuses, mains, strict=True)]


@dataclass(frozen=True)
class Wallet:
    company_id: str
    customer_id: str
    currency: str
    main_balance: int = 0
    bonus_balance: int = 0


@dataclass(frozen=True)
class WalletEntry:
    """One change of one customer balance."""

    entry_id: int
    transaction_id: str
    kind: TransactionKind
    balance_kind: BalanceKind
    amount: int
    currency: str
    reference: str
    created_at: datetime
    reason: str = ""
    actor_user_id: str = ""


@dataclass(frozen=True)
class EntryPage:
    entries: list[WalletEntry]
    next_cursor: int | None


@dataclass(frozen=True)
class Operation:
    """The recorded decision of one saga action, keyed by (saga_id, action)."""

    saga_id: str
    action: StepAction
    outcome: Outcome
    reason: str
    moved: Split
    transaction_id: str | None
    tombstone: bool = False

    @property
    def reference(self) -> str:
        return self.transaction_id or ""


def topup_business_key(company_id: str, request_id: str) -> str:
    return f"topup:{company_id}:{request_id}"


def adjustment_business_key(company_id: str, request_id: str) -> str:
    return f"adjustment:{company_id}:{request_id}"


def saga_business_key(saga_id: str, action: StepAction) -> str:
    return f"saga:{saga_id}:wallet:{action.value}"
