"""The front desk on real catalog and bookings servers: a walk-in booked by staff and paid at
the desk (CONFIRMED at once, no saga step, the staff member recorded and audited), the
company's cancellation with a full refund at the desk, attendance overrides with a reason,
and a company's bookings filtered by status and period.

The staff member's calls go through plumbing's channel, which sends the principal as the
gateway's calls do; `shift` moves a booking's times by SQL, as the lifecycle tests do, to be
past its start without waiting.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import grpc
import pytest
from google.protobuf.struct_pb2 import Struct
from grpc import aio
from sqlalchemy import text

import bookings.bootstrap
import catalog.bootstrap
from bookingplatform.bookings.v1 import bookings_pb2, bookings_pb2_grpc
from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from bookings.adapters import repository
from plumbing.db import Database
from plumbing.grpc_client import channel
from plumbing.grpc_server import error_reason
from plumbing.principal import Principal, Role, acting_as
from plumbing.testing import isolated_infrastructure

pytestmark = pytest.mark.integration

S = bookings_pb2
PRICE = 2500


@dataclass
class Env:
    bookings: bookings_pb2_grpc.BookingsServiceStub
    catalog: catalog_pb2_grpc.CatalogServiceStub
    db: Database


@pytest.fixture(scope="module")
async def env(database_url):
    async with isolated_infrastructure(database_url, "front_desk") as (own_database, nats_url):
        catalog_service = await catalog.bootstrap.start(
            catalog.bootstrap.Settings(database_url=own_database, nats_url=nats_url)
        )
        booking_service = await bookings.bootstrap.start(
            bookings.bootstrap.Settings(
                database_url=own_database,
                nats_url=nats_url,
                catalog_addr=catalog_service.address,
                lifecycle_sweep_seconds=3600,
            )
        )
        bookings_channel = channel(booking_service.address)
        catalog_channel = channel(catalog_service.address)
        db = Database(own_database, pool_size=4)
        yield Env(
            bookings=bookings_pb2_grpc.BookingsServiceStub(bookings_channel),
            catalog=catalog_pb2_grpc.CatalogServiceStub(catalog_channel),
            db=db,
        )
        await db.close()
        await bookings_channel.close()
        await catalog_channel.close()
        await booking_service.stop(0.2)
        await catalog_service.stop(0.2)


@dataclass
class Desk:
    company_id: str
    session: catalog_pb2.Session
    customer: catalog_pb2.Customer
    staff: Principal


async def a_desk(env: Env, *windows: tuple[int, int]) -> Desk:
    """A company whose studio has a session two days ahead, its refund steps `windows`
    (minutes before the start, percent)."""
    company = (
        await env.catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(name="Front desk", time_zone="UTC", currency_code="EUR")
        )
    ).company
    resource = (
        await env.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=company.id,
                name="Studio",
                booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
                policy=catalog_pb2.ResourcePolicy(
                    check_in_deadline_minutes=15,
                    no_show_grace_minutes=10,
                    cancellation_windows=[
                        catalog_pb2.CancellationWindow(minutes_before_start=m, refund_percent=p)
                        for m, p in windows
                    ],
                ),
            )
        )
    ).resource
    request = catalog_pb2.CreateSessionRequest(
        resource_id=resource.id, capacity=5, price=money_pb2.Money(amount_minor=PRICE, currency_code="EUR")
    )
    start = datetime.now(UTC) + timedelta(days=2)
    request.start_time.FromDatetime(start)
    request.end_time.FromDatetime(start + timedelta(hours=1))
    session = (await env.catalog.CreateSession(request)).session
    customer = (
        await env.catalog.CreateCustomer(
            catalog_pb2.CreateCustomerRequest(
                company_id=company.id, display_name="Walk In", email=f"{uuid.uuid4().hex[:8]}@example.com"
            )
        )
    ).customer
    staff = Principal(role=Role.STAFF, company_id=company.id, user_id=str(uuid.uuid4()))
    return Desk(company.id, session, customer, staff)


def desk_booking(desk: Desk, payment=S.DESK_PAYMENT_CASH, **plan) -> bookings_pb2.CreateBookingRequest:
    return bookings_pb2.CreateBookingRequest(
        request_id=str(uuid.uuid4()),
        customer_id=desk.customer.id,
        session_id=desk.session.id,
        quantity=1,
        payment_plan=bookings_pb2.PaymentPlan(desk_payment=payment, **plan),
    )


async def walk_in(env: Env, desk: Desk) -> bookings_pb2.Booking:
    with acting_as(desk.staff):
        return (await env.bookings.CreateBooking(desk_booking(desk))).booking


async def refused(call) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(aio.AioRpcError) as raised:
        await call
    return raised.value.code(), error_reason(raised.value) or ""


async def audit_rows(env: Env, booking_id: str) -> list[tuple]:
    async with env.db.transaction() as conn:
        rows = await conn.execute(
            text(
                "SELECT action, actor_user_id, actor_role, reason FROM bookings.audit_log"
                " WHERE entity_type = 'booking' AND entity_id = :id ORDER BY occurred_at"
            ),
            {"id": booking_id},
        )
        return [tuple(row) for row in rows]


async def shift_start(env: Env, booking_id: str, starts_in: timedelta) -> None:
    """Moves the booking's times together so that it starts `starts_in` from now."""
    async with env.db.transaction() as conn:
        await conn.execute(
            text(
                "UPDATE bookings.bookings SET"
                " end_time = end_time + (now() + :starts_in - start_time),"
                " check_in_deadline = check_in_deadline + (now() + :starts_in - start_time),"
                " no_show_at = no_show_at + (now() + :starts_in - start_time),"
                " start_time = now() + :starts_in"
                " WHERE id = :id"
            ),
            {"id": booking_id, "starts_in": starts_in},
        )


async def test_a_walk_in_paid_in_cash_is_confirmed_at_once_with_the_staff_member_recorded(env):
    desk = await a_desk(env)
    booking = await walk_in(env, desk)
    assert booking.status == S.BOOKING_STATUS_CONFIRMED
    assert booking.payment_plan.desk_payment == S.DESK_PAYMENT_CASH
    assert booking.desk_paid_minor == PRICE
    assert (booking.wallet_debited_minor, booking.bonus_debited_minor, booking.card_charged_minor) == (
        0,
        0,
        0,
    )
    assert booking.booked_by_user_id == desk.staff.user_id
    async with env.db.transaction() as conn:
        commands = (
            await conn.execute(
                text("SELECT count(*) FROM bookings.saga_steps WHERE saga_id = :saga AND kind = 'command'"),
                {"saga": booking.saga_id},
            )
        ).scalar()
    assert commands == 0  # nothing for a participant to collect
    assert await audit_rows(env, booking.id) == [("create_on_behalf", desk.staff.user_id, "STAFF", None)]


async def test_only_staff_take_desk_payments_and_only_alone(env):
    desk = await a_desk(env)
    customer = Principal(role=Role.CUSTOMER, company_id=desk.company_id, customer_id=desk.customer.id)
    with acting_as(customer):
        by_customer = await refused(env.bookings.CreateBooking(desk_booking(desk)))
    with acting_as(desk.staff):
        with_wallet = await refused(env.bookings.CreateBooking(desk_booking(desk, use_wallet=True)))
        unknown = await refused(env.bookings.CreateBooking(desk_booking(desk, payment=7)))
    assert by_customer == (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED")
    assert with_wallet == (grpc.StatusCode.INVALID_ARGUMENT, "DESK_PAYMENT_EXCLUSIVE")
    assert unknown == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_DESK_PAYMENT")
    async with env.db.transaction() as conn:
        count = (
            await conn.execute(
                text("SELECT count(*) FROM bookings.bookings WHERE customer_id = :c"), {"c": desk.customer.id}
            )
        ).scalar()
    assert count == 0


async def test_the_company_cancels_with_a_reason_and_gives_everything_back_at_the_desk(env):
    desk = await a_desk(env)
    booking = await walk_in(env, desk)
    await shift_start(env, booking.id, timedelta(minutes=5))  # past any customer's free cancellation
    cancel = bookings_pb2.CancelBookingRequest(
        request_id=str(uuid.uuid4()), booking_id=booking.id, by_company=True
    )
    with acting_as(desk.staff):
        no_reason = await refused(env.bookings.CancelBooking(cancel))
        cancel.reason = "instructor ill"
        cancelled = (await env.bookings.CancelBooking(cancel)).booking
    other_company = Principal(role=Role.STAFF, company_id=str(uuid.uuid4()), user_id=str(uuid.uuid4()))
    second = await walk_in(env, desk)
    with acting_as(other_company):
        foreign = await refused(
            env.bookings.CancelBooking(
                bookings_pb2.CancelBookingRequest(
                    request_id=str(uuid.uuid4()), booking_id=second.id, by_company=True, reason="x"
                )
            )
        )
    assert no_reason == (grpc.StatusCode.INVALID_ARGUMENT, "REASON_REQUIRED")
    assert cancelled.status == S.BOOKING_STATUS_CANCELLED
    assert (cancelled.refund.percent, cancelled.refund.desk_minor) == (100, PRICE)
    assert (cancelled.refund.card_minor, cancelled.refund.wallet_minor) == (0, 0)
    assert cancelled.cancel_reason == "instructor ill"
    assert foreign == (grpc.StatusCode.NOT_FOUND, "BOOKING_NOT_FOUND")
    assert (await audit_rows(env, booking.id))[-1] == (
        "cancel_by_company",
        desk.staff.user_id,
        "STAFF",
        "instructor ill",
    )


async def test_the_cancellation_preview_is_what_the_cancellation_then_refunds(env):
    # A week ahead: everything back; later: half. The session is two days ahead.
    desk = await a_desk(env, (7 * 24 * 60, 100), (0, 50))
    booking = await walk_in(env, desk)
    customer = Principal(role=Role.CUSTOMER, company_id=desk.company_id, customer_id=desk.customer.id)
    asked = bookings_pb2.PreviewCancellationRequest(booking_id=booking.id, customer_id=desk.customer.id)
    with acting_as(customer):
        preview = await env.bookings.PreviewCancellation(asked)
        as_company = await refused(
            env.bookings.PreviewCancellation(
                bookings_pb2.PreviewCancellationRequest(booking_id=booking.id, by_company=True)
            )
        )
    with acting_as(desk.staff):
        for_company = await env.bookings.PreviewCancellation(
            bookings_pb2.PreviewCancellationRequest(booking_id=booking.id, by_company=True)
        )
        someone_else = await refused(
            env.bookings.PreviewCancellation(
                bookings_pb2.PreviewCancellationRequest(booking_id=booking.id, customer_id=str(uuid.uuid4()))
            )
        )
    assert (preview.percent, preview.desk_minor, preview.currency_code) == (50, PRICE // 2, "EUR")
    assert (preview.card_minor, preview.wallet_minor, preview.credits) == (0, 0, 0)
    assert preview.HasField("preview_time")
    assert (for_company.percent, for_company.desk_minor) == (100, PRICE)
    assert as_company == (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED")
    assert someone_else == (grpc.StatusCode.NOT_FOUND, "BOOKING_NOT_FOUND")

    with acting_as(customer):
        cancelled = (
            await env.bookings.CancelBooking(
                bookings_pb2.CancelBookingRequest(
                    request_id=str(uuid.uuid4()), booking_id=booking.id, customer_id=desk.customer.id
                )
            )
        ).booking
        after = await refused(env.bookings.PreviewCancellation(asked))
    refund = cancelled.refund
    assert (refund.percent, refund.card_minor, refund.wallet_minor, refund.credits, refund.desk_minor) == (
        preview.percent,
        preview.card_minor,
        preview.wallet_minor,
        preview.credits,
        preview.desk_minor,
    )
    assert after == (grpc.StatusCode.FAILED_PRECONDITION, "BOOKING_NOT_CANCELLABLE")
    started = await walk_in(env, desk)
    await shift_start(env, started.id, timedelta(minutes=-1))
    with acting_as(desk.staff):
        begun = await refused(
            env.bookings.PreviewCancellation(bookings_pb2.PreviewCancellationRequest(booking_id=started.id))
        )
    assert begun == (grpc.StatusCode.FAILED_PRECONDITION, "BOOKING_ALREADY_STARTED")


async def company_preview_or_refusal(env, booking_id: str) -> SimpleNamespace:
    try:
        preview = await env.bookings.PreviewCancellation(
            bookings_pb2.PreviewCancellationRequest(booking_id=booking_id, by_company=True)
        )
    except aio.AioRpcError as error:
        return SimpleNamespace(refused_reason=error_reason(error) or "", percent=0)
    return SimpleNamespace(refused_reason="", percent=preview.percent)


async def test_the_day_views_previews_are_one_call_each_booking_as_its_own_preview_says(env):
    # PreviewCompanyCancellations: each of the company's bookings named gets what
    # PreviewCancellation by the company answers (or its refusal); another company's is left out.
    desk = await a_desk(env, (7 * 24 * 60, 100), (0, 50))
    confirmed, cancelled, started = [await walk_in(env, desk) for _ in range(3)]
    await shift_start(env, started.id, timedelta(minutes=-1))
    other = await a_desk(env, (0, 100))
    foreign = await walk_in(env, other)
    with acting_as(desk.staff):
        await env.bookings.CancelBooking(
            bookings_pb2.CancelBookingRequest(
                request_id=str(uuid.uuid4()), booking_id=cancelled.id, by_company=True, reason="closed"
            )
        )
        single = await env.bookings.PreviewCancellation(
            bookings_pb2.PreviewCancellationRequest(booking_id=confirmed.id, by_company=True)
        )
        started_single = await company_preview_or_refusal(env, started.id)
        batch = await env.bookings.PreviewCompanyCancellations(
            bookings_pb2.PreviewCompanyCancellationsRequest(
                company_id=desk.company_id,
                booking_ids=[confirmed.id, cancelled.id, started.id, foreign.id, str(uuid.uuid4())],
            )
        )
        too_many = await refused(
            env.bookings.PreviewCompanyCancellations(
                bookings_pb2.PreviewCompanyCancellationsRequest(
                    company_id=desk.company_id, booking_ids=[str(uuid.uuid4()) for _ in range(201)]
                )
            )
        )
        another_company = await refused(
            env.bookings.PreviewCompanyCancellations(
                bookings_pb2.PreviewCompanyCancellationsRequest(
                    company_id=other.company_id, booking_ids=[foreign.id]
                )
            )
        )
    customer = Principal(role=Role.CUSTOMER, company_id=desk.company_id, customer_id=desk.customer.id)
    with acting_as(customer):
        as_customer = await refused(
            env.bookings.PreviewCompanyCancellations(
                bookings_pb2.PreviewCompanyCancellationsRequest(
                    company_id=desk.company_id, booking_ids=[confirmed.id]
                )
            )
        )

    by_id = {entry.booking_id: entry for entry in batch.previews}
    assert sorted(by_id) == sorted([confirmed.id, cancelled.id, started.id])  # not the other company's
    preview = by_id[confirmed.id].preview
    assert (preview.percent, preview.desk_minor, preview.currency_code) == (100, PRICE, "EUR")
    assert (preview.percent, preview.desk_minor) == (single.percent, single.desk_minor)
    assert not by_id[confirmed.id].refused_reason
    assert by_id[cancelled.id].refused_reason == "BOOKING_NOT_CANCELLABLE"
    assert not by_id[cancelled.id].HasField("preview")
    begun = by_id[started.id]  # the company cancels even a begun booking, as PreviewCancellation says
    assert (begun.refused_reason, begun.preview.percent) == (
        started_single.refused_reason,
        started_single.percent,
    )
    assert too_many == (grpc.StatusCode.INVALID_ARGUMENT, "TOO_MANY_BOOKINGS")
    assert another_company == (grpc.StatusCode.NOT_FOUND, "COMPANY_NOT_FOUND")
    assert as_customer == (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED")


async def test_the_company_cannot_cancel_again_what_the_customer_cancelled_only_replay_its_own(env):
    """The customer cancelled in the 50 % window: the company's full refund and its reason would
    be dropped behind a 200, so its cancellation is refused; its own cancel asked again (the
    same reason) answers the booking as it is."""
    desk = await a_desk(env, (7 * 24 * 60, 100), (0, 50))
    by_customer, by_company = await walk_in(env, desk), await walk_in(env, desk)
    customer = Principal(role=Role.CUSTOMER, company_id=desk.company_id, customer_id=desk.customer.id)

    def company_cancel(booking_id: str, reason: str) -> bookings_pb2.CancelBookingRequest:
        return bookings_pb2.CancelBookingRequest(
            request_id=str(uuid.uuid4()), booking_id=booking_id, by_company=True, reason=reason
        )

    with acting_as(customer):
        await env.bookings.CancelBooking(
            bookings_pb2.CancelBookingRequest(
                request_id=str(uuid.uuid4()), booking_id=by_customer.id, customer_id=desk.customer.id
            )
        )
    with acting_as(desk.staff):
        closed = await refused(
            env.bookings.CancelBooking(company_cancel(by_customer.id, "we closed the lake"))
        )
        first = (await env.bookings.CancelBooking(company_cancel(by_company.id, "storm"))).booking
        again = (await env.bookings.CancelBooking(company_cancel(by_company.id, "storm"))).booking
        other_reason = await refused(env.bookings.CancelBooking(company_cancel(by_company.id, "flood")))
        seen = (
            await env.bookings.GetBooking(bookings_pb2.GetBookingRequest(booking_id=by_customer.id))
        ).booking

    assert closed == (grpc.StatusCode.FAILED_PRECONDITION, "BOOKING_NOT_CANCELLABLE")
    assert (seen.refund.percent, seen.cancel_reason) == (50, "")
    assert (first.refund.percent, again.refund.percent, again.cancel_reason) == (100, 100, "storm")
    assert other_reason == (grpc.StatusCode.FAILED_PRECONDITION, "BOOKING_NOT_CANCELLABLE")
    assert [row[0] for row in await audit_rows(env, by_company.id)].count("cancel_by_company") == 1


async def test_staff_mark_a_no_show_after_the_start_and_can_overturn_it(env):
    desk = await a_desk(env)
    booking = await walk_in(env, desk)

    def override(no_show: bool, reason: str = "front desk saw it") -> bookings_pb2.OverrideNoShowRequest:
        return bookings_pb2.OverrideNoShowRequest(
            request_id=str(uuid.uuid4()), booking_id=booking.id, no_show=no_show, reason=reason
        )

    with acting_as(desk.staff):
        too_early = await refused(env.bookings.OverrideNoShow(override(True)))
        await shift_start(env, booking.id, timedelta(minutes=-5))
        no_reason = await refused(env.bookings.OverrideNoShow(override(True, reason=" ")))
        no_show = (await env.bookings.OverrideNoShow(override(True, "did not come"))).booking
        again = (await env.bookings.OverrideNoShow(override(True, "did not come"))).booking
        came = (await env.bookings.OverrideNoShow(override(False, "arrived late, seen at the door"))).booking
    customer = Principal(role=Role.CUSTOMER, company_id=desk.company_id, customer_id=desk.customer.id)
    with acting_as(customer):
        by_customer = await refused(env.bookings.OverrideNoShow(override(True)))
    assert too_early == (grpc.StatusCode.FAILED_PRECONDITION, "BOOKING_NOT_STARTED")
    assert no_reason == (grpc.StatusCode.INVALID_ARGUMENT, "REASON_REQUIRED")
    assert (no_show.status, no_show.no_show_override_reason) == (S.BOOKING_STATUS_NO_SHOW, "did not come")
    assert again.status == S.BOOKING_STATUS_NO_SHOW
    assert came.status == S.BOOKING_STATUS_CHECKED_IN and came.HasField("checked_in_time")
    assert came.no_show_override_reason == "arrived late, seen at the door"
    assert by_customer == (grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED")
    overrides = [row for row in await audit_rows(env, booking.id) if row[0] == "override_no_show"]
    assert [row[3] for row in overrides] == ["did not come", "arrived late, seen at the door"]
    # The desk's no-show is published once (the customer is e-mailed); asking again is not.
    async with env.db.transaction() as conn:
        payloads = (
            await conn.execute(
                text("SELECT payload FROM bookings.outbox WHERE subject = 'bookings.events.no_show'")
            )
        ).scalars()
        events = [Struct.FromString(p) for p in payloads]
    assert [e["status"] for e in events if e["booking_id"] == booking.id] == ["NO_SHOW"]
    # Overturning it is published too, once, so the customer's "you missed it" is corrected.
    async with env.db.transaction() as conn:
        payloads = (
            await conn.execute(
                text(
                    "SELECT payload FROM bookings.outbox WHERE subject = 'bookings.events.no_show_overturned'"
                )
            )
        ).scalars()
        overturned = [Struct.FromString(p) for p in payloads]
    assert [(e["status"], e["customer_id"]) for e in overturned if e["booking_id"] == booking.id] == [
        ("CHECKED_IN", desk.customer.id)
    ]


# 1: every page of a period comes from the period's index (bookings.adapters.repository).
@pytest.mark.parametrize("probe_rows", [repository.PROBE_ROWS, 1])
async def test_a_companys_bookings_filter_by_status_and_period_with_has_more(env, probe_rows, monkeypatch):
    monkeypatch.setattr(repository, "PROBE_ROWS", probe_rows)
    desk = await a_desk(env)
    kept = [await walk_in(env, desk) for _ in range(3)]
    cancelled = await walk_in(env, desk)
    with acting_as(desk.staff):
        await env.bookings.CancelBooking(
            bookings_pb2.CancelBookingRequest(
                request_id=str(uuid.uuid4()), booking_id=cancelled.id, by_company=True, reason="double"
            )
        )

    async def listed(**filters) -> list[str]:
        ids, token = [], ""
        while True:
            reply = await env.bookings.ListBookings(
                bookings_pb2.ListBookingsRequest(
                    company_id=desk.company_id, page_size=2, page_token=token, **filters
                )
            )
            assert reply.has_more == bool(reply.next_page_token)
            ids += [b.id for b in reply.bookings]
            token = reply.next_page_token
            if not token:
                return ids

    start = desk.session.start_time.ToDatetime(tzinfo=UTC)
    before, after = bookings_pb2.ListBookingsRequest(), bookings_pb2.ListBookingsRequest()
    before.start_time.FromDatetime(start - timedelta(days=1))
    before.end_time.FromDatetime(start - timedelta(minutes=1))
    after.start_time.FromDatetime(start + timedelta(minutes=30))
    after.end_time.FromDatetime(start + timedelta(days=1))
    assert set(await listed(statuses=[S.BOOKING_STATUS_CONFIRMED])) == {b.id for b in kept}
    assert await listed(statuses=[S.BOOKING_STATUS_CANCELLED]) == [cancelled.id]
    assert await listed(start_time=before.start_time, end_time=before.end_time) == []
    # Every booking is in `after`'s period: the same pages in the same order as unfiltered.
    assert await listed(start_time=after.start_time, end_time=after.end_time) == await listed()
    assert len(await listed()) == 4
    backwards = await refused(
        env.bookings.ListBookings(
            bookings_pb2.ListBookingsRequest(
                company_id=desk.company_id, start_time=after.end_time, end_time=after.start_time
            )
        )
    )
    assert backwards == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_TIME_RANGE")
