"""Paging through bookings and sagas over gRPC, and the step log a booking's saga writes."""

import uuid

import grpc
import pytest
from grpc import aio

from bookingplatform.bookings.v1 import bookings_pb2
from plumbing.grpc_server import error_reason

pytestmark = pytest.mark.e2e


async def three_confirmed_bookings(tenant) -> list[str]:
    session = await tenant.session(price_minor=1000)
    customer = await tenant.customer(main_minor=10_000)
    ids = []
    for _ in range(3):
        created = await customer.book(session.id, use_wallet=True)
        assert created.status_code == 202, created.text
        ids.append(created.json()["id"])
    for booking_id in ids:
        assert (await customer.wait_for(booking_id, "CONFIRMED", "REJECTED"))["status"] == "CONFIRMED"
    return ids


async def test_a_company_s_bookings_and_sagas_come_in_pages_newest_first(tenant):
    ids = await three_confirmed_bookings(tenant)
    bookings = tenant.platform.bookings

    first = await bookings.ListBookings(
        bookings_pb2.ListBookingsRequest(company_id=tenant.company_id, page_size=2)
    )
    assert len(first.bookings) == 2 and first.next_page_token
    rest = await bookings.ListBookings(
        bookings_pb2.ListBookingsRequest(
            company_id=tenant.company_id, page_size=2, page_token=first.next_page_token
        )
    )
    assert [b.id for b in [*first.bookings, *rest.bookings]] == list(reversed(ids))
    assert rest.next_page_token == ""

    first_sagas = await bookings.ListSagas(
        bookings_pb2.ListSagasRequest(company_id=tenant.company_id, page_size=2)
    )
    rest_sagas = await bookings.ListSagas(
        bookings_pb2.ListSagasRequest(
            company_id=tenant.company_id, page_size=2, page_token=first_sagas.next_page_token
        )
    )
    sagas = [*first_sagas.sagas, *rest_sagas.sagas]
    assert [s.booking_id for s in sagas] == list(reversed(ids))
    assert {s.state for s in sagas} == {bookings_pb2.SAGA_STATE_COMPLETED}
    assert all(not s.steps for s in sagas), "lists carry no step log"
    assert rest_sagas.next_page_token == ""


async def test_a_wallet_booking_s_step_log_reads_hold_command_reply_confirm(tenant):
    booking_id = (await three_confirmed_bookings(tenant))[0]
    bookings = tenant.platform.bookings
    booking = (await bookings.GetBooking(bookings_pb2.GetBookingRequest(booking_id=booking_id))).booking

    saga = (await bookings.GetSaga(bookings_pb2.GetSagaRequest(saga_id=booking.saga_id))).saga

    assert [(s.step, s.kind, s.action, s.attempt, s.outcome) for s in saga.steps] == [
        ("place", "effect", "hold", 1, "HELD"),
        ("wallet", "command", "execute", 1, ""),
        ("wallet", "reply", "execute", 1, "SUCCEEDED"),
        ("booking", "effect", "confirm", 1, "CONFIRMED"),
    ]
    assert saga.steps[1].message_id == f"{saga.id}:wallet:execute:1"
    assert saga.steps[2].amount_minor == 1000


@pytest.mark.parametrize(
    "request_",
    [
        bookings_pb2.ListBookingsRequest(company_id=str(uuid.uuid4()), page_token="not-a-token"),
        bookings_pb2.ListSagasRequest(page_token="bm90IGpzb24"),
    ],
    ids=["bookings", "sagas"],
)
async def test_a_page_token_that_is_not_ours_is_refused(platform, request_):
    call = (
        platform.bookings.ListBookings(request_)
        if isinstance(request_, bookings_pb2.ListBookingsRequest)
        else platform.bookings.ListSagas(request_)
    )
    with pytest.raises(aio.AioRpcError) as raised:
        await call
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_reason(raised.value) == "INVALID_PAGE_TOKEN"
