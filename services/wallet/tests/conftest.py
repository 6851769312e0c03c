"""Wallet test fixtures on the real PostgreSQL and NATS of plumbing.testing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import grpc
import pytest
from sqlalchemy import text

from bookingplatform.common.v1 import money_pb2
from bookingplatform.saga.v1 import saga_pb2
from bookingplatform.wallet.v1 import wallet_pb2_grpc
from plumbing.db import Database
from plumbing.runtime import RunningService
from wallet.bootstrap import start
from wallet.domain.commands import GetWallet, TopUpWallet
from wallet.domain.model import BalanceKind, Wallet
from wallet.entrypoints.saga import handle_step_command
from wallet.service import handlers
from wallet.settings import Settings

CURRENCY = "EUR"


@pytest.fixture(scope="session")
async def wallet_service(database_url: str, nats_url: str) -> AsyncIterator[RunningService]:
    service = await start(Settings(database_url=database_url, nats_url=nats_url))
    yield service
    await service.stop(0.5)


@pytest.fixture(scope="session")
async def wallet_stub(wallet_service: RunningService) -> AsyncIterator[wallet_pb2_grpc.WalletServiceStub]:
    async with grpc.aio.insecure_channel(wallet_service.address) as channel:
        yield wallet_pb2_grpc.WalletServiceStub(channel)


@pytest.fixture(scope="session")
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, pool_size=15)
    yield database
    await database.close()


@pytest.fixture
def company_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def customer_id() -> str:
    return str(uuid.uuid4())


Fund = Callable[..., Awaitable[Wallet]]


@pytest.fixture
def fund(db: Database) -> Fund:
    """Tops up a wallet through the handler: fund(company, customer, main=.., bonus=..)."""

    async def top_up(
        company_id: str, customer_id: str, *, main: int = 0, bonus: int = 0, currency: str = CURRENCY
    ) -> Wallet:
        wallet = None
        for kind, amount in ((BalanceKind.MAIN, main), (BalanceKind.BONUS, bonus)):
            if amount:
                wallet = await handlers.top_up_wallet(
                    db,
                    TopUpWallet(
                        request_id=str(uuid.uuid4()),
                        company_id=company_id,
                        customer_id=customer_id,
                        amount=amount,
                        currency=currency,
                        balance_kind=kind,
                    ),
                )
        assert wallet is not None
        return wallet

    return top_up


@pytest.fixture
def wallet_of(db: Database) -> Callable[[str, str], Awaitable[Wallet]]:
    async def read(company_id: str, customer_id: str) -> Wallet:
        return await handlers.get_wallet(db, GetWallet(company_id=company_id, customer_id=customer_id))

    return read


@pytest.fixture
def run_step(db: Database) -> Callable[[saga_pb2.StepCommand], Awaitable[saga_pb2.StepReply]]:
    """Runs the wallet's step handler in its own transaction, as the StepConsumer does."""

    async def run(command: saga_pb2.StepCommand) -> saga_pb2.StepReply:
        async with db.transaction() as conn:
            return await handle_step_command(conn, command)

    return run


@pytest.fixture
def ledger_balance(db: Database) -> Callable[[str, str], Awaitable[dict[str, int]]]:
    """The sum of the ledger entries of each customer account, by kind."""

    async def read(company_id: str, customer_id: str) -> dict[str, int]:
        async with db.transaction() as conn:
            rows = await conn.execute(
                text(
                    """
                    SELECT a.kind, COALESCE(SUM(e.amount), 0) AS total
                    FROM wallet.accounts a LEFT JOIN wallet.ledger_entries e ON e.account_id = a.id
                    WHERE a.company_id = :company AND a.customer_id = :customer
                    GROUP BY a.kind
                    """
                ),
                {"company": company_id, "customer": customer_id},
            )
            return {row.kind: int(row.total) for row in rows}

    return read


def step_command(
    action: int,
    *,
    company_id: str,
    customer_id: str,
    saga_id: str | None = None,
    booking_id: str | None = None,
    amount: int = 0,
    currency: str = CURRENCY,
    allow_partial: bool = False,
    card_minimum: int = 0,
    attempt: int = 1,
) -> saga_pb2.StepCommand:
    return saga_pb2.StepCommand(
        saga_id=saga_id or str(uuid.uuid4()),
        step="wallet",
        action=action,  # type: ignore[arg-type]
        attempt=attempt,
        booking_id=booking_id or str(uuid.uuid4()),
        company_id=company_id,
        customer_id=customer_id,
        amount=money_pb2.Money(amount_minor=amount, currency_code=currency),
        allow_partial=allow_partial,
        card_minimum_minor=card_minimum,
    )


@pytest.fixture
def command() -> Callable[..., saga_pb2.StepCommand]:
    """Builds a wallet StepCommand: command(saga_pb2.STEP_ACTION_EXECUTE, company_id=.., ...)."""
    return step_command
