"""The background sweeps: payments whose action timed out, intents nobody finished."""

from __future__ import annotations

import logging
from datetime import timedelta

from payments.adapters import repository
from payments.domain import errors
from payments.domain.model import PaymentStatus
from payments.domain.provider import CardProvider, ProviderUnavailable
from payments.service.lifecycle import (
    ReplyWriter,
    existing_payment,
    record_answer,
    release_at_provider,
    settle,
)
from plumbing.db import Database

log = logging.getLogger(__name__)


async def fail_expired_actions(
    db: Database, provider: CardProvider, replies: ReplyWriter | None, *, batch: int = 20
) -> int:
    """REQUIRES_ACTION payments past their expiry: cancelled at the provider, FAILED with
    AUTHENTICATION_TIMEOUT, the waiting EXECUTE answered FAILED. Replicas skip each other's rows."""
    async with db.transaction() as conn:
        expired = await repository.lock_expired_actions(conn, batch)
        for payment in expired:
            await release_at_provider(provider, payment, payment.provider_reference)
            failed = await repository.resolve(
                conn,
                payment.id,
                to_status=PaymentStatus.FAILED,
                reason=errors.AUTHENTICATION_TIMEOUT,
                from_statuses=frozenset({PaymentStatus.REQUIRES_ACTION}),
            )
            if failed is not None:
                log.info("payment %s: action timed out", payment.id)
                await settle(conn, failed, replies)
    return len(expired)


async def recover_stale_intents(
    db: Database,
    provider: CardProvider,
    replies: ReplyWriter | None,
    *,
    older_than: timedelta,
    action_timeout: timedelta,
    batch: int = 20,
) -> int:
    """AUTHORIZING intents nobody finished (the caller crashed or gave up after a lost answer).

    The provider is asked what it knows of the key, outside any transaction: its answer is
    recorded as usual. A key it never received is FAILED with PROVIDER_UNAVAILABLE; an answer
    that still arrives later for it is released (see `record_answer`).
    """
    async with db.transaction() as conn:
        stale = await repository.claim_stale_intents(conn, older_than, batch)
    for intent in stale:
        try:
            answer = await provider.find_authorization(intent.idempotency_key)
        except ProviderUnavailable:
            log.warning("recovery of payment %s: the provider is unavailable", intent.id)
            continue
        async with db.transaction() as conn:
            if answer is not None:
                payment = await record_answer(conn, provider, intent.id, answer, action_timeout)
            else:
                failed = await repository.resolve(
                    conn,
                    intent.id,
                    to_status=PaymentStatus.FAILED,
                    reason=errors.PROVIDER_UNAVAILABLE,
                    from_statuses=frozenset({PaymentStatus.AUTHORIZING}),
                )
                payment = failed or await existing_payment(conn, intent.id)
            log.info("recovered payment %s: %s", payment.id, payment.status)
            await settle(conn, payment, replies)
    return len(stale)
