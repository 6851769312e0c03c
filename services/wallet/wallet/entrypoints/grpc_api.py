"""WalletService servicer: proto -> command -> handler -> proto. Translation only."""

from __future__ import annotations

from bookingplatform.wallet.v1 import wallet_pb2, wallet_pb2_grpc
from plumbing import ids, paging
from plumbing.customer_directory import CustomerDirectory
from plumbing.db import Database
from plumbing.errors import InvalidArgument
from wallet.domain.commands import (
    DebitWallet,
    GetCompanyHoldings,
    GetWallet,
    ListWalletEntries,
    TopUpWallet,
)
from wallet.domain.validation import (
    INVALID_BALANCE_KIND,
    check_currency,
    check_positive_amount,
    check_reason,
    check_request_id,
)
from wallet.entrypoints.protos import BALANCE_KINDS, entry_to_proto, wallet_to_proto
from wallet.service import handlers


class WalletApi(wallet_pb2_grpc.WalletServiceServicer):
    def __init__(self, db: Database, customers: CustomerDirectory | None = None) -> None:
        self.db = db
        self.customers = customers

    async def GetWallet(  # type: ignore[override]
        self, request: wallet_pb2.GetWalletRequest, context: object
    ) -> wallet_pb2.GetWalletResponse:
        command = GetWallet(
            company_id=ids.parse_id(request.company_id, "company_id"),
            customer_id=ids.parse_id(request.customer_id, "customer_id"),
        )
        wallet = await handlers.get_wallet(self.db, command)
        return wallet_pb2.GetWalletResponse(wallet=wallet_to_proto(wallet))

    async def TopUpWallet(  # type: ignore[override]
        self, request: wallet_pb2.TopUpWalletRequest, context: object
    ) -> wallet_pb2.TopUpWalletResponse:
        balance_kind = BALANCE_KINDS.get(request.balance_kind)
        if balance_kind is None:
            raise InvalidArgument(
                INVALID_BALANCE_KIND, "balance_kind must be MAIN or BONUS", field="balance_kind"
            )
        command = TopUpWallet(
            request_id=check_request_id(request.request_id),
            company_id=ids.parse_id(request.company_id, "company_id"),
            customer_id=ids.parse_id(request.customer_id, "customer_id"),
            amount=check_positive_amount(request.amount.amount_minor, "amount.amount_minor"),
            currency=check_currency(request.amount.currency_code, "amount.currency_code"),
            balance_kind=balance_kind,
            reason=check_reason(request.reason, required=False),
        )
        wallet = await handlers.top_up_wallet(self.db, command, customers=self.customers)
        return wallet_pb2.TopUpWalletResponse(wallet=wallet_to_proto(wallet))

    async def DebitWallet(  # type: ignore[override]
        self, request: wallet_pb2.DebitWalletRequest, context: object
    ) -> wallet_pb2.DebitWalletResponse:
        balance_kind = BALANCE_KINDS.get(request.balance_kind)
        if balance_kind is None:
            raise InvalidArgument(
                INVALID_BALANCE_KIND, "balance_kind must be MAIN or BONUS", field="balance_kind"
            )
        command = DebitWallet(
            request_id=check_request_id(request.request_id),
            company_id=ids.parse_id(request.company_id, "company_id"),
            customer_id=ids.parse_id(request.customer_id, "customer_id"),
            amount=check_positive_amount(request.amount.amount_minor, "amount.amount_minor"),
            currency=check_currency(request.amount.currency_code, "amount.currency_code"),
            balance_kind=balance_kind,
            reason=check_reason(request.reason, required=True),
        )
        wallet = await handlers.debit_wallet(self.db, command, customers=self.customers)
        return wallet_pb2.DebitWalletResponse(wallet=wallet_to_proto(wallet))

    async def ListWalletEntries(  # type: ignore[override]
        self, request: wallet_pb2.ListWalletEntriesRequest, context: object
    ) -> wallet_pb2.ListWalletEntriesResponse:
        command = ListWalletEntries(
            company_id=ids.parse_id(request.company_id, "company_id"),
            customer_id=ids.parse_id(request.customer_id, "customer_id"),
            page_size=request.page_size,
            page_token=request.page_token,
        )
        page = await handlers.list_wallet_entries(self.db, command)
        return wallet_pb2.ListWalletEntriesResponse(
            entries=[entry_to_proto(entry) for entry in page.entries],
            next_page_token="" if page.next_cursor is None else paging.encode_page_token(page.next_cursor),
        )

    async def GetCompanyHoldings(  # type: ignore[override]
        self, request: wallet_pb2.GetCompanyHoldingsRequest, context: object
    ) -> wallet_pb2.GetCompanyHoldingsResponse:
        command = GetCompanyHoldings(company_id=ids.parse_id(request.company_id, "company_id"))
        holds_money = await handlers.company_holds_money(self.db, command)
        return wallet_pb2.GetCompanyHoldingsResponse(
            holdings=wallet_pb2.CompanyHoldings(company_id=command.company_id, holds_money=holds_money)
        )
