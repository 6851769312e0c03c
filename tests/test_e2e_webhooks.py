"""Webhooks to client apps, against the real platform: a company admin registers an endpoint
(the secret answered once), a booking's confirmation reaches a receiver started by the test,
signed as gateway/README.md documents, once, after its first two attempts were answered 500;
a redeliver sends it again; an endpoint whose attempts all failed for a day is disabled,
that is in the audit log and the company's admin gets an e-mail saying so; and a customer
follows one booking over Server-Sent Events.

Back-off is made to pass by the test itself (a delivery's `next_attempt_at` moved to now once
its failed attempt is recorded, an endpoint's `failing_since` moved a day back), as the saga
deadline tests do, instead of configuring tiny delays."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from sqlalchemy import text

from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.payments.v1 import payments_pb2
from gateway.notifications.delivery import write_endpoint_disabled
from plumbing.mailsink import parts
from plumbing.testing import eventually
from tests.test_e2e_change_period import change_done
from tests.test_e2e_notifications import a_session_needing_check_in, starts_in
from tests.test_e2e_reservation_engine import cabins

pytestmark = pytest.mark.e2e


# The verification snippet of gateway/README.md ("Webhooks"), as a receiver would write it.
def verify_webhook(secret: str, body: bytes, signature_header: str, tolerance: int = 300) -> bool:
    fields = dict(part.split("=", 1) for part in signature_header.split(","))
    timestamp = int(fields["t"])
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1, port 0, answering the planned statuses in turn (then 200)."""

    plan: list[int] = field(default_factory=list)
    always: int | None = None
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def answer(self) -> int:
        if self.always is not None:
            return self.always
        return self.plan.pop(0) if self.plan else 200


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = state.answer()
            state.received.append(Received(dict(self.headers.items()), body, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


async def login(platform, role: str, company_id: str | None) -> httpx.AsyncClient:
    email = f"{role.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(email=email, password="secret-pass", role=role, company_id=company_id)
    client = httpx.AsyncClient(base_url=platform.gateway_url, timeout=30)
    token = await client.post("/v1/auth/token", json={"email": email, "password": "secret-pass"})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client


def once() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def register(admin: httpx.AsyncClient, url: str, *types: str) -> dict:
    created = await admin.post(
        "/v1/admin/webhooks/endpoints", headers=once(), json={"url": url, "event_types": list(types)}
    )
    assert created.status_code == 201, created.text
    return created.json()


async def confirmed_booking(tenant) -> str:
    customer = await tenant.customer(main_minor=10_000)
    session = await tenant.session(price_minor=2000)
    booked = await customer.book(session.id, use_wallet=True)
    assert booked.status_code in (200, 201, 202), booked.text
    booking_id: str = booked.json()["id"]
    await customer.wait_for(booking_id, "CONFIRMED")
    return booking_id


async def delivery_row(platform, endpoint_id: str) -> dict | None:
    async with platform.db.transaction() as conn:
        row = (
            await conn.execute(
                text("SELECT * FROM gateway.webhook_deliveries WHERE endpoint_id = :e ORDER BY seq LIMIT 1"),
                {"e": endpoint_id},
            )
        ).first()
    return dict(row._mapping) if row is not None else None


async def retry_now(platform, endpoint_id: str, attempts: int) -> None:
    """Waits until the attempt `attempts` is recorded as failed, then lets its back-off pass."""

    async def failed_attempt_recorded() -> bool:
        # The attempt's own log row (the delivery row's last_error may still be the previous
        # attempt's while this one is in flight).
        async with platform.db.transaction() as conn:
            logged = (
                await conn.execute(
                    text(
                        "SELECT 1 FROM gateway.webhook_attempts a"
                        " JOIN gateway.webhook_deliveries d ON d.id = a.delivery_id"
                        " WHERE d.endpoint_id = :e AND a.attempt = :n AND d.attempts = :n"
                        " AND d.status = 'PENDING'"
                    ),
                    {"e": endpoint_id, "n": attempts},
                )
            ).first()
        return logged is not None

    await eventually(failed_attempt_recorded, message=f"attempt {attempts} never recorded as failed")
    async with platform.db.transaction() as conn:
        await conn.execute(
            text(
                "UPDATE gateway.webhook_deliveries SET next_attempt_at = now()"
                " WHERE endpoint_id = :e AND attempts = :n AND status = 'PENDING'"
            ),
            {"e": endpoint_id, "n": attempts},
        )


async def test_a_confirmed_booking_reaches_the_receiver_signed_once_after_two_500s_and_can_be_redelivered(
    platform, tenant, receiver: Receiver
) -> None:
    admin = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    receiver.plan = [500, 500]
    endpoint = await register(admin, receiver.url, "booking.confirmed")
    secret = endpoint["secret"]
    assert secret.startswith("whsec_")
    # The secret is answered once: never by a get or a list.
    got = await admin.get(f"/v1/admin/webhooks/endpoints/{endpoint['id']}")
    assert got.status_code == 200 and "secret" not in got.json() and secret not in got.text
    listed = await admin.get("/v1/admin/webhooks/endpoints")
    assert listed.status_code == 200 and secret not in listed.text
    assert [e["id"] for e in listed.json()["endpoints"]] == [endpoint["id"]]

    booking_id = await confirmed_booking(tenant)
    await retry_now(platform, endpoint["id"], 1)
    await retry_now(platform, endpoint["id"], 2)

    async def delivered() -> dict | None:
        row = await delivery_row(platform, endpoint["id"])
        return row if row and row["status"] == "SUCCEEDED" else None

    row = await eventually(delivered, message="the delivery never succeeded")
    assert [r.answered for r in receiver.received] == [500, 500, 200]
    event_ids = {r.headers["Webhook-Id"] for r in receiver.received}
    assert event_ids == {row["event_id"]}
    for r in receiver.received:
        assert verify_webhook(secret, r.body, r.headers["Webhook-Signature"])
        assert not verify_webhook("whsec_wrong", r.body, r.headers["Webhook-Signature"])
    event = json.loads(receiver.received[-1].body)
    assert event["id"] == row["event_id"] and event["type"] == "booking.confirmed"
    assert event["data"]["booking_id"] == booking_id and event["data"]["status"] == "CONFIRMED"

    # The log: every attempt with its status code and time taken.
    log = await admin.get(f"/v1/admin/webhooks/deliveries/{row['id']}")
    assert log.status_code == 200, log.text
    assert [a["status_code"] for a in log.json()["attempt_log"]] == [500, 500, 200]
    assert all(a["response_ms"] >= 0 for a in log.json()["attempt_log"])
    listed_deliveries = await admin.get("/v1/admin/webhooks/deliveries", params={"booking_id": booking_id})
    assert [
        (d["id"], d["status"], d["last_status_code"]) for d in listed_deliveries.json()["deliveries"]
    ] == [(str(row["id"]), "SUCCEEDED", 200)]

    # Once: a later booking's delivery (the marker) arrives, and the first event was not sent again.
    await confirmed_booking(tenant)
    await eventually(lambda: len(receiver.received) == 4, message="the second booking's event never came")
    assert [r.headers["Webhook-Id"] for r in receiver.received].count(row["event_id"]) == 3

    # A manual redeliver: the same event id and body, a fresh signature.
    again = await admin.post(f"/v1/admin/webhooks/deliveries/{row['id']}/redeliver", headers=once())
    assert again.status_code == 202, again.text
    await eventually(lambda: len(receiver.received) == 5, message="the redelivery never came")
    last = receiver.received[-1]
    assert last.headers["Webhook-Id"] == row["event_id"] and last.body == receiver.received[2].body
    assert verify_webhook(secret, last.body, last.headers["Webhook-Signature"])

    # Another company's admin sees none of it.
    stranger = await login(platform, "COMPANY_ADMIN", str(uuid.uuid4()))
    hidden = await stranger.post(f"/v1/admin/webhooks/deliveries/{row['id']}/redeliver", headers=once())
    assert (hidden.status_code, hidden.json()["code"]) == (404, "WEBHOOK_DELIVERY_NOT_FOUND")
    hidden = await stranger.get(f"/v1/admin/webhooks/endpoints/{endpoint['id']}")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "WEBHOOK_ENDPOINT_NOT_FOUND")


async def test_an_endpoint_whose_attempts_all_failed_for_a_day_is_disabled_and_audited(
    platform, tenant, receiver: Receiver
) -> None:
    admin = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    receiver.always = 503
    endpoint = await register(admin, receiver.url, "booking.confirmed", "booking.cancelled")
    await confirmed_booking(tenant)
    await retry_now(platform, endpoint["id"], 1)
    async with platform.db.transaction() as conn:  # the first failure was a day ago
        await conn.execute(
            text(
                "UPDATE gateway.webhook_endpoints SET failing_since = now() - interval '25 hours'"
                " WHERE id = :e"
            ),
            {"e": endpoint["id"]},
        )

    async def disabled() -> dict | None:
        got = (await admin.get(f"/v1/admin/webhooks/endpoints/{endpoint['id']}")).json()
        return got if not got["enabled"] else None

    got = await eventually(disabled, message="the failing endpoint was never disabled")
    assert got["disabled_reason"] == "FAILING" and got["consecutive_failures"] == 2
    assert len(receiver.received) == 2
    entries = await admin.get("/v1/admin/audit", params={"entity_id": endpoint["id"]})
    assert "webhook_endpoint.disable" in {e["action"] for e in entries.json()["entries"]}
    # The company's admin is told by e-mail, written with the disable (once per endpoint and
    # disable time: writing it again adds nothing).
    async with platform.db.transaction() as conn:
        [notice] = (
            await conn.execute(
                text(
                    "SELECT recipient, event_id, occurred_at FROM gateway.notification_messages"
                    " WHERE company_id = :c AND event_type = 'webhook_endpoint.disabled' AND event_id LIKE :e"
                ),
                {"c": tenant.company_id, "e": f"%{endpoint['id']}%"},
            )
        ).all()
        again = await write_endpoint_disabled(
            conn,
            company_id=tenant.company_id,
            endpoint_id=endpoint["id"],
            url=receiver.url,
            disabled_at=notice.occurred_at,
            failures=2,
        )
    assert notice.recipient.startswith("company_admin-") and again == 0

    async def mailed() -> list | None:
        return [r for r in platform.mail.to(notice.recipient) if "disabled" in r.message["Subject"]] or None

    (mail,) = await eventually(mailed, message="the admin was never e-mailed about the disabled endpoint")
    assert mail.message["Subject"] == f"Webhook endpoint disabled: {receiver.url}"
    body = parts(mail.message)
    assert f"Your webhook endpoint {receiver.url} was disabled after a day of failures" in body["text"]
    assert "Re-enable it at /ops/webhooks" in body["text"] and "<html" in body["html"]

    # Enabled again by the admin: the pending delivery goes out at once.
    receiver.always = None
    async with platform.db.transaction() as conn:
        await conn.execute(
            text("UPDATE gateway.webhook_deliveries SET next_attempt_at = now() WHERE endpoint_id = :e"),
            {"e": endpoint["id"]},
        )
    # Disabling by failures does not move the endpoint's version: the ETag of its creation holds.
    enabled = await admin.patch(
        f"/v1/admin/webhooks/endpoints/{endpoint['id']}",
        headers={**once(), "If-Match": f'"{endpoint["etag"]}"'},
        json={"enabled": True},
    )
    assert enabled.status_code == 200, enabled.text
    assert enabled.json()["consecutive_failures"] == 0 and enabled.json()["disabled_reason"] is None
    await eventually(lambda: receiver.received[-1].answered == 200, message="never delivered after enabling")


async def test_two_admins_changing_one_endpoint_from_the_same_read_cannot_overwrite_each_other(
    platform, tenant
) -> None:
    first = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    second = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    endpoint = await register(first, "https://example.com/hook", "booking.confirmed")
    path = f"/v1/admin/webhooks/endpoints/{endpoint['id']}"
    read = await second.get(path)
    assert read.headers["ETag"] == f'"{endpoint["etag"]}"' == f'"{read.json()["etag"]}"'

    without = await first.patch(path, headers=once(), json={"description": "no version"})
    weak = await first.patch(path, headers={**once(), "If-Match": f"W/{read.headers['ETag']}"}, json={})
    changes = [{"description": "first"}, {"event_types": ["booking.cancelled"]}]
    racing = await asyncio.gather(
        *(
            admin.patch(path, headers={**once(), "If-Match": read.headers["ETag"]}, json=change)
            for admin, change in zip((first, second), changes, strict=True)
        )
    )

    assert (without.status_code, without.json()["code"]) == (428, "PRECONDITION_REQUIRED")
    assert weak.status_code in (400, 412) and weak.headers["content-type"] == "application/problem+json"
    assert sorted(reply.status_code for reply in racing) == [200, 412], [r.text for r in racing]
    won = next(reply for reply in racing if reply.status_code == 200)
    lost = next(reply for reply in racing if reply.status_code == 412)
    assert lost.json()["code"] == "PRECONDITION_FAILED"
    assert won.headers["ETag"] == f'"{won.json()["etag"]}"' != read.headers["ETag"]
    now = (await first.get(path)).json()
    # Only the winner's change is there; the loser's read it again before changing anything.
    assert (now["description"], now["event_types"]) in (
        ("first", ["booking.confirmed"]),
        ("", ["booking.cancelled"]),
    )
    again = await first.patch(
        path, headers={**once(), "If-Match": won.headers["ETag"]}, json={"enabled": False}
    )
    assert again.status_code == 200 and again.json()["enabled"] is False


async def test_an_endpoint_on_a_private_address_or_not_http_is_refused_without_echoing_it(
    platform, tenant
) -> None:
    admin = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    for url in ("ftp://example.com/hook", "http://user:pass@example.com/hook", "not a url"):
        refused = await admin.post(
            "/v1/admin/webhooks/endpoints",
            headers=once(),
            json={"url": url, "event_types": ["booking.confirmed"]},
        )
        assert refused.status_code == 400, refused.text
        assert "pass@" not in refused.text
    unknown = await admin.post(
        "/v1/admin/webhooks/endpoints",
        headers=once(),
        json={"url": "https://example.com/hook", "event_types": ["booking.exploded"]},
    )
    assert (unknown.status_code, unknown.json()["code"]) == (400, "VALIDATION_FAILED")


async def test_a_customer_follows_their_booking_from_pending_to_confirmed_over_server_sent_events(
    platform, tenant
) -> None:
    customer = await tenant.customer()
    session = await tenant.session(price_minor=2000)
    # The sandbox holds this card's payment for its 3-D Secure check until the card holder
    # answers (below, once the stream has said PENDING): the booking is PENDING when the
    # stream opens however long opening it takes.
    booked = await customer.book(session.id, card_token="tok_requiresAction")
    assert booked.status_code == 202, booked.text
    booking_id = booked.json()["id"]

    async def payment_awaiting_the_card_holder() -> str | None:
        listed = await platform.payments.ListPayments(payments_pb2.ListPaymentsRequest(booking_id=booking_id))
        for payment in listed.payments:
            if payment.status == payments_pb2.PAYMENT_STATUS_REQUIRES_ACTION:
                return str(payment.id)
        return None

    statuses: list[str] = []
    async with customer.http.stream("GET", f"/v1/bookings/{booking_id}/events") as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.aiter_lines()

        async def next_status() -> str:
            async for line in lines:
                if line.startswith("data:"):
                    status: str = json.loads(line.removeprefix("data:").strip())["status"]
                    return status
            raise AssertionError(f"the stream ended after {statuses}")

        statuses.append(await next_status())
        assert statuses == ["PENDING"]
        # The card holder passes the check; the provider's approval follows and the saga confirms.
        payment_id = await eventually(
            payment_awaiting_the_card_holder, message="the payment never asked for the card holder"
        )
        await platform.payments.CompletePaymentAction(
            payments_pb2.CompletePaymentActionRequest(payment_id=payment_id, approve=True)
        )
        while statuses[-1] == "PENDING":
            statuses.append(await next_status())
    assert statuses == ["PENDING", "CONFIRMED"]

    other = await tenant.customer()
    hidden = await other.http.get(f"/v1/bookings/{booking_id}/events")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "BOOKING_NOT_FOUND")


async def test_a_customer_s_booking_stream_ends_soon_after_the_login_it_was_opened_with_logs_out(
    platform, tenant
) -> None:
    customer = await tenant.customer(main_minor=10_000)
    session = await tenant.session(price_minor=2000)
    booked = await customer.book(session.id, use_wallet=True)
    assert booked.status_code == 202, booked.text
    booking_id = booked.json()["id"]

    async def confirmed() -> bool:
        return (await customer.http.get(f"/v1/bookings/{booking_id}")).json()["status"] == "CONFIRMED"

    # CONFIRMED is not a terminal status: only the logout can end the stream before its 5 minutes,
    # and nothing changes that would send another event.
    await eventually(confirmed, message="the booking was never confirmed")
    email = (
        await platform.catalog.GetCustomer(catalog_pb2.GetCustomerRequest(customer_id=customer.id))
    ).customer.email
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=30) as app:
        login = await app.post("/v1/auth/token", json={"email": email, "password": "secret-pass"})
        assert login.status_code == 200, login.text
        tokens = login.json()
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}

        async with app.stream("GET", f"/v1/bookings/{booking_id}/events", headers=bearer) as stream:
            assert stream.status_code == 200
            lines = stream.aiter_lines()
            async for line in lines:
                if line.startswith("data:"):
                    assert json.loads(line.removeprefix("data:").strip())["status"] == "CONFIRMED"
                    break
            out = await app.post("/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
            logged_out_at = time.monotonic()
            async with asyncio.timeout(30):  # before the fix: open for its whole 5 minutes
                after = [line async for line in lines if line.startswith("data:")]
            ended_at = time.monotonic()
        again = await app.get(f"/v1/bookings/{booking_id}/events", headers=bearer)

    assert out.status_code == 204
    assert after == []
    # Every gateway process reads the revocations about once a second; the stream looks at its
    # token at each turn of its one-second loop.
    assert ended_at - logged_out_at < 5, ended_at - logged_out_at
    assert (again.status_code, again.json()["code"]) == (401, "TOKEN_REVOKED")
    # The customer's other login (the one that booked) goes on.
    assert (await customer.http.get(f"/v1/bookings/{booking_id}")).status_code == 200


async def test_a_cancellation_sends_booking_cancelled_and_refund_completed_with_the_amounts(
    platform, tenant, receiver: Receiver
) -> None:
    admin = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    endpoint = await register(admin, receiver.url, "booking.cancelled", "refund.completed")
    customer = await tenant.customer(main_minor=10_000)
    session = await tenant.session(price_minor=2000)
    booked = await customer.book(session.id, use_wallet=True)
    assert booked.status_code == 202, booked.text
    booking_id = booked.json()["id"]
    await customer.wait_for(booking_id, "CONFIRMED")
    cancelled = await customer.cancel(booking_id)
    assert cancelled.status_code == 202, cancelled.text
    await customer.wait_for(booking_id, "CANCELLED")

    await eventually(lambda: len(receiver.received) == 2, message="the cancellation's events never came")
    events = {json.loads(r.body)["type"]: json.loads(r.body) for r in receiver.received}
    assert set(events) == {"booking.cancelled", "refund.completed"}
    assert all(
        verify_webhook(endpoint["secret"], r.body, r.headers["Webhook-Signature"]) for r in receiver.received
    )
    refund = events["refund.completed"]["data"]
    assert refund["booking_id"] == booking_id and refund["customer_id"] == customer.id
    assert refund["refund"] == {
        "percent": 100,
        "wallet_minor": 2000,
        "card_minor": 0,
        "credits": 0,
        "desk_minor": 0,
    }
    assert events["booking.cancelled"]["data"]["status"] == "CANCELLED"


async def test_a_bookings_later_event_waits_for_its_earlier_one_to_succeed_at_that_endpoint(
    platform, tenant, receiver: Receiver
) -> None:
    admin = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    receiver.plan = [500]  # the first booking's booking.confirmed, once
    endpoint = await register(admin, receiver.url, "booking.confirmed", "booking.cancelled")
    customer = await tenant.customer(main_minor=10_000)
    session = await tenant.session(price_minor=2000)
    booked = await customer.book(session.id, use_wallet=True)
    booking_id = booked.json()["id"]
    await customer.wait_for(booking_id, "CONFIRMED")
    await eventually(lambda: len(receiver.received) == 1, message="the first attempt never came")
    cancelled_now = await customer.cancel(booking_id)
    assert cancelled_now.status_code == 202, cancelled_now.text
    await customer.wait_for(booking_id, "CANCELLED")

    async def deliveries(of: str) -> list[dict]:
        listed = await admin.get("/v1/admin/webhooks/deliveries", params={"booking_id": of})
        assert listed.status_code == 200, listed.text
        return sorted(listed.json()["deliveries"], key=lambda d: d["created_at"])

    async def cancelled_stored() -> list[dict] | None:
        found = await deliveries(booking_id)
        return found if len(found) == 2 else None

    await eventually(cancelled_stored, message="the cancellation's delivery was never stored")
    # A marker that must arrive: another booking's event goes out (its booking is not held up)...
    await confirmed_booking(tenant)
    await eventually(lambda: len(receiver.received) == 2, message="the other booking's event never came")
    # ... while this booking's booking.cancelled still waits behind its failed booking.confirmed.
    confirmed, cancelled = await deliveries(booking_id)
    assert (confirmed["event_type"], confirmed["status"], confirmed["attempts"]) == (
        "booking.confirmed",
        "PENDING",
        1,
    )
    assert (cancelled["event_type"], cancelled["status"], cancelled["attempts"]) == (
        "booking.cancelled",
        "PENDING",
        0,
    )

    await retry_now(platform, endpoint["id"], 1)
    await eventually(lambda: len(receiver.received) == 4, message="the held events never went out")
    types = [
        json.loads(r.body)["type"]
        for r in receiver.received
        if json.loads(r.body)["data"]["booking_id"] == booking_id
    ]
    assert types == ["booking.confirmed", "booking.confirmed", "booking.cancelled"]


async def test_a_no_show_overturned_by_the_desk_reaches_the_receiver_after_the_no_show_signed(
    platform, tenant, receiver: Receiver
) -> None:
    # A subscriber told booking.no_show must learn that the desk overturned it (the customer
    # came after all): the booking is CHECKED_IN.
    admin = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    endpoint = await register(admin, receiver.url, "booking.no_show", "booking.no_show_overturned")
    customer = await tenant.customer(main_minor=2000)
    booked = await customer.book(await a_session_needing_check_in(tenant), use_wallet=True)
    assert booked.status_code == 202, booked.text
    booking_id = booked.json()["id"]
    await customer.wait_for(booking_id, "CONFIRMED")
    await starts_in(platform, booking_id, -0.5)
    path = f"/v1/admin/bookings/{booking_id}/no-show"
    marked = await admin.post(path, headers=once(), json={"no_show": True, "reason": "not at the door"})
    assert marked.status_code == 200, marked.text
    overturned = await admin.post(path, headers=once(), json={"no_show": False, "reason": "was upstairs"})
    assert overturned.status_code == 200 and overturned.json()["status"] == "CHECKED_IN", overturned.text

    await eventually(lambda: len(receiver.received) == 2, message="the overturn's event never came")
    events = [json.loads(r.body) for r in receiver.received]
    # Ordered per booking: the no-show first, then its overturn.
    assert [e["type"] for e in events] == ["booking.no_show", "booking.no_show_overturned"]
    assert all(
        verify_webhook(endpoint["secret"], r.body, r.headers["Webhook-Signature"]) for r in receiver.received
    )
    assert receiver.received[1].headers["Webhook-Id"] == events[1]["id"] != events[0]["id"]
    data = events[1]["data"]
    assert (data["booking_id"], data["customer_id"]) == (booking_id, customer.id)
    assert data["status"] == "CHECKED_IN"


async def test_a_changed_stay_reaches_the_receiver_after_its_confirmation_signed_with_the_amounts(
    platform, tenant, receiver: Receiver
) -> None:
    # Integrators learn a new period without polling: booking.changed after booking.confirmed,
    # an extension with what it charged, a shortening with what came back (and no
    # refund.completed for it: each refunded cent is told once, under booking.changed).
    admin = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    endpoint = await register(admin, receiver.url, "booking.confirmed", "booking.changed", "refund.completed")
    cabin, _ = await cabins(platform, tenant.company_id, nightly=10000)
    customer = await tenant.customer(main_minor=50_000)
    check_in = date.today() + timedelta(days=60)
    booked = await customer.http.post(
        "/v1/bookings",
        headers=once(),
        json={
            "resource_id": cabin.id,
            "check_in_date": check_in.isoformat(),
            "check_out_date": (check_in + timedelta(days=2)).isoformat(),
            "payment": {"use_wallet": True},
        },
    )
    assert booked.status_code == 202, booked.text
    booking_id = booked.json()["id"]
    await customer.wait_for(booking_id, "CONFIRMED")
    for nights in (3, 1):
        changed = await customer.http.post(
            f"/v1/bookings/{booking_id}/change",
            headers=once(),
            json={"check_out_date": (check_in + timedelta(days=nights)).isoformat()},
        )
        assert changed.status_code == 202, changed.text
        await change_done(platform, booking_id)

    await eventually(lambda: len(receiver.received) == 3, message="the changes' events never came")
    events = [json.loads(r.body) for r in receiver.received]
    # Ordered per booking: the confirmation, then each change in turn.
    assert [e["type"] for e in events] == ["booking.confirmed", "booking.changed", "booking.changed"]
    assert all(
        verify_webhook(endpoint["secret"], r.body, r.headers["Webhook-Signature"]) for r in receiver.received
    )
    assert len({r.headers["Webhook-Id"] for r in receiver.received}) == 3
    extended, shortened = (e["data"] for e in events[1:])
    assert (extended["booking_id"], extended["customer_id"], extended["status"]) == (
        booking_id,
        customer.id,
        "CONFIRMED",
    )
    assert extended["change"]["old_period"]["check_out_date"] == (check_in + timedelta(days=2)).isoformat()
    assert extended["change"]["new_period"]["check_out_date"] == (check_in + timedelta(days=3)).isoformat()
    assert (extended["change"]["old_total_minor"], extended["change"]["new_total_minor"]) == (20000, 30000)
    assert extended["change"]["charged"] == {"card_minor": 0, "wallet_minor": 10000, "bonus_minor": 0}
    assert shortened["change"]["new_period"]["check_out_date"] == (check_in + timedelta(days=1)).isoformat()
    assert (shortened["change"]["old_total_minor"], shortened["change"]["new_total_minor"]) == (30000, 10000)
    assert shortened["change"]["refunded"] == {
        "card_minor": 0,
        "wallet_minor": 20000,
        "bonus_minor": 0,
        "percent": 100,
    }
    assert shortened["change"]["kept"] == {"card_minor": 0, "wallet_minor": 0}
    assert (await customer.wallet())["main_balance"]["amount_minor"] == 40000
    # A marker that must arrive after anything the shortening could still send: nothing else came.
    await confirmed_booking(tenant)
    await eventually(lambda: len(receiver.received) == 4, message="the marker's event never came")
    assert [json.loads(r.body)["type"] for r in receiver.received][3] == "booking.confirmed"


async def test_an_extension_that_could_not_be_paid_reaches_the_receiver_as_change_failed_with_why(
    platform, tenant, receiver: Receiver
) -> None:
    # An integrator told of each change learns as well that one did not happen: the wallet
    # could not pay the added night, the change was undone, booking.change_failed says so (the
    # period kept, the one asked for, the reason) after the confirmation, and no booking.changed.
    admin = await login(platform, "COMPANY_ADMIN", tenant.company_id)
    endpoint = await register(
        admin, receiver.url, "booking.confirmed", "booking.changed", "booking.change_failed"
    )
    cabin, _ = await cabins(platform, tenant.company_id, nightly=10000)
    customer = await tenant.customer(main_minor=20_000)
    check_in = date.today() + timedelta(days=70)
    booked = await customer.http.post(
        "/v1/bookings",
        headers=once(),
        json={
            "resource_id": cabin.id,
            "check_in_date": check_in.isoformat(),
            "check_out_date": (check_in + timedelta(days=2)).isoformat(),
            "payment": {"use_wallet": True},
        },
    )
    assert booked.status_code == 202, booked.text
    booking_id = booked.json()["id"]
    before = await customer.wait_for(booking_id, "CONFIRMED")
    longer = await customer.http.post(
        f"/v1/bookings/{booking_id}/change",
        headers=once(),
        json={"check_out_date": (check_in + timedelta(days=3)).isoformat()},
    )
    assert longer.status_code == 202, longer.text
    await change_done(platform, booking_id)

    await eventually(lambda: len(receiver.received) == 2, message="the failed change's event never came")
    events = [json.loads(r.body) for r in receiver.received]
    assert [e["type"] for e in events] == ["booking.confirmed", "booking.change_failed"]
    assert all(
        verify_webhook(endpoint["secret"], r.body, r.headers["Webhook-Signature"]) for r in receiver.received
    )
    data = events[1]["data"]
    assert (data["booking_id"], data["customer_id"], data["status"]) == (booking_id, customer.id, "CONFIRMED")
    told = data["change"]
    assert told["reason"] == "INSUFFICIENT_FUNDS"
    assert told["old_period"]["check_out_date"] == (check_in + timedelta(days=2)).isoformat()
    assert told["old_period"]["end_time"] == before["end_time"].replace("Z", "+00:00")
    assert told["new_period"]["check_out_date"] == (check_in + timedelta(days=3)).isoformat()
    assert (told["old_total_minor"], told["new_total_minor"], told["currency_code"]) == (20000, 30000, "EUR")
    assert not {"charged", "refunded", "kept"} & set(told)
    # The booking is as it was, and the wallet too.
    assert (await customer.http.get(f"/v1/bookings/{booking_id}")).json()["end_time"] == before["end_time"]
    assert (await customer.wallet())["main_balance"]["amount_minor"] == 0
    # A marker that must arrive after anything the change could still send: nothing else came.
    await confirmed_booking(tenant)
    await eventually(lambda: len(receiver.received) == 3, message="the marker's event never came")
    assert [json.loads(r.body)["type"] for r in receiver.received][2] == "booking.confirmed"
