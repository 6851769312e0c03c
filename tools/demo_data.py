"""Demo data for `make run`: a company with sessions, a customer with money and a pass.

Every create carries a fixed request id, so a second run finds what the first made (and
adds no money): what the customer has left is read back by `demo_balances`.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from grpc import aio

from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from bookingplatform.passes.v1 import passes_pb2, passes_pb2_grpc
from bookingplatform.wallet.v1 import wallet_pb2, wallet_pb2_grpc

CUSTOMER_EMAIL, CUSTOMER_PASSWORD = "ada@example.com", "demo1234"
OPERATOR_EMAIL, OPERATOR_PASSWORD = "ops@example.com", "ops12345"
STAFF_EMAIL, STAFF_PASSWORD = "desk@example.com", "desk1234"


def eur(minor: int) -> money_pb2.Money:
    return money_pb2.Money(amount_minor=minor, currency_code="EUR")


def shown(money: money_pb2.Money) -> str:
    """`50.00 EUR` (the demo's currencies have two decimals)."""
    return f"{money.amount_minor / 100:.2f} {money.currency_code}"


async def load_demo_data(addresses: dict[str, str], database_url: str) -> dict[str, str]:
    async with (
        aio.insecure_channel(addresses["catalog"]) as catalog_channel,
        aio.insecure_channel(addresses["wallet"]) as wallet_channel,
        aio.insecure_channel(addresses["passes"]) as passes_channel,
    ):
        catalog = catalog_pb2_grpc.CatalogServiceStub(catalog_channel)
        company = (
            await catalog.CreateCompany(
                catalog_pb2.CreateCompanyRequest(
                    request_id="demo-company",
                    name="Harbour Yoga",
                    time_zone="Europe/Berlin",
                    currency_code="EUR",
                )
            )
        ).company
        studio = (
            await catalog.CreateResource(
                catalog_pb2.CreateResourceRequest(
                    request_id="demo-studio",
                    company_id=company.id,
                    name="Studio A",
                    booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
                    policy=catalog_pb2.ResourcePolicy(
                        lead_time_minutes=0, free_cancellation_minutes=120, max_places_per_booking=4
                    ),
                )
            )
        ).resource
        await catalog.CreateExtra(
            catalog_pb2.CreateExtraRequest(
                request_id="demo-mat", company_id=company.id, name="Mat hire", price=eur(300)
            )
        )
        first_session = None
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        for day in range(1, 8):
            for hour in (7, 18):
                start = today + timedelta(days=day, hours=hour)
                request = catalog_pb2.CreateSessionRequest(
                    request_id=f"demo-session-{start:%Y%m%d%H}",
                    resource_id=studio.id,
                    capacity=12,
                    price=eur(2000),
                )
                request.start_time.FromDatetime(start)
                request.end_time.FromDatetime(start + timedelta(hours=1))
                session = (await catalog.CreateSession(request)).session
                first_session = first_session or session
        customer = (
            await catalog.CreateCustomer(
                catalog_pb2.CreateCustomerRequest(
                    request_id="demo-customer",
                    company_id=company.id,
                    display_name="Ada Lovelace",
                    email=CUSTOMER_EMAIL,
                )
            )
        ).customer

        wallet = wallet_pb2_grpc.WalletServiceStub(wallet_channel)
        for request_id, amount, kind in (
            ("demo-topup-main", 5000, wallet_pb2.BALANCE_KIND_MAIN),
            ("demo-topup-bonus", 1000, wallet_pb2.BALANCE_KIND_BONUS),
        ):
            await wallet.TopUpWallet(
                wallet_pb2.TopUpWalletRequest(
                    request_id=request_id,
                    company_id=company.id,
                    customer_id=customer.id,
                    amount=eur(amount),
                    balance_kind=kind,
                )
            )

        passes = passes_pb2_grpc.PassesServiceStub(passes_channel)
        product = (
            await passes.CreatePassProduct(
                passes_pb2.CreatePassProductRequest(
                    request_id="demo-pass-product",
                    company_id=company.id,
                    name="10 classes",
                    credits=10,
                    validity_days=90,
                    price=eur(15000),
                )
            )
        ).product
        entitlement = (
            await passes.GrantPass(
                passes_pb2.GrantPassRequest(
                    request_id="demo-pass", product_id=product.id, customer_id=customer.id
                )
            )
        ).entitlement

    operator_token = await create_demo_users(database_url, company.id, customer.id)
    assert first_session is not None
    starts = first_session.start_time.ToDatetime(UTC)
    return {
        "company_id": company.id,
        "customer_id": customer.id,
        "session_id": first_session.id,
        "session_summary": (
            f"{studio.name}, {starts:%a %d %b %H:%M} UTC, {shown(first_session.price)} a place"
        ),
        "entitlement_id": entitlement.id,
        "customer_email": CUSTOMER_EMAIL,
        "customer_password": CUSTOMER_PASSWORD,
        "operator_email": OPERATOR_EMAIL,
        "operator_password": OPERATOR_PASSWORD,
        "operator_token": operator_token,
        "staff_email": STAFF_EMAIL,
        "staff_password": STAFF_PASSWORD,
    }


async def demo_balances(addresses: dict[str, str], demo: dict[str, str]) -> dict[str, str]:
    """What the demo customer has now, from wallet and passes (earlier runs' bookings included)."""
    async with (
        aio.insecure_channel(addresses["wallet"]) as wallet_channel,
        aio.insecure_channel(addresses["passes"]) as passes_channel,
    ):
        wallet = (
            await wallet_pb2_grpc.WalletServiceStub(wallet_channel).GetWallet(
                wallet_pb2.GetWalletRequest(company_id=demo["company_id"], customer_id=demo["customer_id"]),
                timeout=30,
            )
        ).wallet
        entitlement = (
            await passes_pb2_grpc.PassesServiceStub(passes_channel).GetEntitlement(
                passes_pb2.GetEntitlementRequest(entitlement_id=demo["entitlement_id"]), timeout=30
            )
        ).entitlement
    left = entitlement.credits_total - entitlement.credits_used - entitlement.credits_held
    return {
        "wallet": f"{shown(wallet.main_balance)} + {shown(wallet.bonus_balance)} bonus",
        "pass": f"{left} of {entitlement.credits_total} classes left,"
        f" valid until {entitlement.valid_until_time.ToDatetime(UTC):%Y-%m-%d}",
    }


async def create_demo_users(database_url: str, company_id: str, customer_id: str) -> str:
    """The gateway's users for the demo (a customer, the company's admin and a front-desk staff
    member); returns the company admin's token for the dashboard link."""
    from gateway.auth import TokenIssuer
    from gateway.settings import DEV_JWT_SECRET
    from gateway.users import UserStore
    from plumbing.db import Database

    db = Database(database_url, pool_size=1)
    try:
        store = UserStore(db)
        await store.create_user(
            email=CUSTOMER_EMAIL,
            password=CUSTOMER_PASSWORD,
            role="CUSTOMER",
            company_id=company_id,
            customer_id=customer_id,
        )
        operator = await store.create_user(
            email=OPERATOR_EMAIL, password=OPERATOR_PASSWORD, role="COMPANY_ADMIN", company_id=company_id
        )
        await store.create_user(
            email=STAFF_EMAIL, password=STAFF_PASSWORD, role="STAFF", company_id=company_id
        )
    finally:
        await db.close()
    return TokenIssuer(os.environ.get("JWT_SECRET") or DEV_JWT_SECRET, ttl_seconds=12 * 3600).issue(operator)
