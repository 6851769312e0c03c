"""Demo data for `make run`, made the way a business would make it: over the gateway's HTTP API
through the generated client (clients/python/booking_platform_client), never by gRPC.

The platform admin (the one user made in the database, by tools/stack.py) opens a company and
invites its admin, who invites a front-desk staff member and sets up a studio, its sessions, an
extra and a pass product; the customer signs up; the desk credits their wallet and grants a pass.

A second run changes nothing it already made: every unsafe call carries a fixed Idempotency-Key
(the gateway replays the first answer, the services dedupe on the request id derived from it),
people who exist log in instead of being invited again, and sessions are keyed by their start.
What the customer has left is read back by `demo_balances`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from booking_platform_client import AuthenticatedClient, Client
from booking_platform_client.api.admin import (
    create_invite,
    create_pass_product,
    create_session,
    credit_customer_wallet,
    issue_customer_pass,
    list_customers,
)
from booking_platform_client.api.admin_catalog import create_company, create_extra, create_resource
from booking_platform_client.api.auth import accept_invite, issue_token, sign_up
from booking_platform_client.api.passes import list_passes
from booking_platform_client.api.wallet import get_wallet
from booking_platform_client.models import (
    AdminSessionsSessionOut,
    AmountIn,
    CompanyOut,
    CreateCompanyBody,
    CreateExtraBody,
    CreatePassProductBody,
    CreateResourceBody,
    CreateResourceBodyBookingModel,
    CreateSessionBody,
    CustomerList,
    EntitlementList,
    ExtraOut,
    InviteAcceptRequest,
    InviteCreated,
    InviteIn,
    InviteInRole,
    IssuePassBody,
    IssuePassBodySale,
    Money,
    PassProductOut,
    Policy,
    PriceIn,
    ResourceOut,
    SignupRequest,
    StaffPassOut,
    TokenRequest,
    TokenResponse,
    WalletChangeBody,
    WalletChangeBodyBalance,
    WalletOut,
)
from booking_platform_client.types import Response

CUSTOMER_EMAIL, CUSTOMER_PASSWORD = "ada@example.com", "demo1234"
OPERATOR_EMAIL, OPERATOR_PASSWORD = "ops@example.com", "ops12345"
STAFF_EMAIL, STAFF_PASSWORD = "desk@example.com", "desk1234"

T = TypeVar("T")


class DemoDataError(RuntimeError):
    """The gateway answered a demo call with something else than expected."""


def eur(minor: int) -> PriceIn:
    return PriceIn(amount_minor=minor, currency_code="EUR")


def shown(money: Money) -> str:
    """`50.00 EUR` (the demo's currencies have two decimals)."""
    return f"{money.amount_minor / 100:.2f} {money.currency_code}"


def answer(response: Response[Any], kind: type[T], *statuses: int) -> T:
    """The typed answer, or an error naming the status and the problem's code."""
    if response.status_code not in statuses or not isinstance(response.parsed, kind):
        raise DemoDataError(f"{response.status_code}: {response.content[:300]!r}")
    return response.parsed


async def log_in(
    anonymous: Client, email: str, password: str, company_id: str | None
) -> TokenResponse | None:
    """The person's tokens, or None when no such person (or password) exists yet."""
    company = UUID(company_id) if company_id else None
    body = TokenRequest(email=email, password=password, company_id=company)
    response = await issue_token.asyncio_detailed(client=anonymous, body=body)
    return None if response.status_code == 401 else answer(response, TokenResponse, 200)


async def member(
    anonymous: Client,
    inviter: AuthenticatedClient,
    *,
    company_id: str,
    email: str,
    password: str,
    role: InviteInRole,
    display_name: str,
) -> TokenResponse:
    """Logs in a member of the company's team, inviting them first if they are not there."""
    tokens = await log_in(anonymous, email, password, company_id)
    if tokens is not None:
        return tokens
    invite = answer(
        await create_invite.asyncio_detailed(
            client=inviter,
            body=InviteIn(email=email, role=role, company_id=UUID(company_id), display_name=display_name),
            idempotency_key=f"demo-invite-{email}",
        ),
        InviteCreated,
        201,
    )
    accepted = await accept_invite.asyncio_detailed(
        client=anonymous, body=InviteAcceptRequest(token=invite.token, password=password)
    )
    return answer(accepted, TokenResponse, 201)


async def load_demo_data(gateway_url: str, platform_admin: tuple[str, str]) -> dict[str, str]:
    anonymous = Client(base_url=gateway_url, timeout=None)

    def as_user(tokens: TokenResponse) -> AuthenticatedClient:
        return AuthenticatedClient(base_url=gateway_url, token=tokens.access_token, timeout=None)

    root_tokens = await log_in(anonymous, *platform_admin, None)
    if root_tokens is None:
        raise DemoDataError(f"the platform admin {platform_admin[0]} cannot log in")
    root = as_user(root_tokens)
    company = answer(
        await create_company.asyncio_detailed(
            client=root,
            body=CreateCompanyBody(name="Harbour Yoga", time_zone="Europe/Berlin", currency_code="EUR"),
            idempotency_key="demo-company",
        ),
        CompanyOut,
        201,
    )
    admin = as_user(
        await member(
            anonymous,
            root,
            company_id=company.id,
            email=OPERATOR_EMAIL,
            password=OPERATOR_PASSWORD,
            role=InviteInRole.COMPANY_ADMIN,
            display_name="Olga Owner",
        )
    )
    staff = as_user(
        await member(
            anonymous,
            admin,
            company_id=company.id,
            email=STAFF_EMAIL,
            password=STAFF_PASSWORD,
            role=InviteInRole.STAFF,
            display_name="Dan Desk",
        )
    )

    studio = answer(
        await create_resource.asyncio_detailed(
            client=admin,
            body=CreateResourceBody(
                name="Studio A",
                booking_model=CreateResourceBodyBookingModel.TIME_SLOT,
                capacity=12,
                policy=Policy(max_places_per_booking=4),
            ),
            idempotency_key="demo-studio",
        ),
        ResourceOut,
        201,
    )
    answer(
        await create_extra.asyncio_detailed(
            client=admin, body=CreateExtraBody(name="Mat hire", price=eur(300)), idempotency_key="demo-mat"
        ),
        ExtraOut,
        201,
    )
    first_session: AdminSessionsSessionOut | None = None
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for day in range(1, 8):
        for hour in (7, 18):
            start = today + timedelta(days=day, hours=hour)
            session = answer(
                await create_session.asyncio_detailed(
                    client=admin,
                    body=CreateSessionBody(
                        resource_id=UUID(studio.id),
                        start_time=start,
                        end_time=start + timedelta(hours=1),
                        capacity=12,
                        price=eur(2000),
                    ),
                    idempotency_key=f"demo-session-{start:%Y%m%d%H}",
                ),
                AdminSessionsSessionOut,
                201,
            )
            first_session = first_session or session
    product = answer(
        await create_pass_product.asyncio_detailed(
            client=admin,
            body=CreatePassProductBody(name="10 classes", credits_=10, validity_days=90, price=eur(15000)),
            idempotency_key="demo-pass-product",
        ),
        PassProductOut,
        201,
    )

    signed_up = await sign_up.asyncio_detailed(
        UUID(company.id),
        client=anonymous,
        body=SignupRequest(email=CUSTOMER_EMAIL, password=CUSTOMER_PASSWORD, display_name="Ada Lovelace"),
    )
    if signed_up.status_code != 201:  # a second run: she has her account already
        answer(signed_up, object, 409)
    customers = answer(
        await list_customers.asyncio_detailed(client=staff, q=CUSTOMER_EMAIL), CustomerList, 200
    ).customers
    [customer] = [c for c in customers if c.email == CUSTOMER_EMAIL]
    for key, amount, balance, reason in (
        ("demo-topup-main", 5000, WalletChangeBodyBalance.MAIN, "50 EUR paid at the desk"),
        ("demo-topup-bonus", 1000, WalletChangeBodyBalance.BONUS, "welcome bonus"),
    ):
        answer(
            await credit_customer_wallet.asyncio_detailed(
                UUID(customer.id),
                client=staff,
                body=WalletChangeBody(
                    amount=AmountIn(amount_minor=amount, currency_code="EUR"), reason=reason, balance=balance
                ),
                idempotency_key=key,
            ),
            WalletOut,
            201,
        )
    entitlement = answer(
        await issue_customer_pass.asyncio_detailed(
            UUID(customer.id),
            client=staff,
            body=IssuePassBody(product_id=UUID(product.id), sale=IssuePassBodySale.GRANT),
            idempotency_key="demo-pass",
        ),
        StaffPassOut,
        201,
    )

    assert first_session is not None
    starts = first_session.start_time
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
        "staff_email": STAFF_EMAIL,
        "staff_password": STAFF_PASSWORD,
    }


async def demo_balances(gateway_url: str, demo: dict[str, str]) -> dict[str, str]:
    """What the demo customer has now, as she sees it over HTTP (earlier runs' bookings included)."""
    anonymous = Client(base_url=gateway_url, timeout=None)
    tokens = await log_in(anonymous, demo["customer_email"], demo["customer_password"], demo["company_id"])
    if tokens is None:
        raise DemoDataError(f"the demo customer {demo['customer_email']} cannot log in")
    customer = AuthenticatedClient(base_url=gateway_url, token=tokens.access_token, timeout=None)
    wallet = answer(await get_wallet.asyncio_detailed(client=customer), WalletOut, 200)
    passes = answer(await list_passes.asyncio_detailed(client=customer), EntitlementList, 200)
    [entitlement] = [e for e in passes.entitlements if e.id == demo["entitlement_id"]]
    valid_until = entitlement.valid_until_time
    return {
        "wallet": f"{shown(wallet.main_balance)} + {shown(wallet.bonus_balance)} bonus",
        "pass": f"{entitlement.credits_available} of {entitlement.credits_total} classes left"
        + (f", valid until {valid_until:%Y-%m-%d}" if isinstance(valid_until, datetime) else ""),
    }
