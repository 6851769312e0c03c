"""Web Push for staff, against the real platform and a LOCAL PUSH SERVICE started by the test
(an HTTP server on 127.0.0.1, port 0) that checks what a real one checks: the VAPID signature
(`Authorization: vapid t=<ES256 JWT>,k=<the gateway's public key>`, `aud` the endpoint's
origin, `exp` in the future and at most a day away, `sub` set), and whose device decrypts the
payload (aes128gcm, RFC 8291) with its own P-256 key pair and auth secret, made by the test.

A company admin's device subscribes through the console's JSON route (session + CSRF); a
confirmed booking of the company arrives on it once, as the notification the service worker
shows; a booking waiting for its payment and a cancelled one are pushed too; the push service
answering 410 Gone drops the subscription; a deactivated account's device is told nothing; a
push still pending an hour after its event is given up unsent. The time from the confirmation
(the booking event's time) to the push's arrival is printed, beside the same bookings'
webhook."""

from __future__ import annotations

import base64
import json
import os
import re
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import http_ece
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import text

from plumbing.testing import eventually

pytestmark = pytest.mark.e2e


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@dataclass
class Pushed:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    answered: int


@dataclass
class PushService:
    """A push service on 127.0.0.1, port 0: answers `status` (201 Created, as FCM does)."""

    status: int = 201
    received: list[Pushed] = field(default_factory=list)
    origin: str = ""

    def endpoint(self) -> str:
        return f"{self.origin}/push/{uuid.uuid4().hex}"


@pytest.fixture
def push_service() -> Iterator[PushService]:
    state = PushService()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            arrived = time.time()
            status = state.status
            state.received.append(Pushed(self.path, dict(self.headers.items()), body, arrived, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.origin = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@dataclass
class Device:
    """A browser's side of a subscription: its P-256 key pair and auth secret."""

    endpoint: str
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self) -> dict:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        # What PushSubscription.toJSON() answers.
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(point), "auth": b64url(self.auth)},
        }

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        return json.loads(plain)


def verify_vapid(pushed: Pushed, endpoint: str, gateway_key: str) -> dict:
    """What a push service checks (RFC 8292): the token is an ES256 JWT signed by the key in
    `k`, for this origin, not expired (and at most a day away), with a contact."""
    scheme, _, params = pushed.headers["Authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert fields["k"] == gateway_key
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(fields["k"]))
    parts = urlsplit(endpoint)
    origin = f"{parts.scheme}://{parts.netloc}"
    assert jwt.get_unverified_header(fields["t"])["alg"] == "ES256"
    claims = jwt.decode(
        fields["t"], public, algorithms=["ES256"], audience=origin, options={"require": ["exp", "aud", "sub"]}
    )
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    assert claims["sub"] == "mailto:ops@platform.test"
    # A token signed by another key is refused.
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(fields["t"], other, algorithms=["ES256"], audience=origin)
    return claims


@dataclass
class Staff:
    client: httpx.AsyncClient
    csrf: str
    vapid_key: str


async def staff_member(platform, company_id: str, role: str = "COMPANY_ADMIN") -> Staff:
    email = f"{role.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(email=email, password="secret-pass", role=role, company_id=company_id)
    client = httpx.AsyncClient(base_url=platform.gateway_url, timeout=60)
    token = await client.post("/v1/auth/token", json={"email": email, "password": "secret-pass"})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    page = await client.get("/ops/push")
    assert page.status_code == 200, page.text
    csrf = re.search(r'data-csrf="([^"]+)"', page.text)
    key = re.search(r'data-vapid-key="([^"]*)"', page.text)
    assert csrf and key and key.group(1), "the page names no CSRF token or VAPID key"
    return Staff(client, csrf.group(1), key.group(1))


async def subscribe(staff: Staff, device: Device, *, csrf: str | None = None) -> httpx.Response:
    return await staff.client.post(
        "/ops/push/subscriptions",
        json={**device.subscription(), "label": "test phone"},
        headers={"X-CSRF-Token": staff.csrf if csrf is None else csrf},
    )


async def confirmed_booking(tenant, customer) -> str:
    session = await tenant.session(price_minor=2000)
    booked = await customer.book(session.id, use_wallet=True)
    assert booked.status_code in (200, 201, 202), booked.text
    booking_id: str = booked.json()["id"]
    await customer.wait_for(booking_id, "CONFIRMED")
    return booking_id


def pushes_of(service: PushService, device: Device, booking_id: str) -> list[tuple[Pushed, dict]]:
    found = []
    for pushed in list(service.received):
        if pushed.path != urlsplit(device.endpoint).path:
            continue
        payload = device.decrypt(pushed.body)
        if payload["booking_id"] == booking_id:
            found.append((pushed, payload))
    return found


async def subscription_ids(platform, endpoint: str) -> list[str]:
    async with platform.db.transaction() as conn:
        rows = await conn.execute(
            text("SELECT id FROM gateway.push_subscriptions WHERE endpoint = :e"), {"e": endpoint}
        )
        return [str(r.id) for r in rows]


async def test_a_confirmed_booking_is_pushed_signed_and_encrypted_to_the_staff_device_once(
    platform, tenant, push_service: PushService
) -> None:
    staff = await staff_member(platform, tenant.company_id)
    device = Device(push_service.endpoint())
    created = await subscribe(staff, device)
    assert created.status_code == 201, created.text
    # Subscribing the same browser again keeps one row (the endpoint is the device).
    again = await subscribe(staff, device)
    assert again.status_code == 201 and again.json()["id"] == created.json()["id"]
    page = await staff.client.get("/ops/push")
    assert "test phone" in page.text and device.endpoint not in page.text  # the endpoint stays hidden
    assert device.subscription()["keys"]["auth"] not in page.text

    # A webhook endpoint for the same events, to compare the two paths on the same bookings.
    hooked = await staff.client.post(
        "/v1/admin/webhooks/endpoints",
        headers={"Idempotency-Key": str(uuid.uuid4())},
        json={"url": f"{push_service.origin}/hooks", "event_types": ["booking.confirmed"]},
    )
    assert hooked.status_code == 201, hooked.text

    customer = await tenant.customer(main_minor=50_000)
    latencies, stored, webhooks = [], [], []
    for _ in range(3):
        booking_id = await confirmed_booking(tenant, customer)

        async def arrived(booking_id: str = booking_id) -> list | None:
            found = pushes_of(push_service, device, booking_id)
            return found or None

        (pushed, payload), *others = await eventually(arrived, message="the push never arrived")
        assert others == []
        claims = verify_vapid(pushed, device.endpoint, staff.vapid_key)
        assert claims["aud"] == push_service.origin
        assert pushed.headers["Content-Encoding"] == "aes128gcm"
        assert int(pushed.headers["TTL"]) > 0
        assert payload["type"] == "booking.confirmed" and payload["title"] == "Booking confirmed"
        assert payload["url"] == f"/ops/push/open?booking_id={booking_id}"
        opened = await staff.client.get(payload["url"])
        assert opened.status_code == 303
        assert opened.headers["location"] == f"/ops/sagas?q={booking_id}&range=all"
        assert payload["tag"] == f"booking-{booking_id}"
        confirmed_at = datetime_of(payload["occurred_at"])
        latencies.append(pushed.at - confirmed_at)
        async with platform.db.transaction() as conn:
            received_at = (
                await conn.execute(
                    text("SELECT received_at FROM gateway.push_events WHERE id = :id"),
                    {"id": payload["event_id"]},
                )
            ).scalar_one()
        stored.append(received_at.timestamp() - confirmed_at)

        async def hooked_for(booking_id: str = booking_id) -> Pushed | None:
            for p in list(push_service.received):
                if p.path == "/hooks" and json.loads(p.body)["data"]["booking_id"] == booking_id:
                    return p
            return None

        webhook = await eventually(hooked_for, message="the webhook never arrived")
        webhooks.append(webhook.at - confirmed_at)

    # Once: each recorded as sent (after it arrived), and nothing more arrives for these
    # bookings (a redelivered event is not pushed again).
    async def all_recorded() -> bool:
        async with platform.db.transaction() as conn:
            sent = (
                await conn.execute(
                    text(
                        "SELECT count(*) FROM gateway.push_deliveries d"
                        " JOIN gateway.push_subscriptions s ON s.id = d.subscription_id"
                        " WHERE s.endpoint = :e AND d.status = 'SUCCEEDED'"
                    ),
                    {"e": device.endpoint},
                )
            ).scalar_one()
        return sent == 3

    await eventually(all_recorded, message="the three pushes were not all recorded as sent")
    assert len([p for p in push_service.received if p.path == urlsplit(device.endpoint).path]) == 3

    def shown(seconds: list[float]) -> str:
        return (
            ", ".join(f"{s * 1000:.0f}" for s in seconds)
            + f" ms (median {statistics.median(seconds) * 1000:.0f})"
        )

    print(
        f"\n[push] confirmation -> push at the local push service: {shown(latencies)};"
        f" of which confirmation -> event stored by the gateway: {shown(stored)};"
        f" the same bookings' webhook: {shown(webhooks)}"
    )


def datetime_of(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


async def test_a_staff_member_s_device_answered_410_gone_is_dropped(platform, tenant, push_service) -> None:
    # A company's staff (not only its admins) subscribe their devices.
    staff = await staff_member(platform, tenant.company_id, role="STAFF")
    device = Device(push_service.endpoint())
    assert (await subscribe(staff, device)).status_code == 201
    push_service.status = 410
    customer = await tenant.customer(main_minor=10_000)
    booking_id = await confirmed_booking(tenant, customer)

    async def dropped() -> bool:
        return await subscription_ids(platform, device.endpoint) == []

    await eventually(dropped, message="the subscription answered 410 was kept")
    [(_, payload)] = pushes_of(push_service, device, booking_id)
    opened = await staff.client.get(payload["url"])  # staff are sent to the calendar
    assert opened.status_code == 303 and opened.headers["location"] == "/ops/calendar"
    page = await staff.client.get("/ops/push")
    assert "test phone" not in page.text


async def test_subscriptions_are_checked_and_removable(platform, tenant, push_service) -> None:
    staff = await staff_member(platform, tenant.company_id)
    device = Device(push_service.endpoint())
    # No CSRF token, or another: refused.
    assert (await subscribe(staff, device, csrf="")).status_code == 403
    assert (await subscribe(staff, device, csrf="x" * 43)).status_code == 403
    # Internal addresses (not loopback, which the test platform allows), and plain http to
    # anything but loopback: refused without echoing the address.
    for endpoint in (
        "http://10.1.2.3/push/x",
        "https://169.254.169.254/latest",
        "http://8.8.8.8/push/x",
        "ftp://127.0.0.1/x",
        "https://user:pw@127.0.0.1/x",
    ):
        refused = await subscribe(staff, Device(endpoint))
        assert refused.status_code == 400, (endpoint, refused.text)
        assert refused.json()["code"] == "INVALID_PUSH_ENDPOINT" and endpoint not in refused.text
    # Keys that are not a P-256 point and a 16-byte secret.
    bad = {**device.subscription(), "keys": {"p256dh": "A" * 87, "auth": b64url(os.urandom(16))}}
    refused = await staff.client.post(
        "/ops/push/subscriptions", json=bad, headers={"X-CSRF-Token": staff.csrf}
    )
    assert refused.status_code == 422 and refused.json()["code"] == "INVALID_PUSH_KEYS"

    created = await subscribe(staff, device)
    assert created.status_code == 201
    # Another admin cannot remove it; its owner can, with the form.
    other = await staff_member(platform, tenant.company_id)
    gone = await other.client.post(
        f"/ops/push/subscriptions/{created.json()['id']}/delete", data={"csrf_token": other.csrf}
    )
    assert gone.status_code == 404
    removed = await staff.client.post(
        f"/ops/push/subscriptions/{created.json()['id']}/delete", data={"csrf_token": staff.csrf}
    )
    assert removed.status_code == 303
    assert await subscription_ids(platform, device.endpoint) == []
    # Unsubscribing (the page's "Turn off") by endpoint.
    assert (await subscribe(staff, device)).status_code == 201
    off = await staff.client.post(
        "/ops/push/subscriptions/unsubscribe",
        json={"endpoint": device.endpoint},
        headers={"X-CSRF-Token": staff.csrf},
    )
    assert off.status_code == 204
    assert await subscription_ids(platform, device.endpoint) == []


async def test_the_manifest_and_the_service_worker_are_served(platform) -> None:
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=30) as client:
        manifest = await client.get("/ops/manifest.webmanifest")
        assert manifest.status_code == 200
        assert manifest.headers["content-type"].startswith("application/manifest+json")
        body = manifest.json()
        assert body["display"] == "standalone" and body["start_url"].startswith("/ops/")
        for icon in body["icons"]:
            got = await client.get(icon["src"])
            assert got.status_code == 200 and got.headers["content-type"].startswith(icon["type"])
        worker = await client.get("/ops/sw.js")
        assert worker.status_code == 200
        assert worker.headers["content-type"].startswith("text/javascript")
        assert worker.headers["service-worker-allowed"] == "/ops/"
        assert "notificationclick" in worker.text


async def test_a_deactivated_account_s_device_is_told_nothing_more(platform, tenant, push_service) -> None:
    active = await staff_member(platform, tenant.company_id, role="STAFF")
    leaving = await staff_member(platform, tenant.company_id, role="STAFF")
    kept, dropped = Device(push_service.endpoint()), Device(push_service.endpoint())
    assert (await subscribe(active, kept)).status_code == 201
    assert (await subscribe(leaving, dropped)).status_code == 201
    async with platform.db.transaction() as conn:
        await conn.execute(
            text(
                "UPDATE gateway.users SET deactivated_at = now()"
                " WHERE id = (SELECT user_id FROM gateway.push_subscriptions WHERE endpoint = :e)"
            ),
            {"e": dropped.endpoint},
        )
    customer = await tenant.customer(main_minor=10_000)
    booking_id = await confirmed_booking(tenant, customer)

    async def arrived() -> bool:
        return len(pushes_of(push_service, kept, booking_id)) == 1

    await eventually(arrived, message="the active account's push never arrived")
    async with platform.db.transaction() as conn:
        owed = (
            await conn.execute(
                text(
                    "SELECT count(*) FROM gateway.push_deliveries d"
                    " JOIN gateway.push_subscriptions s ON s.id = d.subscription_id WHERE s.endpoint = :e"
                ),
                {"e": dropped.endpoint},
            )
        ).scalar_one()
    assert owed == 0
    assert pushes_of(push_service, dropped, booking_id) == []


async def test_a_push_still_pending_an_hour_after_its_event_is_not_sent(
    platform, tenant, push_service
) -> None:
    staff = await staff_member(platform, tenant.company_id)
    device = Device(push_service.endpoint())
    assert (await subscribe(staff, device)).status_code == 201
    push_service.status = 503
    customer = await tenant.customer(main_minor=10_000)
    booking_id = await confirmed_booking(tenant, customer)

    async def failed_once() -> bool:
        return len(pushes_of(push_service, device, booking_id)) == 1

    await eventually(failed_once, message="the first attempt never arrived")

    async def row() -> dict | None:
        async with platform.db.transaction() as conn:
            found = (
                await conn.execute(
                    text(
                        "SELECT d.status, d.attempts, d.last_status_code, d.last_error"
                        " FROM gateway.push_deliveries d JOIN gateway.push_subscriptions s"
                        " ON s.id = d.subscription_id WHERE s.endpoint = :e"
                    ),
                    {"e": device.endpoint},
                )
            ).first()
        return dict(found._mapping) if found is not None else None

    async def retrying() -> dict | None:
        found = await row()
        return found if found and found["last_status_code"] == 503 else None

    assert (await eventually(retrying, message="the 503 was not recorded"))["status"] == "PENDING"
    # An hour later, due again: given up as stale, not sent.
    async with platform.db.transaction() as conn:
        await conn.execute(
            text(
                "UPDATE gateway.push_deliveries d SET created_at = now() - interval '61 minutes',"
                " next_attempt_at = now() FROM gateway.push_subscriptions s"
                " WHERE s.id = d.subscription_id AND s.endpoint = :e"
            ),
            {"e": device.endpoint},
        )
    push_service.status = 201

    async def stale() -> dict | None:
        found = await row()
        return found if found and found["status"] == "FAILED" else None

    assert (await eventually(stale, message="the stale push was not given up"))["last_error"] == "STALE"
    assert len(pushes_of(push_service, device, booking_id)) == 1


async def test_a_payment_due_and_a_cancelled_booking_are_pushed_too(platform, tenant, push_service) -> None:
    staff = await staff_member(platform, tenant.company_id)
    device = Device(push_service.endpoint())
    assert (await subscribe(staff, device)).status_code == 201

    short = await tenant.customer(main_minor=500)
    session = await tenant.session(price_minor=2000, capacity=3)
    created = await short.book(session.id, use_wallet=True, pay_later=True)
    assert created.status_code == 202, created.text
    due_id = created.json()["id"]
    await short.wait_for(due_id, "PENDING_PAYMENT")

    flush = await tenant.customer(main_minor=10_000)
    cancelled_id = await confirmed_booking(tenant, flush)
    cancelled = await flush.cancel(cancelled_id)
    assert cancelled.status_code in (200, 202), cancelled.text
    await flush.wait_for(cancelled_id, "CANCELLED")

    async def types_of(booking_id: str) -> list[str] | None:
        found = sorted(payload["type"] for _, payload in pushes_of(push_service, device, booking_id))
        return found or None

    async def due_pushed() -> list[str] | None:
        return await types_of(due_id)

    async def cancel_pushed() -> list[str] | None:
        found = await types_of(cancelled_id)
        return found if found and "booking.cancelled" in found else None

    assert await eventually(due_pushed, message="no payment-due push") == ["booking.payment_due"]
    assert await eventually(cancel_pushed, message="no cancellation push") == [
        "booking.cancelled",
        "booking.confirmed",
    ]
    [(_, due)] = pushes_of(push_service, device, due_id)
    assert due["title"] == "Payment due" and due["body"] == f"Booking {due_id[:8]} waits for its payment."
