"""A new business from nothing, over HTTP only and through the generated client
(clients/python/booking_platform_client) as an integrator would call it: the platform admin
opens a company, invites its admin, who invites a staff member and sets up a class with a
weekly series across a DST change, a cabin with units and nightly prices, equipment by the hour,
an extra and a pass product; then it sells to a customer who signs up (wallet credited by staff,
a booking paid from the wallet and one with a pass), to a guest paying by card, and to a walk-in
paid in cash at the desk. The audit log shows each change with who made it.

Only the first platform admin is made outside HTTP: someone has to exist before the API does.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from booking_platform_client import AuthenticatedClient, Client
from booking_platform_client.api.admin import (
    create_booking_for_customer,
    create_customer,
    create_invite,
    create_pass_product,
    create_session_series,
    credit_customer_wallet,
    get_company_booking,
    issue_customer_pass,
    list_audit_entries,
    list_customers,
    list_users,
)
from booking_platform_client.api.admin_catalog import (
    create_company,
    create_extra,
    create_rate_plan,
    create_resource,
    create_unit,
    set_daily_prices,
)
from booking_platform_client.api.auth import accept_invite, issue_token, sign_up
from booking_platform_client.api.bookings import create_booking, get_booking
from booking_platform_client.api.guest_bookings import create_guest_resource_booking, get_guest_booking
from booking_platform_client.api.wallet import get_wallet
from booking_platform_client.models import (
    AmountIn,
    AuditEntryList,
    AuditEntryOut,
    CompanyOut,
    CreateBookingBody,
    CreateCompanyBody,
    CreateCustomerBody,
    CreateExtraBody,
    CreatePassProductBody,
    CreateRatePlanBody,
    CreateResourceBody,
    CreateResourceBodyBookingModel,
    CreateSeriesBody,
    CreateUnitBody,
    CustomerBookingOut,
    CustomerList,
    CustomerOut,
    DailyPriceIn,
    DailyPriceList,
    DailyPricesBody,
    ExtraOut,
    GuestBookingCreated,
    GuestBookingOut,
    GuestIn,
    GuestResourceBookingBody,
    InviteAcceptRequest,
    InviteCreated,
    InviteIn,
    InviteInRole,
    IssuePassBody,
    IssuePassBodySale,
    PassProductOut,
    PaymentIn,
    Policy,
    PriceIn,
    RatePlanOut,
    ResourceOut,
    SeriesOut,
    SignupRequest,
    StaffBookingBody,
    StaffBookingOut,
    StaffPassOut,
    StaffPaymentIn,
    StaffPaymentInDeskType0,
    TokenRequest,
    TokenResponse,
    UnitOut,
    UserList,
    WalletChangeBody,
    WalletOut,
)
from booking_platform_client.types import Response

from plumbing.testing import eventually

pytestmark = pytest.mark.e2e

BERLIN = ZoneInfo("Europe/Berlin")
PASSWORD = "a long enough password"
T = TypeVar("T")


def key() -> str:
    return str(uuid.uuid4())


def eur(minor: int) -> PriceIn:
    return PriceIn(amount_minor=minor, currency_code="EUR")


def parsed(response: Response[Any], status: int, kind: type[T]) -> T:
    """The typed answer of a call expected to answer `status` (the problem shown otherwise)."""
    assert response.status_code == status, (response.status_code, response.content)
    assert isinstance(response.parsed, kind), response.parsed
    return response.parsed


def next_dst_change(after: date) -> date:
    """The first Berlin day after `after` whose noon offset differs from the day before's."""
    day = after
    while True:
        nxt = day + timedelta(days=1)
        if (
            datetime(nxt.year, nxt.month, nxt.day, 12, tzinfo=BERLIN).utcoffset()
            != datetime(day.year, day.month, day.day, 12, tzinfo=BERLIN).utcoffset()
        ):
            return nxt
        day = nxt


async def until_status(read: Callable[[], Awaitable[Response[Any]]], *statuses: str) -> Any:
    """Polls a booking read until the saga brings it to one of `statuses`."""

    async def reached() -> Any:
        answer = (await read()).parsed
        # A guest's manage link answers the booking inside its own envelope.
        booking = answer.booking if isinstance(answer, GuestBookingOut) else answer
        return booking if getattr(booking, "status", None) in statuses else None

    return await eventually(reached, message=f"the booking never reached {statuses}")


async def test_a_new_business_is_set_up_over_http_and_sells_to_a_customer_a_guest_and_a_walk_in(platform):

    base = platform.gateway_url
    anonymous = Client(base_url=base, raise_on_unexpected_status=True, timeout=None)

    async def login(email: str, company_id: str | None = None) -> AuthenticatedClient:
        body = TokenRequest(email=email, password=PASSWORD, company_id=company_id)
        token = parsed(await issue_token.asyncio_detailed(client=anonymous, body=body), 200, TokenResponse)
        return authenticated(token)

    def authenticated(token: TokenResponse) -> AuthenticatedClient:
        return AuthenticatedClient(base_url=base, token=token.access_token, raise_on_unexpected_status=True)

    root_email = f"root-{uuid.uuid4().hex[:8]}@example.com"
    root_user = await platform.users.create_user(email=root_email, password=PASSWORD, role="PLATFORM_ADMIN")
    root = await login(root_email)

    # The platform opens the company and invites its admin, who accepts with a password.

    company = parsed(
        await create_company.asyncio_detailed(
            client=root,
            body=CreateCompanyBody(name="Fjord Outdoor", time_zone="Europe/Berlin", currency_code="EUR"),
            idempotency_key=key(),
        ),
        201,
        CompanyOut,
    )
    admin_email = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    admin_invite = parsed(
        await create_invite.asyncio_detailed(
            client=root,
            body=InviteIn(email=admin_email, role=InviteInRole.COMPANY_ADMIN, company_id=company.id),
            idempotency_key=key(),
        ),
        201,
        InviteCreated,
    )
    admin = authenticated(
        parsed(
            await accept_invite.asyncio_detailed(
                client=anonymous,
                body=InviteAcceptRequest(token=admin_invite.token, password=PASSWORD, display_name="Owner"),
            ),
            201,
            TokenResponse,
        )
    )
    staff_email = f"desk-{uuid.uuid4().hex[:8]}@example.com"
    staff_invite = parsed(
        await create_invite.asyncio_detailed(
            client=admin, body=InviteIn(email=staff_email, role=InviteInRole.STAFF), idempotency_key=key()
        ),
        201,
        InviteCreated,
    )
    staff = authenticated(
        parsed(
            await accept_invite.asyncio_detailed(
                client=anonymous, body=InviteAcceptRequest(token=staff_invite.token, password=PASSWORD)
            ),
            201,
            TokenResponse,
        )
    )
    # Either can log in again with the password they chose.
    await login(staff_email, company.id)

    users = parsed(await list_users.asyncio_detailed(client=admin), 200, UserList).users
    user_ids = {u.email: u.id for u in users}
    admin_id, staff_id = user_ids[admin_email], user_ids[staff_email]
    assert {u.email: str(u.role) for u in users if u.email in (admin_email, staff_email)} == {
        admin_email: "COMPANY_ADMIN",
        staff_email: "STAFF",
    }

    # The admin sets up a resource of each booking model.

    async def resource(body: CreateResourceBody) -> ResourceOut:
        made = await create_resource.asyncio_detailed(client=admin, body=body, idempotency_key=key())
        return parsed(made, 201, ResourceOut)

    studio = await resource(
        CreateResourceBody(
            name="Yoga studio", booking_model=CreateResourceBodyBookingModel.TIME_SLOT, capacity=12
        )
    )
    cabin = await resource(
        CreateResourceBody(
            name="Fjord cabin",
            booking_model=CreateResourceBodyBookingModel.NIGHTLY,
            policy=Policy(min_nights=1, check_in_time="16:00", check_out_time="10:00"),
        )
    )
    kayak = await resource(
        CreateResourceBody(
            name="Sea kayak", booking_model=CreateResourceBodyBookingModel.INTERVAL, hourly_rate=eur(1500)
        )
    )

    # A weekly class at 18:00 Berlin time, two weeks before a DST change and one after.
    # The first occurrence 8 days before the change is still to come (a series skips the past).
    change = next_dst_change(datetime.now(UTC).date() + timedelta(days=9))
    series = parsed(
        await create_session_series.asyncio_detailed(
            client=admin,
            body=CreateSeriesBody(
                resource_id=studio.id,
                start_date=change - timedelta(days=8),
                start_time="18:00",
                duration_minutes=60,
                rrule="FREQ=WEEKLY;COUNT=3",
                capacity=12,
                price=eur(2000),
            ),
            idempotency_key=key(),
        ),
        201,
        SeriesOut,
    )
    local_starts = [s.start_time.astimezone(BERLIN) for s in series.sessions]
    assert [s.strftime("%H:%M") for s in local_starts] == ["18:00"] * 3
    assert len({s.utcoffset() for s in local_starts}) == 2

    units = [
        parsed(
            await create_unit.asyncio_detailed(
                cabin.id, client=admin, body=CreateUnitBody(name=name), idempotency_key=key()
            ),
            201,
            UnitOut,
        )
        for name in ("Cabin 1", "Cabin 2")
    ]
    plan = parsed(
        await create_rate_plan.asyncio_detailed(
            cabin.id,
            client=admin,
            body=CreateRatePlanBody(name="Standard", default_nightly_price=eur(9000)),
            idempotency_key=key(),
        ),
        201,
        RatePlanOut,
    )
    arrival = datetime.now(UTC).date() + timedelta(days=20)

    parsed(
        await set_daily_prices.asyncio_detailed(
            cabin.id,
            plan.id,
            client=admin,
            body=DailyPricesBody(prices=[DailyPriceIn(date=arrival, price=eur(12000))]),
            idempotency_key=key(),
            if_match=plan.etag,
        ),
        200,
        DailyPriceList,
    )

    extra = parsed(
        await create_extra.asyncio_detailed(
            client=admin, body=CreateExtraBody(name="Paddle jacket", price=eur(500)), idempotency_key=key()
        ),
        201,
        ExtraOut,
    )
    product = parsed(
        await create_pass_product.asyncio_detailed(
            client=admin,
            body=CreatePassProductBody(name="5 classes", credits_=5, validity_days=365, price=eur(9000)),
            idempotency_key=key(),
        ),
        201,
        PassProductOut,
    )

    # An account customer signs up; the desk credits their wallet and sells them a pass.
    customer_email = f"kari-{uuid.uuid4().hex[:8]}@example.com"
    customer = authenticated(
        parsed(
            await sign_up.asyncio_detailed(
                company.id,
                client=anonymous,
                body=SignupRequest(email=customer_email, password=PASSWORD, display_name="Kari Nordmann"),
            ),
            201,
            TokenResponse,
        )
    )

    [found] = parsed(
        await list_customers.asyncio_detailed(client=staff, q=customer_email), 200, CustomerList
    ).customers
    credited = parsed(
        await credit_customer_wallet.asyncio_detailed(
            found.id,
            client=staff,
            body=WalletChangeBody(
                amount=AmountIn(amount_minor=5000, currency_code="EUR"), reason="50 EUR paid at the desk"
            ),
            idempotency_key=key(),
        ),
        201,
        WalletOut,
    )
    assert credited.main_balance.amount_minor == 5000
    sold = parsed(
        await issue_customer_pass.asyncio_detailed(
            found.id,
            client=staff,
            body=IssuePassBody(product_id=product.id, sale=IssuePassBodySale.CASH),
            idempotency_key=key(),
        ),
        201,
        StaffPassOut,
    )

    # They book the first class from the wallet and the second with the pass.

    async def book(session_id: str, payment: PaymentIn) -> CustomerBookingOut:
        made = await create_booking.asyncio_detailed(
            client=customer,
            body=CreateBookingBody(session_id=session_id, payment=payment),
            idempotency_key=key(),
        )
        # A customer's booking: its next_action while a card awaits 3-D Secure (none here).
        booking = parsed(made, 202, CustomerBookingOut)
        assert booking.next_action is None
        return await until_status(
            lambda: get_booking.asyncio_detailed(booking.id, client=customer), "CONFIRMED", "REJECTED"
        )

    by_wallet = await book(series.sessions[0].id, PaymentIn(use_wallet=True))
    by_pass = await book(series.sessions[2].id, PaymentIn(entitlement_id=sold.id))
    assert (by_wallet.status, by_wallet.wallet_debited.amount_minor) == ("CONFIRMED", 2000)
    assert (by_pass.status, by_pass.pass_covered.amount_minor) == ("CONFIRMED", 2000)
    wallet = parsed(await get_wallet.asyncio_detailed(client=customer), 200, WalletOut)
    assert wallet.main_balance.amount_minor == 3000

    # A guest books two nights in a cabin with a card, no account; the manage link shows it.

    guest = parsed(
        await create_guest_resource_booking.asyncio_detailed(
            company.id,
            cabin.id,
            client=anonymous,
            body=GuestResourceBookingBody(
                guest=GuestIn(name="Guest Gunnar", email=f"gunnar-{uuid.uuid4().hex[:8]}@example.com"),
                card_token="tok_visa",
                unit_id=units[0].id,
                check_in_date=arrival,
                check_out_date=arrival + timedelta(days=2),
            ),
            idempotency_key=key(),
        ),
        202,
        GuestBookingCreated,
    )

    async def guest_view() -> Response[Any]:
        return await get_guest_booking.asyncio_detailed(
            guest.booking.id, client=anonymous, authorization=f"Bearer {guest.manage_token}"
        )

    await until_status(guest_view, "CONFIRMED", "REJECTED")
    seen = parsed(await guest_view(), 200, GuestBookingOut).booking
    assert (seen.status, seen.total_price.amount_minor) == ("CONFIRMED", 12000 + 9000)
    assert guest.reference

    # A walk-in rents the kayak for two hours, booked by staff and paid in cash at the desk.

    walk_in = parsed(
        await create_customer.asyncio_detailed(
            client=staff,
            body=CreateCustomerBody(
                display_name="Walk In", email=f"walkin-{uuid.uuid4().hex[:8]}@example.com"
            ),
            idempotency_key=key(),
        ),
        201,
        CustomerOut,
    )
    start = (datetime.now(UTC) + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    rental = parsed(
        await create_booking_for_customer.asyncio_detailed(
            client=staff,
            body=StaffBookingBody(
                customer_id=walk_in.id,
                resource_id=kayak.id,
                start_time=start,
                end_time=start + timedelta(hours=2),
                payment=StaffPaymentIn(desk=StaffPaymentInDeskType0.CASH),
            ),
            idempotency_key=key(),
        ),
        202,
        StaffBookingOut,
    )
    rental = await until_status(
        lambda: get_company_booking.asyncio_detailed(rental.id, client=staff), "CONFIRMED", "REJECTED"
    )
    assert (rental.status, rental.desk_paid.amount_minor, rental.booked_by_user_id) == (
        "CONFIRMED",
        3000,
        staff_id,
    )

    # The audit log shows each change with who made it.

    [customer_user] = parsed(
        await list_users.asyncio_detailed(client=admin, email=customer_email), 200, UserList
    ).users
    expected = {
        ("company", company.id): root_user.id,
        ("resource", studio.id): admin_id,
        ("resource", cabin.id): admin_id,
        ("resource", kayak.id): admin_id,
        ("invite", admin_invite.id): root_user.id,
        ("invite", staff_invite.id): admin_id,
        ("session_series", series.series_id): admin_id,
        ("unit", units[0].id): admin_id,
        ("rate_plan", plan.id): admin_id,
        ("extra", extra.id): admin_id,
        ("pass_product", product.id): admin_id,
        ("entitlement", sold.id): staff_id,
        ("customer", walk_in.id): staff_id,
        ("booking", by_wallet.id): customer_user.id,
        ("booking", rental.id): staff_id,
    }

    async def everything() -> list[AuditEntryOut]:
        found: list[AuditEntryOut] = []
        token: str | None = None
        while True:
            page = parsed(
                await list_audit_entries.asyncio_detailed(
                    client=root, company_id=company.id, page_size=100, page_token=token
                ),
                200,
                AuditEntryList,
            )
            found.extend(page.entries)
            if not page.has_more:
                return found
            token = page.next_page_token

    missing: set[tuple[str, str]] = set()

    async def all_logged() -> list[AuditEntryOut] | None:
        entries = await everything()
        missing.clear()
        missing.update(set(expected) - {(e.entity_type, e.entity_id) for e in entries})
        return None if missing else entries

    try:
        entries = await eventually(all_logged, message="not every change reached the audit log")
    except AssertionError as error:
        raise AssertionError(f"{error}; missing: {sorted(missing)}") from None
    actors = {(e.entity_type, e.entity_id): e.actor_user_id for e in entries}
    assert {k: actors[k] for k in expected} == expected
    actions = {(e.entity_type, e.entity_id): e.action for e in entries}
    assert (actions[("booking", by_wallet.id)], actions[("booking", rental.id)]) == (
        "create",
        "create_on_behalf",
    )
    assert any(e.entity_type == "wallet" and e.actor_user_id == staff_id for e in entries)
