"""HTTP Idempotency-Key: a booking's key is kept by the bookings service (its request id), every
other change's by the gateway's store on real PostgreSQL: first result stored, replayed, never
run twice."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest
from sqlalchemy import text

from bookingplatform.bookings.v1 import bookings_pb2
from gateway.idempotency import Claim, IdempotencyStore, StoredResponse
from plumbing.errors import FailedPrecondition
from plumbing.testing import eventually

pytestmark = pytest.mark.integration


def booking_body(session_id: str, quantity: int = 1) -> dict:
    return {"session_id": session_id, "quantity": quantity, "payment": {"use_wallet": True}}


async def test_a_booking_without_an_idempotency_key_is_refused_before_any_call(
    http, make_account, fake_platform
):
    account = await make_account()
    session_id = str(uuid.uuid4())
    calls_before = sum(fake_platform.bookings.create_calls.values())

    reply = await http.post("/v1/bookings", json=booking_body(session_id), headers=account.headers)

    assert reply.status_code == 400
    assert reply.json()["code"] == "IDEMPOTENCY_KEY_REQUIRED"
    assert sum(fake_platform.bookings.create_calls.values()) == calls_before


async def test_an_overlong_key_is_a_validation_error(http, make_account):
    account = await make_account()

    reply = await http.post(
        "/v1/bookings",
        json=booking_body(str(uuid.uuid4())),
        headers={**account.headers, "Idempotency-Key": "k" * 300},
    )

    assert reply.status_code == 400
    assert reply.json()["code"] == "VALIDATION_FAILED"
    assert reply.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_a_retried_booking_answers_the_first_booking_and_books_nothing_more(
    http, make_account, fake_platform
):
    account = await make_account()
    key = str(uuid.uuid4())
    headers = {**account.headers, "Idempotency-Key": key}
    body = booking_body(str(uuid.uuid4()))
    bookings_before = len(fake_platform.bookings.bookings)

    first = await http.post("/v1/bookings", json=body, headers=headers)
    again = await http.post("/v1/bookings", json=body, headers=headers)

    assert first.status_code == 202
    assert "idempotent-replayed" not in first.headers
    assert again.status_code == 202
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    # The key went to bookings as the request id both times; bookings made one booking.
    assert fake_platform.bookings.create_calls[key] == 2
    assert len(fake_platform.bookings.bookings) == bookings_before + 1


async def test_a_booking_needs_no_write_of_the_gateways_own(http, make_account, gateway_db):
    account = await make_account()
    key = str(uuid.uuid4())

    created = await http.post(
        "/v1/bookings",
        json=booking_body(str(uuid.uuid4())),
        headers={**account.headers, "Idempotency-Key": key},
    )

    assert created.status_code == 202
    async with gateway_db.transaction() as conn:
        stored = (
            await conn.execute(
                text("SELECT count(*) FROM gateway.idempotency_keys WHERE key = :k"), {"k": key}
            )
        ).scalar()
    assert stored == 0


async def test_the_same_key_with_another_body_is_422(http, make_account, fake_platform):
    account = await make_account()
    key = str(uuid.uuid4())
    headers = {**account.headers, "Idempotency-Key": key}
    session_id = str(uuid.uuid4())
    bookings_before = len(fake_platform.bookings.bookings)

    first = await http.post("/v1/bookings", json=booking_body(session_id, 1), headers=headers)
    other = await http.post("/v1/bookings", json=booking_body(session_id, 2), headers=headers)

    assert first.status_code == 202
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert len(fake_platform.bookings.bookings) == bookings_before + 1


async def test_keys_belong_to_their_principal(http, make_account, fake_platform):
    alice, bob = await make_account(), await make_account()
    key = str(uuid.uuid4())
    body = booking_body(str(uuid.uuid4()))

    for_alice = await http.post("/v1/bookings", json=body, headers={**alice.headers, "Idempotency-Key": key})
    for_bob = await http.post("/v1/bookings", json=body, headers={**bob.headers, "Idempotency-Key": key})

    assert for_alice.status_code == for_bob.status_code == 202
    assert "idempotent-replayed" not in for_bob.headers
    assert for_alice.json()["id"] != for_bob.json()["id"]
    assert fake_platform.bookings.create_calls[key] == 2


async def test_concurrent_bookings_with_one_key_all_answer_the_one_booking(http, make_account, fake_platform):
    account = await make_account()
    headers = {**account.headers, "Idempotency-Key": str(uuid.uuid4())}
    body = booking_body(str(uuid.uuid4()))

    replies = await asyncio.gather(
        *(http.post("/v1/bookings", json=body, headers=headers) for _ in range(12))
    )

    assert {reply.status_code for reply in replies} == {202}
    assert len({reply.json()["id"] for reply in replies}) == 1
    assert sum("idempotent-replayed" not in reply.headers for reply in replies) == 1


async def test_a_refused_booking_is_decided_again_on_retry(http, make_account, fake_platform):
    account = await make_account()
    key = str(uuid.uuid4())
    session_id = str(uuid.uuid4())

    async def full(request, context):
        raise FailedPrecondition("SESSION_FULL", "the session is full")

    fake_platform.bookings.behaviours[session_id] = full
    headers = {**account.headers, "Idempotency-Key": key}

    refused = await http.post("/v1/bookings", json=booking_body(session_id), headers=headers)
    del fake_platform.bookings.behaviours[session_id]  # a place was freed
    retried = await http.post("/v1/bookings", json=booking_body(session_id), headers=headers)

    assert refused.status_code == 409 and refused.json()["code"] == "SESSION_FULL"
    assert retried.status_code == 202
    assert "idempotent-replayed" not in retried.headers


async def booked(http, account) -> str:
    created = await http.post(
        "/v1/bookings",
        json=booking_body(str(uuid.uuid4())),
        headers={**account.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert created.status_code == 202, created.text
    return created.json()["id"]


async def test_concurrent_cancellations_with_one_key_make_one_downstream_call(
    http, make_account, fake_platform
):
    account = await make_account()
    booking_id = await booked(http, account)
    key = str(uuid.uuid4())
    release = asyncio.Event()

    async def held(request, context):
        await release.wait()
        booking = fake_platform.bookings.bookings[booking_id]
        booking.status = bookings_pb2.BOOKING_STATUS_CANCELLING
        return bookings_pb2.CancelBookingResponse(booking=booking)

    fake_platform.bookings.cancel_behaviours[booking_id] = held
    headers = {**account.headers, "Idempotency-Key": key}

    async def post():
        return await http.post(f"/v1/bookings/{booking_id}/cancel", headers=headers)

    tasks = [asyncio.create_task(post()) for _ in range(12)]
    # Held downstream until every other request has met the claim in flight: no sleep decides
    # how many raced.
    await eventually(
        lambda: fake_platform.bookings.cancel_calls[key] == 1 and sum(t.done() for t in tasks) == 11,
        message=lambda: f"{sum(t.done() for t in tasks)} of 11 requests answered while the first was held",
    )
    release.set()
    replies = await asyncio.gather(*tasks)

    assert fake_platform.bookings.cancel_calls[key] == 1
    winners = [r for r in replies if r.status_code == 202 and "idempotent-replayed" not in r.headers]
    assert len(winners) == 1
    for reply in replies:
        if reply is not winners[0]:
            assert reply.status_code == 409, reply.text
            assert reply.json()["code"] == "IDEMPOTENCY_KEY_IN_USE"
            assert reply.headers["retry-after"] == "1"
    assert sum(r.status_code == 409 for r in replies) == 11
    replay = await post()
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == winners[0].json()


async def test_a_retryable_failure_releases_the_key_so_a_retry_goes_through(
    http, make_account, fake_platform
):
    account = await make_account()
    booking_id = await booked(http, account)
    key = str(uuid.uuid4())

    async def unavailable(request, context):
        await context.abort(grpc.StatusCode.UNAVAILABLE, "restarting")

    fake_platform.bookings.cancel_behaviours[booking_id] = unavailable
    headers = {**account.headers, "Idempotency-Key": key}

    failed = await http.post(f"/v1/bookings/{booking_id}/cancel", headers=headers)
    del fake_platform.bookings.cancel_behaviours[booking_id]
    retried = await http.post(f"/v1/bookings/{booking_id}/cancel", headers=headers)

    assert failed.status_code == 503
    assert retried.status_code == 202
    assert "idempotent-replayed" not in retried.headers
    assert fake_platform.bookings.cancel_calls[key] == 2


async def test_a_business_refusal_is_stored_and_replayed(http, make_account, fake_platform):
    account = await make_account()
    booking_id = await booked(http, account)
    key = str(uuid.uuid4())

    async def too_late(request, context):
        raise FailedPrecondition("BOOKING_NOT_CANCELLABLE", "the session has started")

    fake_platform.bookings.cancel_behaviours[booking_id] = too_late
    headers = {**account.headers, "Idempotency-Key": key}

    first = await http.post(f"/v1/bookings/{booking_id}/cancel", headers=headers)
    del fake_platform.bookings.cancel_behaviours[booking_id]
    again = await http.post(f"/v1/bookings/{booking_id}/cancel", headers=headers)

    assert first.status_code == again.status_code == 409
    assert again.json() == first.json()
    assert again.headers["content-type"] == "application/problem+json"
    assert again.headers["idempotent-replayed"] == "true"
    assert fake_platform.bookings.cancel_calls[key] == 1


async def test_of_many_concurrent_claims_exactly_one_wins(gateway_db):
    store = IdempotencyStore(gateway_db)
    principal, key = str(uuid.uuid4()), "race"

    async def claim():
        try:
            return await store.claim(principal, key, "hash")
        except Exception as error:  # the losers' 409s
            return error

    outcomes = await asyncio.gather(*(claim() for _ in range(20)))

    assert sum(isinstance(outcome, Claim) for outcome in outcomes) == 1
    assert all(
        getattr(o, "code", None) == "IDEMPOTENCY_KEY_IN_USE" for o in outcomes if not isinstance(o, Claim)
    )


async def test_a_claim_abandoned_past_its_lease_is_taken_over_and_the_old_holder_cannot_store(gateway_db):
    from fastapi.responses import JSONResponse

    store = IdempotencyStore(gateway_db, lease_seconds=60)
    principal, key = str(uuid.uuid4()), "stale"
    abandoned = await store.claim(principal, key, "hash")
    assert isinstance(abandoned, Claim)
    async with gateway_db.transaction() as conn:
        await conn.execute(
            text(
                "UPDATE gateway.idempotency_keys SET claimed_at = now() - interval '2 minutes'"
                " WHERE principal = :p AND key = :k"
            ),
            {"p": principal, "k": key},
        )

    taken = await store.claim(principal, key, "hash")
    assert isinstance(taken, Claim) and taken.token != abandoned.token
    await store.complete(abandoned, JSONResponse({"from": "old"}, status_code=201))
    await store.complete(taken, JSONResponse({"from": "new"}, status_code=202))

    stored = await store.claim(principal, key, "hash")
    assert isinstance(stored, StoredResponse)
    assert (stored.status_code, stored.body) == (202, '{"from":"new"}')


async def test_a_cancellation_is_idempotent_too(http, make_account, fake_platform):
    account = await make_account()
    created = await http.post(
        "/v1/bookings",
        json=booking_body(str(uuid.uuid4())),
        headers={**account.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    booking_id = created.json()["id"]
    key = str(uuid.uuid4())
    headers = {**account.headers, "Idempotency-Key": key}

    missing_key = await http.post(f"/v1/bookings/{booking_id}/cancel", headers=account.headers)
    first = await http.post(f"/v1/bookings/{booking_id}/cancel", headers=headers)
    again = await http.post(f"/v1/bookings/{booking_id}/cancel", headers=headers)

    assert missing_key.status_code == 400
    assert missing_key.json()["code"] == "IDEMPOTENCY_KEY_REQUIRED"
    assert first.status_code == 202
    assert first.json()["status"] == "CANCELLING"
    assert again.headers["idempotent-replayed"] == "true"
    assert fake_platform.bookings.cancel_calls[key] == 1
