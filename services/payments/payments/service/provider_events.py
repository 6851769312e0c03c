"""Provider events (webhooks): verified, recorded once, applied with a conditional update."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from payments.adapters import repository
from payments.domain import errors, events
from payments.domain.events import EventType
from payments.domain.model import PaymentStatus
from payments.domain.provider import CardProvider
from payments.service.lifecycle import ReplyWriter, existing_payment, release_at_provider, settle
from plumbing.db import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventReceipt:
    event_id: str
    duplicate: bool
    payment_id: uuid.UUID | None


class EventOutcome:
    APPLIED = "APPLIED"
    ALREADY_RESOLVED = "ALREADY_RESOLVED"
    VOIDED_LATE = "VOIDED_LATE"
    UNKNOWN_PAYMENT = "UNKNOWN_PAYMENT"


async def handle_provider_event(
    db: Database,
    provider: CardProvider,
    *,
    secret: str,
    payload: bytes,
    signature: str,
    replies: ReplyWriter | None,
) -> EventReceipt:
    """Verifies, records once and applies a provider event, in one transaction.

    INVALID_SIGNATURE / STALE_EVENT / INVALID_EVENT refuse it (the provider retries). A
    duplicate event id is acknowledged and ignored. An approval of a payment we no longer
    hold (voided by a compensation, failed by the action timeout) is released at the provider.
    """
    events.verify(secret, payload, signature)
    event = events.parse(payload)
    async with db.transaction() as conn:
        if not await repository.record_event(conn, event):
            return EventReceipt(event.id, True, await repository.event_payment(conn, event.id))
        payment = await repository.payment_for_event(conn, event.provider_reference, event.idempotency_key)
        if payment is None:
            log.warning("provider event %s about unknown %s: ignored", event.id, event.provider_reference)
            await repository.complete_event(
                conn, event.id, payment_id=None, outcome=EventOutcome.UNKNOWN_PAYMENT
            )
            return EventReceipt(event.id, False, None)
        if event.type is EventType.AUTHORIZED:
            changed = await repository.resolve(
                conn,
                payment.id,
                to_status=PaymentStatus.AUTHORIZED,
                provider_reference=event.provider_reference,
            )
        else:
            changed = await repository.resolve(
                conn,
                payment.id,
                to_status=PaymentStatus.FAILED,
                provider_reference=event.provider_reference,
                reason=event.failure_reason or errors.CARD_DECLINED,
            )
        if changed is not None:
            outcome = EventOutcome.APPLIED
            await settle(conn, changed, replies)
        else:
            current = await existing_payment(conn, payment.id)
            outcome = EventOutcome.ALREADY_RESOLVED
            if event.type is EventType.AUTHORIZED and current.status.holds_nothing:
                await release_at_provider(provider, current, event.provider_reference)
                outcome = EventOutcome.VOIDED_LATE
        await repository.complete_event(conn, event.id, payment_id=payment.id, outcome=outcome)
        log.info("provider event %s %s for payment %s: %s", event.id, event.type, payment.id, outcome)
        return EventReceipt(event.id, False, payment.id)
