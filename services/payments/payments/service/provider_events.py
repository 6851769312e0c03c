"""Provider events (webhooks): verified, recorded once, applied with a conditional update."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from payments.adapters import repository
from payments.domain import errors, events
from payments.domain.events import EventType, ProviderEvent
from payments.domain.model import PaymentStatus
from payments.domain.provider import CardProvider
from payments.service.lifecycle import ReplyWriter, existing_payment, release_at_provider, settle
from plumbing.db import Database
from plumbing.errors import FailedPrecondition

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
    # Refused: the event's reference, key, amount or currency is not its payment's.
    MISMATCH = "MISMATCH"


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
    An event that does not match the payment it names is refused EVENT_MISMATCH once its
    refusal is recorded: the payment and its saga step are left as they were.
    """
    events.verify(secret, payload, signature)
    event = events.parse(payload)
    async with db.transaction() as conn:
        if not await repository.record_event(conn, event, refused_outcome=EventOutcome.MISMATCH):
            return EventReceipt(event.id, True, await repository.event_payment(conn, event.id))
        payment = await repository.payment_for_event(conn, event.provider_reference, event.idempotency_key)
        if payment is None:
            log.warning("provider event %s about unknown %s: ignored", event.id, event.provider_reference)
            await repository.complete_event(
                conn, event.id, payment_id=None, outcome=EventOutcome.UNKNOWN_PAYMENT
            )
            return EventReceipt(event.id, False, None)
        outcome, wrong = await _apply(conn, provider, payment.id, event, replies)
        await repository.complete_event(conn, event.id, payment_id=payment.id, outcome=outcome)
    if wrong:
        # Committed first, so the refusal stays recorded; the provider retries a genuine event
        # (any answer but a 2xx), each retry refused the same way until an operator looks.
        raise _mismatch(event, payment.id, wrong)
    log.info("provider event %s %s for payment %s: %s", event.id, event.type, payment.id, outcome)
    return EventReceipt(event.id, False, payment.id)


async def _apply(
    conn: AsyncConnection,
    provider: CardProvider,
    payment_id: uuid.UUID,
    event: ProviderEvent,
    replies: ReplyWriter | None,
) -> tuple[str, tuple[str, ...]]:
    """The event's outcome, and the fields it got wrong when it does not match its payment."""
    if event.type is EventType.AUTHORIZED:
        changed = await repository.resolve_by_event(
            conn, payment_id, event, to_status=PaymentStatus.AUTHORIZED
        )
    else:
        changed = await repository.resolve_by_event(
            conn,
            payment_id,
            event,
            to_status=PaymentStatus.FAILED,
            reason=event.failure_reason or errors.CARD_DECLINED,
        )
    if changed is not None:
        await settle(conn, changed, replies)
        return EventOutcome.APPLIED, ()
    # Nothing written: read the payment as it is now only to say why.
    current = await existing_payment(conn, payment_id)
    wrong = event.mismatches(
        provider_reference=current.provider_reference,
        idempotency_key=current.idempotency_key,
        amount_minor=current.amount_minor,
        currency=current.currency,
    )
    if wrong:
        return EventOutcome.MISMATCH, wrong
    if event.type is EventType.AUTHORIZED and current.status.holds_nothing:
        await release_at_provider(provider, current, event.provider_reference)
        return EventOutcome.VOIDED_LATE, ()
    return EventOutcome.ALREADY_RESOLVED, ()


def _mismatch(event: ProviderEvent, payment_id: uuid.UUID, wrong: tuple[str, ...]) -> FailedPrecondition:
    """The refusal of an event that does not match its payment. It names the fields, never their
    values (a reference or key of someone else's payment is not echoed back)."""
    fields = ", ".join(wrong)
    log.error(
        "provider event %s %s does not match payment %s (%s): refused, payment unchanged",
        event.id,
        event.type,
        payment_id,
        fields,
    )
    return FailedPrecondition(
        errors.EVENT_MISMATCH,
        f"the event does not match the payment it names: {fields}",
        metadata={"mismatched": ",".join(wrong), "event_id": event.id},
    )
