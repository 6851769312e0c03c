"""POST /v1/bookings/{id}/check-in: who may check in, idempotency, refusals as problem+json."""

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
    stored = fake_platform.bookings.bookings[booking["id"]]
    stored.status = bookings_pb2.BOOKING_STATUS_CONFIRMED
    stored.check_in_deadline_time.FromSeconds(1_900_000_900)
    return booking


async def check_in(http, account, booking_id: str, *, key: str | None = None):
    return await http.post(
        f"/v1/bookings/{booking_id}/check-in",
        headers={**account.headers, "Idempotency-Key": key or str(uuid.uuid4())},
    )


async def test_the_customer_checks_in_once_per_idempotency_key(http, make_account, fake_platform):
    customer = await make_account()
    booking = await confirmed_booking(http, customer, fake_platform)
    key = str(uuid.uuid4())

    first = await check_in(http, customer, booking["id"], key=key)
    replay = await check_in(http, customer, booking["id"], key=key)

    assert first.status_code == 200, first.text
    body = first.json()
    assert body["status"] == "CHECKED_IN"
    assert body["checked_in_time"] == "2030-03-17T17:30:00Z"
    assert body["check_in_deadline_time"] == "2030-03-17T18:01:40Z"
    assert replay.status_code == 200
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == body
    assert fake_platform.bookings.check_in_calls[key] == 1


async def test_checking_in_again_with_a_new_key_returns_the_booking(http, make_account, fake_platform):
    customer = await make_account()
    booking = await confirmed_booking(http, customer, fake_platform)

    first = await check_in(http, customer, booking["id"])
    again = await check_in(http, customer, booking["id"])

    assert again.status_code == 200
    assert again.json()["status"] == "CHECKED_IN"
    assert again.json()["checked_in_time"] == first.json()["checked_in_time"]


async def test_check_in_needs_an_idempotency_key(http, make_account, fake_platform):
    customer = await make_account()
    booking = await confirmed_booking(http, customer, fake_platform)

    reply = await http.post(f"/v1/bookings/{booking['id']}/check-in", headers=customer.headers)

    assert reply.status_code == 400
    assert reply.json()["code"] == "IDEMPOTENCY_KEY_REQUIRED"


async def test_another_customer_gets_not_found_and_nothing_is_checked_in(http, make_account, fake_platform):
    owner, stranger = await make_account(), await make_account()
    booking = await confirmed_booking(http, owner, fake_platform)
    key = str(uuid.uuid4())

    reply = await check_in(http, stranger, booking["id"], key=key)

    assert reply.status_code == 404
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["code"] == "BOOKING_NOT_FOUND"
    assert fake_platform.bookings.check_in_calls[key] == 0
    assert fake_platform.bookings.bookings[booking["id"]].status == bookings_pb2.BOOKING_STATUS_CONFIRMED


async def test_an_operator_of_the_company_checks_a_customer_in(http, make_account, fake_platform):
    customer = await make_account()
    booking = await confirmed_booking(http, customer, fake_platform)
    other_company = await make_account("COMPANY_ADMIN", company_id=str(uuid.uuid4()))
    of_the_company = await make_account("COMPANY_ADMIN", company_id=booking["company_id"])
    platform_operator = await make_account("PLATFORM_ADMIN")

    outsider = await check_in(http, other_company, booking["id"])
    insider = await check_in(http, of_the_company, booking["id"])
    anyone = await check_in(http, platform_operator, booking["id"])

    assert outsider.status_code == 404
    assert outsider.json()["code"] == "BOOKING_NOT_FOUND"
    assert insider.status_code == 200, insider.text
    assert insider.json()["status"] == "CHECKED_IN"
    assert anyone.status_code == 200


async def test_a_finished_booking_refuses_check_in_with_409(http, make_account, fake_platform):
    customer = await make_account()
    booking = await confirmed_booking(http, customer, fake_platform)
    fake_platform.bookings.bookings[booking["id"]].status = bookings_pb2.BOOKING_STATUS_NO_SHOW

    reply = await check_in(http, customer, booking["id"])

    assert reply.status_code == 409
    assert reply.json()["code"] == "BOOKING_FINISHED"
    assert reply.json()["instance"] == f"/v1/bookings/{booking['id']}/check-in"


async def test_check_in_of_an_unknown_or_malformed_booking(http, make_account):
    customer = await make_account()

    unknown = await check_in(http, customer, str(uuid.uuid4()))
    malformed = await check_in(http, customer, "not-a-uuid")
    anonymous = await http.post(
        f"/v1/bookings/{uuid.uuid4()}/check-in", headers={"Idempotency-Key": str(uuid.uuid4())}
    )

    assert unknown.status_code == 404
    assert unknown.json()["code"] == "BOOKING_NOT_FOUND"
    assert malformed.status_code == 400
    assert anonymous.status_code == 401
