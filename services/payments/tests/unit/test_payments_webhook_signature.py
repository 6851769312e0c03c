"""Provider events are signed with HMAC-SHA256 over timestamp + body; anything else is refused."""

import json
import time

import pytest

from payments.domain import events
from payments.domain.events import EventType, ProviderEvent
from plumbing.errors import InvalidArgument

SECRET = "whsec-test-0123456789"


def an_event(**overrides) -> ProviderEvent:
    values = dict(
        id="evt_1",
        type=EventType.AUTHORIZED,
        created=1_700_000_000,
        provider_reference="sbx_auth_abc",
        idempotency_key="saga-1:payments",
        amount_minor=1500,
        currency="EUR",
    )
    values.update(overrides)
    return ProviderEvent(**values)


def refusal(payload: bytes, header: str, **kwargs) -> str:
    with pytest.raises(InvalidArgument) as refused:
        events.verify(SECRET, payload, header, **kwargs)
    return refused.value.reason


def test_a_signed_payload_verifies_and_parses_back_into_the_event():
    event = an_event(type=EventType.FAILED, failure_reason="AUTHENTICATION_FAILED")
    payload = event.to_json()
    header = events.sign(SECRET, payload)

    events.verify(SECRET, payload, header)

    assert header.startswith("t=") and ",v1=" in header
    assert events.parse(payload) == event


def test_a_tampered_body_a_wrong_secret_or_a_moved_timestamp_is_an_invalid_signature():
    payload = an_event().to_json()
    header = events.sign(SECRET, payload)
    timestamp = header.split(",")[0][2:]
    tampered = payload.replace(b"1500", b"9500")

    assert refusal(tampered, header) == "INVALID_SIGNATURE"
    assert refusal(payload, events.sign("another-secret", payload)) == "INVALID_SIGNATURE"
    assert (
        refusal(payload, header.replace(f"t={timestamp}", f"t={int(timestamp) + 1}")) == "INVALID_SIGNATURE"
    )


@pytest.mark.parametrize(
    "header", ["", "garbage", "t=abc,v1=00", "t=1700000000", "v1=00ff", "t=1700000000,v1="]
)
def test_a_missing_or_malformed_header_is_an_invalid_signature(header):
    assert refusal(an_event().to_json(), header) == "INVALID_SIGNATURE"


def test_a_signature_older_or_newer_than_five_minutes_is_stale():
    payload = an_event().to_json()
    now = time.time()
    old = events.sign(SECRET, payload, timestamp=int(now) - 301)
    future = events.sign(SECRET, payload, timestamp=int(now) + 301)
    recent = events.sign(SECRET, payload, timestamp=int(now) - 290)

    assert refusal(payload, old, now=now) == "STALE_EVENT"
    assert refusal(payload, future, now=now) == "STALE_EVENT"
    events.verify(SECRET, payload, recent, now=now)


def test_one_matching_signature_among_several_is_enough_while_a_secret_is_rotated():
    payload = an_event().to_json()
    good = events.sign(SECRET, payload)
    stale_secret = events.sign("old-secret", payload).split(",")[1]
    events.verify(SECRET, payload, f"{good},{stale_secret}")
    events.verify(SECRET, payload, f"{good.split(',')[0]},{stale_secret},{good.split(',')[1]}")


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        json.dumps({"id": "evt_1", "type": "payment.refunded", "provider_reference": "x"}).encode(),
        json.dumps({"type": "payment.authorized", "provider_reference": "x"}).encode(),
        json.dumps({"id": "evt_1", "type": "payment.authorized"}).encode(),
        json.dumps(
            {"id": "evt_1", "type": "payment.authorized", "provider_reference": "x", "created": "now"}
        ).encode(),
    ],
)
def test_a_verified_body_that_is_not_an_event_is_refused(body):
    with pytest.raises(InvalidArgument) as refused:
        events.parse(body)
    assert refused.value.reason == "INVALID_EVENT"


@pytest.mark.parametrize("field", ["amount_minor", "created"])
@pytest.mark.parametrize("value", [True, False, 15.0, 1.5, "1500", None, [1500], 2**63, -(2**63) - 1])
def test_an_integer_field_that_is_a_bool_or_no_bigint_is_an_invalid_event(field, value):
    # A bool is an int to Python: `"amount_minor": true` reached the database (500, bigint = boolean).
    body = json.loads(an_event().to_json())
    body[field] = value
    with pytest.raises(InvalidArgument) as refused:
        events.parse(json.dumps(body).encode())
    assert refused.value.reason == "INVALID_EVENT"


def test_the_largest_bigint_is_still_an_amount():
    assert events.parse(an_event(amount_minor=2**63 - 1).to_json()).amount_minor == 2**63 - 1
