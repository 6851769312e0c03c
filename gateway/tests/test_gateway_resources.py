"""JSON shapes of the customer and public endpoints: money, UTC times, short enum names."""

from __future__ import annotations

import uuid

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2

pytestmark = pytest.mark.integration


async def create(http, account, **payment) -> dict:
    extra_id = str(uuid.uuid4())
    reply = await http.post(
        "/v1/bookings",
        json={
            "session_id": str(uuid.uuid4()),
            "quantity": 2,
            "extras": [{"extra_id": extra_id, "quantity": 1}],
            "payment": payment or {"use_wallet": True, "card_token": "tok_visa"},
        },
        headers={**account.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert reply.status_code == 202, reply.text
    assert reply.headers["location"] == f"/v1/bookings/{reply.json()['id']}"
    return reply.json()


async def test_a_new_booking_is_202_pending_with_money_times_and_short_enums(
    http, make_account, fake_platform
):
    account = await make_account()

    booking = await create(http, account)

    assert booking["status"] == "PENDING"
    assert booking["booking_model"] == "TIME_SLOT"
    assert booking["customer_id"] == account.customer_id
    assert booking["total_price"] == {"amount_minor": 5000, "currency_code": "EUR"}
    assert booking["wallet_debited"] == {"amount_minor": 0, "currency_code": "EUR"}
    assert booking["start_time"] == "2030-03-17T17:46:40Z"
    assert booking["extras"][0]["unit_price"] == {"amount_minor": 300, "currency_code": "EUR"}
    assert booking["payment_plan"] == {
        "entitlement_id": None,
        "use_wallet": True,
        "use_card": True,
        "pay_later": False,
    }
    assert (booking["amount_due"], booking["refund"]) == (None, None)
    assert "tok_visa" not in str(booking)
    assert booking["reject_reason"] is None
    sent = fake_platform.bookings.bookings[booking["id"]]
    # Bookings gets the payment method payments registered for the token, never the token.
    assert fake_platform.payments.token_of(sent.payment_plan.payment_method_id) == "tok_visa"
    assert "tok_visa" not in str(sent)
    assert sent.quantity == 2


async def test_a_booking_may_name_a_payment_method_instead_of_a_card_token(http, make_account, fake_platform):
    account = await make_account()
    method_id = str(uuid.uuid4())
    registered_before = len(fake_platform.payments.methods)

    booking = await create(http, account, payment_method_id=method_id)
    both = await http.post(
        "/v1/bookings",
        json={
            "session_id": str(uuid.uuid4()),
            "payment": {"card_token": "tok_visa", "payment_method_id": method_id},
        },
        headers={**account.headers, "Idempotency-Key": str(uuid.uuid4())},
    )

    assert fake_platform.bookings.bookings[booking["id"]].payment_plan.payment_method_id == method_id
    assert booking["payment_plan"]["use_card"] is True
    assert len(fake_platform.payments.methods) == registered_before
    assert (both.status_code, both.json()["code"]) == (400, "VALIDATION_FAILED")
    assert "tok_visa" not in both.text


async def test_a_customer_reads_only_their_own_bookings(http, make_account):
    alice, bob = await make_account(), await make_account()
    booking = await create(http, alice)

    mine = await http.get(f"/v1/bookings/{booking['id']}", headers=alice.headers)
    not_bobs = await http.get(f"/v1/bookings/{booking['id']}", headers=bob.headers)
    unknown = await http.get(f"/v1/bookings/{uuid.uuid4()}", headers=bob.headers)

    assert mine.status_code == 200
    assert mine.json() == booking
    for reply in (not_bobs, unknown):
        assert reply.status_code == 404
        assert reply.json()["code"] == "BOOKING_NOT_FOUND"
    assert not_bobs.json()["detail"] == unknown.json()["detail"]


async def test_a_customer_cannot_cancel_someone_elses_booking(http, make_account, fake_platform):
    alice, bob = await make_account(), await make_account()
    booking = await create(http, alice)
    key = str(uuid.uuid4())

    reply = await http.post(
        f"/v1/bookings/{booking['id']}/cancel", headers={**bob.headers, "Idempotency-Key": key}
    )

    assert reply.status_code == 404
    assert fake_platform.bookings.cancel_calls[key] == 0


async def test_my_bookings_are_listed_page_by_page(http, make_account):
    account, other = await make_account(), await make_account()
    ids = {(await create(http, account))["id"] for _ in range(3)}
    await create(http, other)

    first = await http.get("/v1/bookings", params={"page_size": 2}, headers=account.headers)
    token = first.json()["next_page_token"]
    second = await http.get(
        "/v1/bookings", params={"page_size": 2, "page_token": token}, headers=account.headers
    )

    assert first.status_code == second.status_code == 200
    assert len(first.json()["bookings"]) == 2
    assert second.json()["next_page_token"] is None
    assert {b["id"] for b in first.json()["bookings"] + second.json()["bookings"]} == ids
    too_big = await http.get("/v1/bookings", params={"page_size": 500}, headers=account.headers)
    assert too_big.status_code == 400


async def test_my_wallet_entries_and_passes(http, make_account):
    account = await make_account()

    wallet = await http.get("/v1/wallet", headers=account.headers)
    entries = await http.get("/v1/wallet/entries", headers=account.headers)
    passes = await http.get("/v1/passes", headers=account.headers)

    assert wallet.json() == {
        "company_id": account.company_id,
        "customer_id": account.customer_id,
        "main_balance": {"amount_minor": 5000, "currency_code": "EUR"},
        "bonus_balance": {"amount_minor": 700, "currency_code": "EUR"},
    }
    entry = entries.json()["entries"][0]
    assert (entry["kind"], entry["balance_kind"]) == ("DEBIT", "BONUS")
    assert entry["amount"] == {"amount_minor": -700, "currency_code": "EUR"}
    assert entries.json()["next_page_token"] == "next"
    entitlement = passes.json()["entitlements"][0]
    assert entitlement["customer_id"] == account.customer_id
    assert (entitlement["credits_total"], entitlement["credits_available"]) == (10, 6)
    assert entitlement["valid_until_time"].endswith("Z")


async def test_sessions_are_public(http, fake_platform):
    company_id = str(uuid.uuid4())
    session = catalog_pb2.Session(
        id=str(uuid.uuid4()),
        company_id=company_id,
        resource_id=str(uuid.uuid4()),
        start_time=Timestamp(seconds=1_900_000_000),
        end_time=Timestamp(seconds=1_900_003_600),
        capacity=12,
        price=money_pb2.Money(amount_minor=2500, currency_code="EUR"),
        status=catalog_pb2.SESSION_STATUS_OPEN,
    )
    fake_platform.catalog.sessions[session.id] = session

    listed = await http.get(
        "/v1/sessions", params={"company_id": company_id, "from": "2030-01-01T01:00:00+01:00"}
    )
    one = await http.get(f"/v1/sessions/{session.id}")
    missing = await http.get(f"/v1/sessions/{uuid.uuid4()}")
    no_company = await http.get("/v1/sessions")

    assert listed.status_code == 200
    assert listed.json()["sessions"] == [one.json()]
    assert fake_platform.catalog.last_list.start_time_from.ToJsonString() == "2030-01-01T00:00:00Z"
    assert one.json()["status"] == "OPEN"
    assert one.json()["price"] == {"amount_minor": 2500, "currency_code": "EUR"}
    assert missing.status_code == 404
    assert missing.json()["code"] == "SESSION_NOT_FOUND"
    assert no_company.status_code == 400
    assert no_company.json()["errors"][0]["field"] == "company_id"


async def test_the_openapi_document_describes_the_api(http):
    reply = await http.get("/openapi.json")

    assert reply.status_code == 200
    paths = reply.json()["paths"]
    assert {"/v1/auth/token", "/v1/bookings", "/v1/bookings/{booking_id}/cancel", "/v1/ops/sagas"} <= set(
        paths
    )
    created = paths["/v1/bookings"]["post"]["responses"]
    # A customer's booking: the booking and, while its card awaits 3-D Secure, the next action.
    assert created["202"]["content"]["application/json"]["schema"]["$ref"].endswith("/CustomerBookingOut")
    assert "application/problem+json" in created["409"]["content"]
    assert (await http.get("/docs")).status_code == 200
