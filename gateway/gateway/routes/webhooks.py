"""Webhooks of outside providers. The gateway verifies nothing itself: it forwards the raw body
and the signature header to the service that owns the secret, and maps its refusals
(INVALID_SIGNATURE, STALE_EVENT, INVALID_EVENT) to 400 problem+json, and an event that does not
match the payment it names (EVENT_MISMATCH, payments README: Webhooks) to 409. No bearer token
and no Idempotency-Key: the signature authenticates the call and the event id de-duplicates it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel

from bookingplatform.payments.v1 import payments_pb2
from gateway.deps import clients_of, rpc
from gateway.problems import Problem
from gateway.routes.common import problems

router = APIRouter()

SANDBOX_SIGNATURE = "Sandbox-Signature"
MAX_EVENT_BYTES = 64 * 1024


class WebhookAck(BaseModel):
    received: bool
    duplicate: bool
    event_id: str


@router.post(
    "/webhooks/payments/sandbox",
    operation_id="receiveSandboxPaymentEvent",
    response_model=WebhookAck,
    tags=["webhooks"],
    responses=problems(400, 409, 413, 503),
)
async def sandbox_payment_event(
    request: Request,
    signature: Annotated[
        str | None, Header(alias=SANDBOX_SIGNATURE, description="t=<unix seconds>,v1=<hex HMAC-SHA256>")
    ] = None,
) -> WebhookAck:
    """An event of the sandbox card provider (`payment.authorized`, `payment.failed`).

    2xx acknowledges it (a duplicate too); any other answer makes the provider retry."""
    payload = await request.body()
    if len(payload) > MAX_EVENT_BYTES:
        raise Problem(413, "EVENT_TOO_LARGE", f"Events are at most {MAX_EVENT_BYTES} bytes.")
    reply = await rpc(
        "payments",
        clients_of(request).payments.HandleProviderEvent(
            payments_pb2.HandleProviderEventRequest(payload=payload, signature=signature or "")
        ),
    )
    return WebhookAck(received=True, duplicate=reply.duplicate, event_id=reply.event_id)
