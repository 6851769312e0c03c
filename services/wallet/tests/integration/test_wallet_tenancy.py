"""Tenancy on the real WalletService: every RPC (from the service descriptor) refuses a forged
principal of company A asking for company B's wallet, answers it on its own company's, and
a customer principal cannot read another customer's wallet."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from bookingplatform.common.v1 import money_pb2
from bookingplatform.wallet.v1 import wallet_pb2, wallet_pb2_grpc
from plumbing.principal import Principal, Role
from plumbing.tenancy_testing import Case, assert_allowed, assert_refused, call_as, rpc_names

pytestmark = pytest.mark.integration

SERVICE = wallet_pb2.DESCRIPTOR.services_by_name["WalletService"]
NOT_FOUND = "WALLET_NOT_FOUND"


@dataclass(frozen=True)
class World:
    company_a: str
    customer_a: str
    company_b: str
    customer_b: str


def _money(amount: int) -> money_pb2.Money:
    return money_pb2.Money(amount_minor=amount, currency_code="EUR")


def _top_up(company: str, customer: str) -> wallet_pb2.TopUpWalletRequest:
    return wallet_pb2.TopUpWalletRequest(
        request_id=str(uuid.uuid4()),
        company_id=company,
        customer_id=customer,
        amount=_money(500),
        balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
    )


def _debit(company: str, customer: str) -> wallet_pb2.DebitWalletRequest:
    return wallet_pb2.DebitWalletRequest(  # type: ignore[attr-defined,unused-ignore]
        request_id=str(uuid.uuid4()),
        company_id=company,
        customer_id=customer,
        amount=_money(100),
        balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
        reason="tenancy test",
    )


def _pair(request: Callable[[str, str], object]) -> Callable[[World], Case]:
    """The request on company B's customer (foreign) and on company A's own."""
    return lambda w: Case(
        foreign=request(w.company_b, w.customer_b),  # type: ignore[arg-type]
        own=request(w.company_a, w.customer_a),  # type: ignore[arg-type]
        reason=NOT_FOUND,
    )


CASES: dict[str, Callable[[World], Case]] = {
    "GetWallet": _pair(lambda co, cu: wallet_pb2.GetWalletRequest(company_id=co, customer_id=cu)),
    "TopUpWallet": _pair(_top_up),
    "ListWalletEntries": _pair(
        lambda co, cu: wallet_pb2.ListWalletEntriesRequest(company_id=co, customer_id=cu)
    ),
    "DebitWallet": _pair(_debit),
    "GetCompanyHoldings": lambda w: Case(
        foreign=wallet_pb2.GetCompanyHoldingsRequest(company_id=w.company_b),
        own=wallet_pb2.GetCompanyHoldingsRequest(company_id=w.company_a),
        reason=NOT_FOUND,
    ),
}


@pytest.fixture
async def world(wallet_stub: wallet_pb2_grpc.WalletServiceStub) -> World:
    world = World(*(str(uuid.uuid4()) for _ in range(4)))
    # Both wallets hold money (as the internal caller), so a debit of its own is allowed.
    await wallet_stub.TopUpWallet(_top_up(world.company_a, world.customer_a))
    await wallet_stub.TopUpWallet(_top_up(world.company_b, world.customer_b))
    return world


def test_every_rpc_of_the_service_has_a_tenancy_case() -> None:
    assert set(rpc_names(SERVICE)) <= set(CASES), "add a case for each new RPC"


@pytest.mark.parametrize("rpc", rpc_names(SERVICE))
async def test_another_companys_wallet_is_refused_and_the_own_is_answered(
    wallet_stub: wallet_pb2_grpc.WalletServiceStub, world: World, rpc: str
) -> None:
    case = CASES[rpc](world)
    for role in (Role.COMPANY_ADMIN, Role.STAFF):
        principal = Principal(role=role, company_id=world.company_a, user_id=str(uuid.uuid4()))
        await assert_refused(wallet_stub, rpc, case, principal)
        await assert_allowed(wallet_stub, rpc, CASES[rpc](world), principal)


async def test_a_customer_reads_its_own_wallet_only(
    wallet_stub: wallet_pb2_grpc.WalletServiceStub, world: World
) -> None:
    me = Principal(role=Role.CUSTOMER, company_id=world.company_a, customer_id=world.customer_a)
    neighbour = str(uuid.uuid4())
    for rpc, request in (
        ("GetWallet", wallet_pb2.GetWalletRequest),
        ("ListWalletEntries", wallet_pb2.ListWalletEntriesRequest),
    ):
        own = request(company_id=world.company_a, customer_id=world.customer_a)
        other = request(company_id=world.company_a, customer_id=neighbour)
        await assert_allowed(wallet_stub, rpc, Case(foreign=other, own=own, reason=NOT_FOUND), me)
        await assert_refused(wallet_stub, rpc, Case(foreign=other, reason=NOT_FOUND), me)
    # Money from nowhere: a customer may not top up (nor debit) even its own wallet.
    for rpc, make in (("TopUpWallet", _top_up), ("DebitWallet", _debit)):
        if rpc in rpc_names(SERVICE):
            code, reason = await call_as(wallet_stub, rpc, make(world.company_a, world.customer_a), me)
            assert (code.name, reason) == ("PERMISSION_DENIED", "PERMISSION_DENIED"), rpc
    # What the company's wallets hold together is the company's business, not a customer's.
    holdings = wallet_pb2.GetCompanyHoldingsRequest(company_id=world.company_a)
    code, reason = await call_as(wallet_stub, "GetCompanyHoldings", holdings, me)
    assert (code.name, reason) == ("PERMISSION_DENIED", "PERMISSION_DENIED")


async def test_a_platform_admin_reaches_every_company(
    wallet_stub: wallet_pb2_grpc.WalletServiceStub, world: World
) -> None:
    admin = Principal(role=Role.PLATFORM_ADMIN, user_id=str(uuid.uuid4()))
    request = wallet_pb2.GetWalletRequest(company_id=world.company_b, customer_id=world.customer_b)
    await assert_allowed(
        wallet_stub, "GetWallet", Case(foreign=request, own=request, reason=NOT_FOUND), admin
    )
