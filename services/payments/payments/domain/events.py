"""Events of the card provider (webhooks): their JSON shape and their HMAC-SHA256 signature.

The provider POSTs a JSON event and signs it in a header
`Sandbox-Signature: t=<unix seconds>,v1=<hex>` where
`hex = HMAC-SHA256(secret, "<t>." + body)`. Several `v1=` entries may be present (the
provider signs with every active secret while one is rotated); one match is enough.
The comparison is constant-time, and a signature older (or newer) than the tolerance is
refused, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from payments.domain import errors
from plumbing.errors import InvalidArgument

SIGNATURE_HEADER = "Sandbox-Signature"
TOLERANCE_SECONDS = 300
MAX_PAYLOAD_BYTES = 64 * 1024


class EventType(enum.StrEnum):
    AUTHORIZED = "payment.authorized"
    FAILED = "payment.failed"


@dataclass(frozen=True)
class ProviderEvent:
    id: str
    type: EventType
    created: int
    provider_reference: str
    # The idempotency key of the authorization, so an event that overtakes the answer to the
    # authorization still finds its payment.
    idempotency_key: str
    amount_minor: int
    currency: str
    failure_reason: str | None = None

    @property
    def sets_reference(self) -> bool:
        """Whether this event may give a payment that has no reference yet (AUTHORIZING: the
        event overtook the provider's answer) its reference: only an approval, whose reference
        is what a capture or a void will name. A failure needs none (nothing to release)."""
        return self.type is EventType.AUTHORIZED

    def mismatches(
        self, *, provider_reference: str, idempotency_key: str, amount_minor: int, currency: str
    ) -> tuple[str, ...]:
        """The fields in which this event differs from the payment it names (empty: it matches).

        The reference must be the payment's once it has one; the key, when the event carries
        one, the payment's; the amount and currency exactly what was asked. The same rule is the
        WHERE of the write that applies the event (repository.resolve_by_event): this one only
        tells why that write found nothing.
        """
        wrong = []
        if provider_reference and self.provider_reference != provider_reference:
            wrong.append("provider_reference")
        if self.idempotency_key and self.idempotency_key != idempotency_key:
            wrong.append("idempotency_key")
        if self.amount_minor != amount_minor:
            wrong.append("amount_minor")
        if self.currency != currency:
            wrong.append("currency")
        return tuple(wrong)

    def to_json(self) -> bytes:
        body: dict[str, Any] = {
            "id": self.id,
            "type": self.type.value,
            "created": self.created,
            "provider_reference": self.provider_reference,
            "idempotency_key": self.idempotency_key,
            "amount_minor": self.amount_minor,
            "currency": self.currency,
        }
        if self.failure_reason:
            body["failure_reason"] = self.failure_reason
        return json.dumps(body, separators=(",", ":")).encode()


def _mac(secret: str, timestamp: int, payload: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + payload, hashlib.sha256).hexdigest()


def sign(secret: str, payload: bytes, *, timestamp: int | None = None) -> str:
    """The signature header value of a payload, e.g. `t=1700000000,v1=5f0c...`."""
    moment = int(time.time()) if timestamp is None else timestamp
    return f"t={moment},v1={_mac(secret, moment, payload)}"


def verify(secret: str, payload: bytes, header: str, *, now: float | None = None) -> None:
    """Raises INVALID_SIGNATURE (bad, missing or tampered) or STALE_EVENT (outside the tolerance)."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise InvalidArgument(
            errors.INVALID_SIGNATURE, "the signature header is malformed", field="signature"
        )
    expected = _mac(secret, timestamp, payload)
    # Compare every candidate (no early exit) in constant time.
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected.encode(), candidate.encode())
    if not matched:
        raise InvalidArgument(
            errors.INVALID_SIGNATURE, "the signature does not match the payload", field="signature"
        )
    moment = time.time() if now is None else now
    if abs(moment - timestamp) > TOLERANCE_SECONDS:
        raise InvalidArgument(
            errors.STALE_EVENT,
            f"the signature timestamp is more than {TOLERANCE_SECONDS} s away from now",
            field="signature",
        )


def _invalid(detail: str) -> InvalidArgument:
    return InvalidArgument(errors.INVALID_EVENT, detail, field="payload")


def _is_bigint(value: object) -> bool:
    """A JSON integer that fits the columns it is compared with (bigint). Not a bool: Python's
    bool is an int, and `true` reached the database as a boolean (500, `bigint = boolean`)."""
    return type(value) is int and -(2**63) <= value < 2**63


def parse(payload: bytes) -> ProviderEvent:
    """The event of a verified payload; INVALID_EVENT when it is not one."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise _invalid("the event is too large")
    try:
        body = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise _invalid("the event is not JSON") from None
    if not isinstance(body, dict):
        raise _invalid("the event is not a JSON object")
    try:
        kind = EventType(str(body.get("type")))
    except ValueError:
        raise _invalid(f"unknown event type {body.get('type')!r}") from None
    event_id, reference, key = body.get("id"), body.get("provider_reference"), body.get("idempotency_key", "")
    if not isinstance(event_id, str) or not event_id or len(event_id) > 200:
        raise _invalid("the event has no id")
    if not isinstance(reference, str) or not reference or len(reference) > 200:
        raise _invalid("the event has no provider_reference")
    if not isinstance(key, str) or len(key) > 400:
        raise _invalid("the event's idempotency_key is not a string")
    created, amount = body.get("created", 0), body.get("amount_minor", 0)
    if not _is_bigint(created) or not _is_bigint(amount):
        raise _invalid("created and amount_minor are integers")
    reason = body.get("failure_reason")
    if reason is not None and not isinstance(reason, str):
        raise _invalid("failure_reason is a string")
    return ProviderEvent(
        id=event_id,
        type=kind,
        created=created,
        provider_reference=reference,
        idempotency_key=key,
        amount_minor=amount,
        currency=str(body.get("currency", "")),
        failure_reason=reason or None,
    )
