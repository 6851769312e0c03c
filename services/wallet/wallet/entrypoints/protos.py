"""Wallets and ledger entries as `bookingplatform.wallet.v1` messages, and the balance kinds a
request names."""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp

from bookingplatform.common.v1 import money_pb2
from bookingplatform.wallet.v1 import wallet_pb2
from wallet.domain.model import BalanceKind, TransactionKind, Wallet, WalletEntry

BALANCE_KINDS = {
    wallet_pb2.BALANCE_KIND_MAIN: BalanceKind.MAIN,
    wallet_pb2.BALANCE_KIND_BONUS: BalanceKind.BONUS,
}
_BALANCE_KIND_PROTOS = {kind: proto for proto, kind in BALANCE_KINDS.items()}
_ENTRY_KINDS = {
    TransactionKind.TOP_UP: wallet_pb2.ENTRY_KIND_TOP_UP,
    TransactionKind.DEBIT: wallet_pb2.ENTRY_KIND_DEBIT,
    TransactionKind.REFUND: wallet_pb2.ENTRY_KIND_REFUND,
    TransactionKind.ADJUSTMENT: wallet_pb2.ENTRY_KIND_ADJUSTMENT,
}


def _money(amount: int, currency: str) -> money_pb2.Money:
    return money_pb2.Money(amount_minor=amount, currency_code=currency)


def wallet_to_proto(wallet: Wallet) -> wallet_pb2.Wallet:
    return wallet_pb2.Wallet(
        company_id=wallet.company_id,
        customer_id=wallet.customer_id,
        main_balance=_money(wallet.main_balance, wallet.currency),
        bonus_balance=_money(wallet.bonus_balance, wallet.currency),
    )


def entry_to_proto(entry: WalletEntry) -> wallet_pb2.WalletEntry:
    created = Timestamp()
    created.FromDatetime(entry.created_at)
    return wallet_pb2.WalletEntry(
        transaction_id=entry.transaction_id,
        kind=_ENTRY_KINDS[entry.kind],
        balance_kind=_BALANCE_KIND_PROTOS[entry.balance_kind],
        amount=_money(entry.amount, entry.currency),
        reference=entry.reference,
        reason=entry.reason,
        actor_user_id=entry.actor_user_id,
        create_time=created,
    )
