"""Web Push pieces without a platform: where a push may be sent (gateway.push.urls), the VAPID
key's forms and its signed header (gateway.push.vapid), the notification a booking event
becomes, and how a push service's answer is taken (gateway.push.delivery)."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gateway.push.delivery import Claimed, Outcome, notification, retry_delay_seconds
from gateway.push.urls import check_endpoint
from gateway.push.vapid import InvalidVapidKey, VapidKey, b64url, load_private_key, new_private_key_pem
from gateway.settings import _vapid_key
from plumbing.errors import InvalidArgument


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3/push",
        "https://192.168.0.10/push",
        "https://169.254.169.254/latest/meta-data",
        "https://[fd00::1]/push",
        "https://0.0.0.0/push",
        "http://93.184.215.14/push",  # public, but not https
        "ftp://93.184.215.14/push",
        "https://user:secret@93.184.215.14/push",
        "https://93.184.215.14/push\nX: y",
    ],
)
async def test_an_internal_or_non_https_endpoint_is_refused_even_where_loopback_is_allowed(url: str) -> None:
    for allow_loopback in (False, True):
        with pytest.raises(InvalidArgument) as refused:
            await check_endpoint(url, allow_loopback=allow_loopback)
        assert refused.value.reason == "INVALID_PUSH_ENDPOINT"
        assert url not in refused.value.message and "secret" not in refused.value.message


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/push/a", "https://[::1]/push", "http://localhost:9/p"]
)
async def test_a_loopback_endpoint_is_taken_only_where_allowed(url: str) -> None:
    with pytest.raises(InvalidArgument):
        await check_endpoint(url, allow_loopback=False)
    await check_endpoint(url, allow_loopback=True)


async def test_a_public_https_endpoint_is_accepted() -> None:
    await check_endpoint("https://93.184.215.14/fcm/send/abc", allow_loopback=False)


def test_the_key_is_read_as_pem_raw_or_der_and_anything_else_refused_without_echo() -> None:
    pem = new_private_key_pem()
    key = load_private_key(pem)
    raw = b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    der = b64url(
        key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    public = VapidKey(pem, "mailto:ops@example.com").public_key
    assert VapidKey(raw, "mailto:ops@example.com").public_key == public
    assert VapidKey(der, "mailto:ops@example.com").public_key == public
    assert len(base64.urlsafe_b64decode(public + "=")) == 65
    for bad in ("not a key", raw[:-4], "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"):
        with pytest.raises(InvalidVapidKey):
            load_private_key(bad)
    p384 = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(InvalidVapidKey):
        load_private_key(p384.decode())
    with pytest.raises(RuntimeError) as refused:
        _vapid_key(raw[:-4], "mailto:ops@example.com")
    assert raw[:-4] not in str(refused.value)
    # The contact push services see must be a mailto: address or an https: URL.
    with pytest.raises(RuntimeError):
        _vapid_key(pem, "ops at example")
    assert _vapid_key(pem, "https://ops.example.com") == pem


def test_the_authorization_header_is_an_es256_token_for_the_endpoint_s_origin() -> None:
    vapid = VapidKey(new_private_key_pem(), "mailto:ops@example.com")
    header = vapid.authorization("https://push.example.net:8443/send/abc?x=1")
    scheme, _, params = header.partition(" ")
    fields = dict(p.split("=", 1) for p in params.split(","))
    assert scheme == "vapid" and fields["k"] == vapid.public_key
    public = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), base64.urlsafe_b64decode(fields["k"] + "=")
    )
    claims = jwt.decode(fields["t"], public, algorithms=["ES256"], audience="https://push.example.net:8443")
    assert claims["sub"] == "mailto:ops@example.com"
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600


def test_staff_are_told_of_confirmed_cancelled_and_payment_due_bookings_only() -> None:
    data = {"booking_id": "0b6f4f3e-8d0a-4d55-9f1e-0d3c2b1a0f99", "occurred_at": "2026-12-06T02:00:00+00:00"}
    shown = notification("evt-1", "bookings.events.confirmed", data)
    assert shown is not None
    event_type, payload = shown
    body = json.loads(payload)
    assert event_type == "booking.confirmed" and body["title"] == "Booking confirmed"
    assert body["url"] == "/ops/push/open?booking_id=0b6f4f3e-8d0a-4d55-9f1e-0d3c2b1a0f99"
    assert body["body"] == "Booking 0b6f4f3e is confirmed." and body["event_id"] == "evt-1"
    assert notification("e", "bookings.events.cancelled", data)[0] == "booking.cancelled"  # type: ignore[index]
    assert notification("e", "bookings.events.pending_payment", data)[0] == "booking.payment_due"  # type: ignore[index]
    for other in ("rejected", "cancelling", "refund_completed"):
        assert notification("e", f"bookings.events.{other}", data) is None


def test_gone_drops_a_4xx_gives_up_and_the_rest_is_retried_with_back_off() -> None:
    assert Outcome(201, None).ok and not Outcome(201, None).final
    assert Outcome(410, "HTTP 410").gone and Outcome(404, "HTTP 404").gone
    assert Outcome(413, "HTTP 413").final and Outcome(403, "HTTP 403").final
    for retried in (Outcome(429, "HTTP 429"), Outcome(503, "HTTP 503"), Outcome(None, "TIMEOUT")):
        assert not retried.final and not retried.gone and not retried.ok
    assert [retry_delay_seconds(n) for n in (1, 2, 3, 10)] == [10, 20, 40, 600]


def test_a_claimed_delivery_keeps_the_device_s_keys_out_of_its_repr() -> None:
    claimed = Claimed(
        "d", 1, "s", "c", "https://push.example.net/secret-device", "P256DH", "AUTHSECRET", "{}"
    )
    assert "AUTHSECRET" not in repr(claimed) and "secret-device" not in repr(claimed)
