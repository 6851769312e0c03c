"""WalletService servicer: proto -> command -> handler -> proto. Translation only."""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp

from bookingplatform.common.v1 import money_pb2
from bookingplatform.wallet.v1 import wallet_pb2, wallet_pb2_grpc
from plumbing.db import Database
from plumbing.errors import InvalidArgument
from wallet.domain.model import BalanceKind, TransactionKind, Wallet, WalletEntry
from wallet.domain.paging import encode_token
from wallet.domain.validation import (
    INVALID_BALANCE_KIND,
    check_currency,
    check_positive_amount,
    check_request_id,
    parse_id,
)
from wallet.service import handlers
from wallet.service.commands import GetWallet, ListWalletEntries, TopUpWallet

_BALANCE_KINDS = {
    wallet_pb2.BALANCE_KIND_MAIN: BalanceKind.MAIN,
    wallet_pb2.BALANCE_KIND_BONUS: BalanceKind.BONUS,
}
_BALANCE_KIND_PROTOS = {kind: proto for proto, kind in _BALANCE_KINDS.items()}
_ENTRY_KINDS = {
    TransactionKind.TOP_UP: wallet_pb2.ENTRY_KIND_TOP_UP,
    TransactionKind.DEBIT: wallet_pb2.ENTRY_KIND_DEBIT,
    TransactionKind.REFUND: wallet_pb2.ENTRY_KIND_REFUND,
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
        create_time=created,
    )


class WalletApi(wallet_pb2_grpc.WalletServiceServicer):
    def __init__(self, db: Database) -> None:
        self.db = db

    async def GetWallet(  # type: ignore[override]
        self, request: wallet_pb2.GetWalletRequest, context: object
    ) -> wallet_pb2.GetWalletResponse:
        command = GetWallet(
            company_id=parse_id(request.company_id, "company_id"),
            customer_id=parse_id(request.customer_id, "customer_id"),
        )
        wallet = await handlers.get_wallet(self.db, command)
        return wallet_pb2.GetWalletResponse(wallet=wallet_to_proto(wallet))

    async def TopUpWallet(  # type: ignore[override]
        self, request: wallet_pb2.TopUpWalletRequest, context: object
    ) -> wallet_pb2.TopUpWalletResponse:
        balance_kind = _BALANCE_KINDS.get(request.balance_kind)
        if balance_kind is None:
            raise InvalidArgument(
                INVALID_BALANCE_KIND, "balance_kind must be MAIN or BONUS", field="balance_kind"
            )
        command = TopUpWallet(
            request_id=check_request_id(request.request_id),
            company_id=parse_id(request.company_id, "company_id"),
            customer_id=parse_id(request.customer_id, "customer_id"),
            amount=check_positive_amount(request.amount.amount_minor, "amount.amount_minor"),
            currency=check_currency(request.amount.currency_code, "amount.currency_code"),
            balance_kind=balance_kind,
        )
        wallet = await handlers.top_up_wallet(self.db, command)
        return wallet_pb2.TopUpWalletResponse(wallet=wallet_to_proto(wallet))

    async def ListWalletEntries(  # type: ignore[override]
        self, request: wallet_pb2.ListWalletEntriesRequest, context: object
    ) -> wallet_pb2.ListWalletEntriesResponse:
        command = ListWalletEntries(
            company_id=parse_id(request.company_id, "company_id"),
            customer_id=parse_id(request.customer_id, "customer_id"),
            page_size=request.page_size,
            page_token=request.page_token,
        )
        page = await handlers.list_wallet_entries(self.db, command)
        return wallet_pb2.ListWalletEntriesResponse(
            entries=[entry_to_proto(entry) for entry in page.entries],
            next_page_token="" if page.next_cursor is None else encode_token(page.next_cursor),
        )
