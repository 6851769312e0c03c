"""The operators' saga search over gRPC (what the console's dashboard asks): by an id the saga
concerns, by kind, time range and attention, with the total of the matches and the counts by kind
and state."""

from datetime import UTC, datetime, timedelta

import grpc
import pytest
from grpc import aio

from bookingplatform.bookings.v1 import bookings_pb2
from plumbing.grpc_server import error_reason
from plumbing.testing import eventually

pytestmark = pytest.mark.e2e


async def test_a_saga_is_found_by_its_booking_customer_and_payment_and_counted(tenant):
    session = await tenant.session(price_minor=2500)
    carla = await tenant.customer()
    other = await tenant.customer(main_minor=10_000)
    created = await carla.book(session.id, card_token="4242424242424242")
    assert created.status_code == 202, created.text
    booking = await carla.wait_for(created.json()["id"], "CONFIRMED")
    by_wallet = await other.book(session.id, use_wallet=True)
    await other.wait_for(by_wallet.json()["id"], "CONFIRMED")
    bookings = tenant.platform.bookings
    saga_id = (
        await bookings.GetBooking(bookings_pb2.GetBookingRequest(booking_id=booking["id"]))
    ).booking.saga_id

    async def both_completed() -> bool:
        # A card booking is CONFIRMED while its saga still captures the payment (FINALIZING).
        listed = await bookings.ListSagas(bookings_pb2.ListSagasRequest(company_id=tenant.company_id))
        return [s.state for s in listed.sagas] == [bookings_pb2.SAGA_STATE_COMPLETED] * 2

    await eventually(both_completed, message="the two sagas never completed")

    async def found(**filters) -> bookings_pb2.ListSagasResponse:
        return await bookings.ListSagas(
            bookings_pb2.ListSagasRequest(company_id=tenant.company_id, include_totals=True, **filters)
        )

    by_saga = await found(search_id=saga_id)
    by_booking = await found(search_id=booking["id"])
    by_customer = await found(search_id=carla.id)
    by_payment = await found(search_id=booking["payment_id"])
    everything = await found()
    bookings_only = await found(kind="booking", state=bookings_pb2.SAGA_STATE_COMPLETED)
    later = datetime.now(UTC) + timedelta(minutes=1)
    request = bookings_pb2.ListSagasRequest(company_id=tenant.company_id, include_totals=True)
    request.created_after.FromDatetime(later)
    none_yet = await bookings.ListSagas(request)
    without_totals = await bookings.ListSagas(bookings_pb2.ListSagasRequest(company_id=tenant.company_id))
    per_minute = bookings_pb2.ListSagasRequest(
        company_id=tenant.company_id, include_totals=True, bucket_seconds=60
    )
    per_minute.created_after.FromDatetime(datetime.now(UTC) - timedelta(hours=1))
    chart = await bookings.ListSagas(per_minute)

    for answer in (by_saga, by_booking, by_customer, by_payment):
        assert [s.id for s in answer.sagas] == [saga_id] and answer.total_size == 1
    assert everything.total_size == 2 and len(everything.sagas) == 2
    assert bookings_only.total_size == 2
    # The counts leave out every filter but the company and the time range; a search's are its matches'.
    assert [(c.kind, c.state, c.count) for c in bookings_only.counts] == [
        ("booking", bookings_pb2.SAGA_STATE_COMPLETED, 2)
    ]
    assert [(c.kind, c.state, c.count) for c in by_payment.counts] == [
        ("booking", bookings_pb2.SAGA_STATE_COMPLETED, 1)
    ]
    flagged = await found(needs_attention=True)
    assert flagged.total_size == 0 and not flagged.sagas
    assert none_yet.total_size == 0 and not none_yet.sagas and not none_yet.counts
    assert sum(b.started for b in chart.buckets) == 2 and sum(b.completed for b in chart.buckets) == 2
    assert sum(b.compensated for b in chart.buckets) == 0
    assert all(
        b.start_time.ToDatetime(UTC) > datetime.now(UTC) - timedelta(hours=1, minutes=1)
        for b in chart.buckets
    )
    assert without_totals.total_size == 0 and not without_totals.counts and len(without_totals.sagas) == 2


async def test_the_dashboard_answers_time_to_terminal_and_the_reasons_of_compensation(tenant):
    session = await tenant.session(price_minor=2500)
    paying = await tenant.customer(main_minor=10_000)
    broke = await tenant.customer(main_minor=100)
    began = datetime.now(UTC)
    for customer in (paying, paying, broke):
        created = await customer.book(session.id, use_wallet=True)
        assert created.status_code == 202, created.text
        await customer.wait_for(created.json()["id"], "CONFIRMED", "REJECTED")
    elapsed = (datetime.now(UTC) - began).total_seconds()
    per_minute = bookings_pb2.ListSagasRequest(
        company_id=tenant.company_id, include_totals=True, bucket_seconds=60
    )
    per_minute.created_after.FromDatetime(began - timedelta(minutes=5))

    chart = await tenant.platform.bookings.ListSagas(per_minute)

    assert sum(b.completed for b in chart.buckets) == 2 and sum(b.compensated for b in chart.buckets) == 1
    for bucket in chart.buckets:
        assert 0 < bucket.p50_seconds_to_terminal <= bucket.p95_seconds_to_terminal <= elapsed
    assert [(r.reason, r.count) for r in chart.compensation_reasons] == [("INSUFFICIENT_FUNDS", 1)]


@pytest.mark.parametrize(
    ("filters", "reason"),
    [
        ({"kind": "holiday"}, "INVALID_KIND"),
        ({"search_id": "not-an-id"}, "INVALID_ID"),
        ({"include_totals": True, "bucket_seconds": 30}, "INVALID_BUCKET"),
    ],
)
async def test_an_unknown_kind_or_a_search_that_is_no_id_is_refused(platform, filters, reason):
    with pytest.raises(aio.AioRpcError) as raised:
        await platform.bookings.ListSagas(bookings_pb2.ListSagasRequest(**filters))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_reason(raised.value) == reason
