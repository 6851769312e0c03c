"""What catalog asks the wallet (which owns the customers' balances) before a company changes
its currency: whether any wallet of the company holds money. Catalog never reads the wallet's
tables. The call carries the caller's principal (`plumbing.grpc_client`), as the wallet's and
passes' questions to the catalog do, so the wallet answers only for the caller's company."""

from __future__ import annotations

import logging

from grpc import aio

from bookingplatform.wallet.v1 import wallet_pb2, wallet_pb2_grpc
from catalog.domain import errors

# As plumbing.customer_directory's questions to the catalog; capped by the caller's deadline.
CALL_TIMEOUT_SECONDS = 5.0

log = logging.getLogger(__name__)


class WalletHoldings:
    def __init__(self, channel: aio.Channel) -> None:
        self._stub = wallet_pb2_grpc.WalletServiceStub(channel)

    async def company_holds_money(self, company_id: str) -> bool:
        """Whether any customer's main or bonus balance at the company is above zero. Any failure
        is UNAVAILABLE `WALLET_UNAVAILABLE`: without the wallet's answer the currency stays."""
        try:
            reply = await self._stub.GetCompanyHoldings(
                wallet_pb2.GetCompanyHoldingsRequest(company_id=company_id), timeout=CALL_TIMEOUT_SECONDS
            )
        except aio.AioRpcError as error:
            log.warning("GetCompanyHoldings of %s failed: %s %s", company_id, error.code(), error.details())
            raise errors.wallet_unavailable() from error
        return bool(reply.holdings.holds_money)
