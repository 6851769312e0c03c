"""Pay later, PENDING_PAYMENT, settling by card and the refund of a cancellation (customer API)."""

from __future__ import annotations

import uuid

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from bookingplatform.bookings.v1 import bookings_pb2

pytestmark = pytest.mark.integration


def eur(minor: int) -> dict:
    return {"amount_minor": minor, "currency_code": "EUR"}


async def book(http, account, **payment) -> dict:
    reply = await http.post(
        "/v1/bookings",
        json={"session_id": str(uuid.uuid4()), "quantity": 1, "payment": payment or {"use_wallet": True}},
        headers={**account.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert reply.status_code == 202, reply.text
    return reply.json()


def awaiting_payment(fake_platform, booking_id: str) -> bookings_pb2.Booking:
    """Makes the stand-in's booking PENDING_PAYMENT, as the saga does when the wallet lacks funds."""
    booking = fake_platform.bookings.bookings[booking_id]
    booking.status = bookings_pb2.BOOKING_STATUS_PENDING_PAYMENT
    booking.amount_due_minor = booking.total_price.amount_minor
    return booking


async def settle(http, account, booking_id: str, *, key: str | None = None, body: dict | None = None):
    return await http.post(
        f"/v1/bookings/{booking_id}/settle",
        json={"card_token": "tok_visa"} if body is None else body,
        headers={**account.headers, "Idempotency-Key": key or str(uuid.uuid4())},
    )


async def test_pay_later_is_sent_to_bookings_and_shown_in_the_payment_plan(http, make_account, fake_platform):
    account = await make_account()

    booking = await book(http, account, use_wallet=True, pay_later=True)

    assert booking["payment_plan"] == {
        "entitlement_id": None,
        "use_wallet": True,
        "use_card": False,
        "pay_later": True,
    }
    assert fake_platform.bookings.bookings[booking["id"]].payment_plan.pay_later is True
    not_a_bool = await http.post(
        "/v1/bookings",
        json={"session_id": str(uuid.uuid4()), "quantity": 1, "payment": {"pay_later": "soon"}},
        headers={**account.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert not_a_bool.status_code == 400
    assert not_a_bool.json()["code"] == "VALIDATION_FAILED"


async def test_a_pending_payment_booking_shows_the_amount_due(http, make_account, fake_platform):
    account = await make_account()
    booking = await book(http, account, use_wallet=True, pay_later=True)
    awaiting_payment(fake_platform, booking["id"])

    shown = (await http.get(f"/v1/bookings/{booking['id']}", headers=account.headers)).json()

    assert shown["status"] == "PENDING_PAYMENT"
    assert shown["amount_due"] == eur(2500)
    assert shown["refund"] is None


async def test_a_cancelled_booking_shows_its_refund(http, make_account, fake_platform):
    account = await make_account()
    booking = await book(http, account)
    stored = fake_platform.bookings.bookings[booking["id"]]
    stored.status = bookings_pb2.BOOKING_STATUS_CANCELLED
    stored.refund.CopyFrom(
        bookings_pb2.RefundRequest(
            percent=100,
            card_minor=1500,
            wallet_minor=1000,
            credits=1,
            status=bookings_pb2.REFUND_STATUS_REFUNDED,
            create_time=Timestamp(seconds=1_800_000_000),
            saga_id=str(uuid.uuid4()),
        )
    )

    shown = (await http.get(f"/v1/bookings/{booking['id']}", headers=account.headers)).json()

    assert shown["status"] == "CANCELLED"
    assert shown["amount_due"] is None
    assert shown["refund"] == {
        "percent": 100,
        "card": eur(1500),
        "wallet": eur(1000),
        "credits": 1,
        "status": "REFUNDED",
        "create_time": "2027-01-15T08:00:00Z",
    }


async def test_settling_pays_by_card_once_per_idempotency_key(http, make_account, fake_platform):
    account = await make_account()
    booking = await book(http, account, use_wallet=True, pay_later=True)
    awaiting_payment(fake_platform, booking["id"])
    key = str(uuid.uuid4())

    first = await settle(http, account, booking["id"], key=key)
    again = await settle(http, account, booking["id"], key=key)
    other_card = await settle(http, account, booking["id"], key=key, body={"card_token": "tok_other"})

    assert first.status_code == 202, first.text
    assert first.headers["location"] == f"/v1/bookings/{booking['id']}"
    assert first.json()["status"] == "PENDING_PAYMENT"
    assert first.json()["payment_plan"]["use_card"] is True
    assert "tok_visa" not in first.text
    sent = fake_platform.bookings.bookings[booking["id"]]
    assert fake_platform.payments.token_of(sent.payment_plan.payment_method_id) == "tok_visa"
    assert "tok_visa" not in str(sent)
    assert fake_platform.bookings.settle_calls[key] == 1
    assert (again.status_code, again.headers["idempotent-replayed"]) == (202, "true")
    assert again.content == first.content
    assert other_card.status_code == 422
    assert other_card.json()["code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_settling_is_for_the_owner_only(http, make_account, fake_platform):
    alice, bob = await make_account(), await make_account()
    booking = await book(http, alice, use_wallet=True, pay_later=True)
    awaiting_payment(fake_platform, booking["id"])
    key = str(uuid.uuid4())

    bobs = await settle(http, bob, booking["id"], key=key)
    unknown = await settle(http, bob, str(uuid.uuid4()))
    operator = await make_account("PLATFORM_ADMIN")
    as_operator = await settle(http, operator, booking["id"])

    for reply in (bobs, unknown):
        assert reply.status_code == 404
        assert reply.json()["code"] == "BOOKING_NOT_FOUND"
    assert fake_platform.bookings.settle_calls[key] == 0
    assert as_operator.status_code == 403
    assert fake_platform.bookings.bookings[booking["id"]].payment_plan.payment_method_id == ""


async def test_settling_validates_and_maps_the_refusals(http, make_account, fake_platform):
    account = await make_account()
    booking = await book(http, account)  # PENDING: nothing to settle

    no_card = await settle(http, account, booking["id"], body={})
    empty_card = await settle(http, account, booking["id"], body={"card_token": ""})
    no_key = await http.post(
        f"/v1/bookings/{booking['id']}/settle", json={"card_token": "tok_visa"}, headers=account.headers
    )
    not_due = await settle(http, account, booking["id"])
    bad_id = await settle(http, account, "not-a-uuid")

    for reply in (no_card, empty_card, bad_id):
        assert reply.status_code == 400
        assert reply.json()["code"] == "VALIDATION_FAILED"
    assert "card_token or payment_method_id" in no_card.json()["errors"][0]["message"]
    assert (no_key.status_code, no_key.json()["code"]) == (400, "IDEMPOTENCY_KEY_REQUIRED")
    assert not_due.status_code == 409
    assert not_due.json()["code"] == "BOOKING_NOT_AWAITING_PAYMENT"
