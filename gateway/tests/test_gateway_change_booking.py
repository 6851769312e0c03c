"""POST /v1/bookings/{id}/change: the owner moves the end, idempotently; refusals as problem+json."""

from __future__ import annotations

import uuid

import pytest

from bookingplatform.bookings.v1 import bookings_pb2

pytestmark = pytest.mark.integration


async def confirmed_booking(http, account, fake_platform) -> dict:
    reply = await http.post(
        "/v1/bookings",
        json={"session_id": str(uuid.uuid4()), "quantity": 1, "payment": {"use_wallet": True}},
        headers={**account.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert reply.status_code == 202, reply.text
    booking = reply.json()
    fake_platform.bookings.bookings[booking["id"]].status = bookings_pb2.BOOKING_STATUS_CONFIRMED
    return booking


async def change(http, account, booking_id: str, body: dict, *, key: str | None = None):
    return await http.post(
        f"/v1/bookings/{booking_id}/change",
        json=body,
        headers={**account.headers, "Idempotency-Key": key or str(uuid.uuid4())},
    )


async def test_the_owner_moves_the_end_once_per_idempotency_key(http, make_account, fake_platform):
    customer = await make_account()
    booking = await confirmed_booking(http, customer, fake_platform)
    key = str(uuid.uuid4())
    body = {"end_time": "2030-03-17T18:30:00+01:00"}

    first = await change(http, customer, booking["id"], body, key=key)
    replay = await change(http, customer, booking["id"], body, key=key)

    assert first.status_code == 202, first.text
    assert first.json()["end_time"] == "2030-03-17T17:30:00Z"
    assert first.headers["location"] == f"/v1/bookings/{booking['id']}"
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()
    assert fake_platform.bookings.change_calls[key] == 1
    sent = await change(http, customer, booking["id"], {"end_time": "2030-03-17T19:00:00Z"}, key=key)
    assert sent.status_code == 422
    assert sent.json()["code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_a_body_gives_exactly_one_end_with_an_offset(http, make_account, fake_platform):
    customer = await make_account()
    booking = await confirmed_booking(http, customer, fake_platform)

    both = await change(
        http, customer, booking["id"], {"end_time": "2030-03-17T18:30:00Z", "check_out_date": "2030-03-20"}
    )
    none = await change(http, customer, booking["id"], {})
    naive = await change(http, customer, booking["id"], {"end_time": "2030-03-17T18:30:00"})
    unknown = await change(http, customer, booking["id"], {"check_out_date": "2030-03-20", "start_time": "x"})

    assert [r.status_code for r in (both, none, naive, unknown)] == [400, 400, 400, 400]
    assert both.headers["content-type"] == "application/problem+json"


async def test_another_customer_gets_not_found_and_nothing_changes(http, make_account, fake_platform):
    owner, stranger = await make_account(), await make_account()
    booking = await confirmed_booking(http, owner, fake_platform)
    key = str(uuid.uuid4())

    reply = await change(http, stranger, booking["id"], {"check_out_date": "2030-03-20"}, key=key)

    assert reply.status_code == 404
    assert reply.json()["code"] == "BOOKING_NOT_FOUND"
    assert fake_platform.bookings.change_calls[key] == 0


async def test_a_refusal_of_the_service_is_a_409_problem(http, make_account, fake_platform):
    customer = await make_account()
    booking = await confirmed_booking(http, customer, fake_platform)
    fake_platform.bookings.bookings[booking["id"]].status = bookings_pb2.BOOKING_STATUS_CANCELLED

    reply = await change(http, customer, booking["id"], {"check_out_date": "2030-03-20"})

    assert reply.status_code == 409
    assert reply.json()["code"] == "BOOKING_NOT_CHANGEABLE"
    assert reply.json()["instance"] == f"/v1/bookings/{booking['id']}/change"


async def test_change_needs_an_idempotency_key(http, make_account, fake_platform):
    customer = await make_account()
    booking = await confirmed_booking(http, customer, fake_platform)

    reply = await http.post(
        f"/v1/bookings/{booking['id']}/change",
        json={"check_out_date": "2030-03-20"},
        headers=customer.headers,
    )

    assert reply.status_code == 400
    assert reply.json()["code"] == "IDEMPOTENCY_KEY_REQUIRED"
