"""What the handlers are asked to do: validated, plain values (ids are canonical UUID strings)."""

from __future__ import annotations

from dataclasses import dataclass

from plumbing.saga_protocol import StepAction
from wallet.domain.model import BalanceKind


@dataclass(frozen=True)
class GetWallet:
    company_id: str
    customer_id: str


@dataclass(frozen=True)
class GetCompanyHoldings:
    company_id: str


@dataclass(frozen=True)
class TopUpWallet:
    request_id: str
    company_id: str
    customer_id: str
    amount: int
    currency: str
    balance_kind: BalanceKind
    # Why (staff credits give one); kept on the ledger transaction.
    reason: str = ""


@dataclass(frozen=True)
class DebitWallet:
    """Staff take money out of one balance, with a reason; never below zero."""

    request_id: str
    company_id: str
    customer_id: str
    amount: int
    currency: str
    balance_kind: BalanceKind
    reason: str


@dataclass(frozen=True)
class ListWalletEntries:
    company_id: str
    customer_id: str
    page_size: int
    page_token: str


@dataclass(frozen=True)
class SagaStep:
    """One saga command for the wallet step."""

    saga_id: str
    action: StepAction
    company_id: str
    customer_id: str
    booking_id: str | None
    amount: int
    currency: str
    allow_partial: bool = False
    card_minimum: int = 0  # with allow_partial: leave the card 0 or at least this much
    attempt: int = 0
