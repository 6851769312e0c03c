"""SQL of the payments schema (SQLAlchemy Core) returning domain objects.

Every status change is one conditional UPDATE ... RETURNING: the database decides whether
the transition is allowed, so two concurrent changes of a payment cannot both win.

The statements of a saga step are built once, at import, with their values bound at
execution: SQLAlchemy compiles a `postgresql.insert(...)` again on every execution (those
are `text()` here, with the same ON CONFLICT and RETURNING), and building any statement per
call costs about as much again (bench/statement_cost.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, bindparam, case, func, literal, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from payments.adapters.tables import payment_methods, payment_requests, payments, provider_events, saga_steps
from payments.domain.events import ProviderEvent
from payments.domain.methods import CardDetails, PaymentMethod
from payments.domain.model import UNRESOLVED, NewPayment, Operation, Payment, PaymentStatus
from payments.domain.saga import StepAction, StepDecision


def _payment(row: Row[Any]) -> Payment:
    return Payment(
        id=row.id,
        company_id=row.company_id,
        customer_id=row.customer_id,
        booking_id=row.booking_id,
        amount_minor=row.amount_minor,
        refunded_minor=row.refunded_minor,
        currency=row.currency,
        status=PaymentStatus(row.status),
        provider=row.provider,
        provider_reference=row.provider_reference,
        decline_reason=row.decline_reason,
        idempotency_key=row.idempotency_key,
        created_at=row.created_at,
        updated_at=row.updated_at,
        action_expires_at=row.action_expires_at,
    )


# Payment methods


def _method(row: Row[Any], prefix: str = "") -> PaymentMethod:
    """A payment method from its row, or from a joined row's columns named `prefix` + column."""

    def column(name: str) -> Any:
        return getattr(row, prefix + name)

    return PaymentMethod(
        id=column("id"),
        company_id=column("company_id"),
        customer_id=column("customer_id"),
        request_id=column("request_id"),
        details=CardDetails(brand=column("brand"), last4=column("last4")),
        created_at=column("created_at"),
        card_token=column("card_token"),
    )


async def insert_payment_method(
    conn: AsyncConnection,
    *,
    company_id: uuid.UUID,
    customer_id: uuid.UUID,
    request_id: str,
    card_token: str,
    details: CardDetails,
) -> tuple[PaymentMethod, bool]:
    """The method of (company, customer, request id): a new one, or the one a first request made;
    True when this call registered it."""
    row = (
        await conn.execute(
            insert(payment_methods)
            .values(
                id=uuid.uuid4(),
                company_id=company_id,
                customer_id=customer_id,
                request_id=request_id,
                card_token=card_token,
                brand=details.brand,
                last4=details.last4,
            )
            .on_conflict_do_nothing(
                index_elements=[
                    payment_methods.c.company_id,
                    payment_methods.c.customer_id,
                    payment_methods.c.request_id,
                ]
            )
            .returning(*payment_methods.c)
        )
    ).first()
    created = row is not None
    if row is None:
        row = (
            await conn.execute(
                select(payment_methods).where(
                    payment_methods.c.company_id == company_id,
                    payment_methods.c.customer_id == customer_id,
                    payment_methods.c.request_id == request_id,
                )
            )
        ).one()
    return _method(row), created


_GET_PAYMENT_METHOD = select(payment_methods).where(payment_methods.c.id == bindparam("method_id"))


async def get_payment_method(conn: AsyncConnection, method_id: uuid.UUID) -> PaymentMethod | None:
    row = (await conn.execute(_GET_PAYMENT_METHOD, {"method_id": method_id})).first()
    return _method(row) if row is not None else None


# Payments


_INSERT_PAYMENT = text(
    f"""
    INSERT INTO payments.payments (
        id, company_id, customer_id, booking_id, amount_minor, currency, status, provider,
        provider_reference, decline_reason, idempotency_key
    ) VALUES (
        :id, :company_id, :customer_id, :booking_id, :amount_minor, :currency, :status, :provider,
        :provider_reference, :decline_reason, :idempotency_key
    )
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING {", ".join(payments.c.keys())}
    """
).columns(*payments.c)


async def insert_payment(conn: AsyncConnection, new: NewPayment) -> Payment | None:
    """Records a payment; None when its idempotency key already has one."""
    row = (
        await conn.execute(
            _INSERT_PAYMENT,
            {
                "id": new.id,
                "company_id": new.company_id,
                "customer_id": new.customer_id,
                "booking_id": new.booking_id,
                "amount_minor": new.amount_minor,
                "currency": new.currency,
                "status": new.status.value,
                "provider": new.provider,
                "provider_reference": new.provider_reference,
                "decline_reason": new.decline_reason,
                "idempotency_key": new.idempotency_key,
            },
        )
    ).first()
    return _payment(row) if row is not None else None


_GET_PAYMENT = select(payments).where(payments.c.id == bindparam("payment_id"))


async def get_payment(conn: AsyncConnection, payment_id: uuid.UUID) -> Payment | None:
    row = (await conn.execute(_GET_PAYMENT, {"payment_id": payment_id})).first()
    return _payment(row) if row is not None else None


async def get_payment_by_key(conn: AsyncConnection, idempotency_key: str) -> Payment | None:
    row = (await conn.execute(select(payments).where(payments.c.idempotency_key == idempotency_key))).first()
    return _payment(row) if row is not None else None


async def payments_of_booking(conn: AsyncConnection, booking_id: uuid.UUID) -> list[Payment]:
    rows = await conn.execute(
        select(payments).where(payments.c.booking_id == booking_id).order_by(payments.c.created_at)
    )
    return [_payment(row) for row in rows]


_LOCK_PAYMENT = _GET_PAYMENT.with_for_update(key_share=True)


async def lock_payment(conn: AsyncConnection, payment_id: uuid.UUID) -> Payment | None:
    """Reads a payment and holds it (NO KEY UPDATE, as an UPDATE would) until the transaction ends."""
    row = (await conn.execute(_LOCK_PAYMENT, {"payment_id": payment_id})).first()
    return _payment(row) if row is not None else None


async def payment_for_event(
    conn: AsyncConnection, provider_reference: str, idempotency_key: str
) -> Payment | None:
    """The payment an event is about: by the provider's reference, else by the authorization's key
    (an event may overtake the answer that tells us the reference). Should the two name two
    payments, the key's is the one (the event then matches neither and is refused)."""
    conditions = [payments.c.provider_reference == provider_reference]
    query = select(payments)
    if idempotency_key:
        conditions.append(payments.c.idempotency_key == idempotency_key)
        query = query.order_by((payments.c.idempotency_key == idempotency_key).desc())
    row = (await conn.execute(query.where(or_(*conditions)).limit(1))).first()
    return _payment(row) if row is not None else None


# The names bound in WHERE differ from the columns: SQLAlchemy keeps those for SET.
_CHANGE_STATUS = (
    update(payments)
    .where(
        payments.c.id == bindparam("payment_key"),
        payments.c.status.in_(bindparam("from_statuses", expanding=True)),
    )
    .values(updated_at=func.now(), action_expires_at=None)
    .returning(*payments.c)
)


async def change_status(
    conn: AsyncConnection,
    payment_id: uuid.UUID,
    *,
    from_status: PaymentStatus | tuple[PaymentStatus, ...],
    to_status: PaymentStatus,
) -> Payment | None:
    """Moves a payment from one status to another; None when it is not in `from_status`."""
    allowed = (from_status,) if isinstance(from_status, PaymentStatus) else from_status
    row = (
        await conn.execute(
            _CHANGE_STATUS,
            {
                "payment_key": payment_id,
                "from_statuses": [status.value for status in allowed],
                "status": to_status.value,
            },
        )
    ).first()
    return _payment(row) if row is not None else None


# The SET of a provider's answer (or event): `provider_reference` is kept when the answer
# carries none, `action_expires_at` is NULL unless an action timeout is bound (REQUIRES_ACTION).
_RESOLVED_VALUES = """
    status = :status,
    provider_reference = CASE WHEN :provider_reference = '' THEN provider_reference
                              ELSE :provider_reference END,
    decline_reason = :reason,
    updated_at = now(),
    action_expires_at = now() + CAST(:action_timeout AS interval)
"""
_RESOLVE = text(
    f"""
    UPDATE payments.payments SET {_RESOLVED_VALUES}
    WHERE id = :payment_id AND status = ANY(CAST(:from_statuses AS text[]))
    RETURNING {", ".join(payments.c.keys())}
    """
).columns(*payments.c)


def _resolved_values(
    to_status: PaymentStatus, provider_reference: str, reason: str | None, action_timeout: timedelta | None
) -> dict[str, Any]:
    return {
        "status": to_status.value,
        "provider_reference": provider_reference,
        "reason": reason,
        "action_timeout": action_timeout if to_status is PaymentStatus.REQUIRES_ACTION else None,
    }


async def resolve(
    conn: AsyncConnection,
    payment_id: uuid.UUID,
    *,
    to_status: PaymentStatus,
    provider_reference: str = "",
    reason: str | None = None,
    action_timeout: timedelta | None = None,
    from_statuses: frozenset[PaymentStatus] = UNRESOLVED,
) -> Payment | None:
    """Records the provider's (possibly later) answer of a payment not resolved yet.

    Conditional on the payment still being unresolved (by default AUTHORIZING, PENDING or
    REQUIRES_ACTION): None when someone else resolved it first. The reference is kept when
    the answer carries none.
    """
    row = (
        await conn.execute(
            _RESOLVE,
            {
                "payment_id": payment_id,
                "from_statuses": sorted(status.value for status in from_statuses),
                **_resolved_values(to_status, provider_reference, reason, action_timeout),
            },
        )
    ).first()
    return _payment(row) if row is not None else None


# A provider event is applied only to the payment it matches: its reference (when the payment
# has one; an approval gives one to a payment that has none yet), its key, its amount and its
# currency are part of the WHERE, so a forged or wrong event changes nothing.
_RESOLVE_BY_EVENT = text(
    f"""
    UPDATE payments.payments SET
        status = :status,
        provider_reference = CASE WHEN :sets_reference THEN :event_reference ELSE provider_reference END,
        decline_reason = :reason,
        updated_at = now(),
        action_expires_at = NULL
    WHERE id = :payment_id AND status = ANY(CAST(:from_statuses AS text[]))
      AND (provider_reference = :event_reference OR provider_reference = '')
      AND (CAST(:event_key AS text) = '' OR idempotency_key = :event_key)
      AND amount_minor = :amount_minor AND currency = :currency
    RETURNING {", ".join(payments.c.keys())}
    """
).columns(*payments.c)


async def resolve_by_event(
    conn: AsyncConnection,
    payment_id: uuid.UUID,
    event: ProviderEvent,
    *,
    to_status: PaymentStatus,
    reason: str | None = None,
) -> Payment | None:
    """Resolves an unresolved payment as a provider event says, if the event matches it.

    None when the payment is resolved already or the event does not match it
    (`ProviderEvent.mismatches` tells which).
    """
    row = (
        await conn.execute(
            _RESOLVE_BY_EVENT,
            {
                "payment_id": payment_id,
                "from_statuses": sorted(status.value for status in UNRESOLVED),
                "status": to_status.value,
                "reason": reason,
                "sets_reference": event.sets_reference,
                "event_reference": event.provider_reference,
                "event_key": event.idempotency_key,
                "amount_minor": event.amount_minor,
                "currency": event.currency,
            },
        )
    ).first()
    return _payment(row) if row is not None else None


async def lock_expired_actions(conn: AsyncConnection, limit: int) -> list[Payment]:
    """REQUIRES_ACTION payments past their expiry, locked; others' locked rows are skipped."""
    rows = await conn.execute(
        select(payments)
        .where(
            payments.c.status == PaymentStatus.REQUIRES_ACTION.value,
            payments.c.action_expires_at <= func.now(),
        )
        .order_by(payments.c.action_expires_at)
        .limit(limit)
        .with_for_update(skip_locked=True, key_share=True)
    )
    return [_payment(row) for row in rows]


async def claim_stale_intents(conn: AsyncConnection, older_than: timedelta, limit: int) -> list[Payment]:
    """AUTHORIZING payments untouched for `older_than`; claiming bumps `updated_at` (a lease)."""
    target = (
        select(payments.c.id)
        .where(
            payments.c.status == PaymentStatus.AUTHORIZING.value,
            payments.c.updated_at <= func.now() - older_than,
        )
        .order_by(payments.c.updated_at)
        .limit(limit)
        .with_for_update(skip_locked=True, key_share=True)
        .cte("target")
    )
    rows = await conn.execute(
        update(payments)
        .where(payments.c.id == target.c.id, payments.c.status == PaymentStatus.AUTHORIZING.value)
        .values(updated_at=func.now())
        .returning(*payments.c)
    )
    return [_payment(row) for row in rows]


# Provider events


# An event refused as not matching its payment does not keep its id: the same id delivered
# again is checked again (a replay of the refused event is refused again, changing nothing),
# so a forged event cannot take the id of the genuine one before it arrives.
_RECORD_EVENT = text(
    "INSERT INTO payments.provider_events (event_id, type, provider_reference)"
    " VALUES (:event_id, :type, :provider_reference)"
    " ON CONFLICT (event_id) DO UPDATE SET type = EXCLUDED.type,"
    " provider_reference = EXCLUDED.provider_reference, payment_id = NULL, outcome = '',"
    " received_at = now()"
    " WHERE provider_events.outcome = :refused RETURNING event_id"
)


async def record_event(conn: AsyncConnection, event: ProviderEvent, *, refused_outcome: str) -> bool:
    """True when the event id is new, or was refused before (`refused_outcome`): the event is
    to be checked and applied. A concurrent twin waits here until this one commits."""
    inserted = await conn.execute(
        _RECORD_EVENT,
        {
            "event_id": event.id,
            "type": event.type.value,
            "provider_reference": event.provider_reference,
            "refused": refused_outcome,
        },
    )
    return inserted.first() is not None


async def complete_event(
    conn: AsyncConnection, event_id: str, *, payment_id: uuid.UUID | None, outcome: str
) -> None:
    await conn.execute(
        update(provider_events)
        .where(provider_events.c.event_id == event_id)
        .values(payment_id=payment_id, outcome=outcome)
    )


async def event_payment(conn: AsyncConnection, event_id: str) -> uuid.UUID | None:
    return await conn.scalar(
        select(provider_events.c.payment_id).where(provider_events.c.event_id == event_id)
    )


async def refund(
    conn: AsyncConnection, payment_id: uuid.UUID, *, up_to_minor: int | None
) -> tuple[Payment, int] | None:
    """Gives back up to `up_to_minor` (None: all) of what is left of a CAPTURED payment.

    Returns the payment and the amount refunded now; None when the payment is not CAPTURED.
    The payment becomes REFUNDED when nothing is left. The amount is computed from the row
    locked in the same statement, so concurrent refunds never give back more than was taken.
    """
    target = (
        select(payments.c.id, (payments.c.amount_minor - payments.c.refunded_minor).label("left_minor"))
        .where(payments.c.id == payment_id, payments.c.status == PaymentStatus.CAPTURED.value)
        # NO KEY UPDATE, as a plain UPDATE takes: it does not wait for the KEY SHARE locks that
        # the foreign keys of concurrent request rows hold on the payment (FOR UPDATE deadlocks).
        .with_for_update(key_share=True)
        .cte("target")
    )
    give = (
        target.c.left_minor
        if up_to_minor is None
        else func.least(literal(up_to_minor, type_=payments.c.amount_minor.type), target.c.left_minor)
    )
    row = (
        await conn.execute(
            update(payments)
            .where(payments.c.id == target.c.id)
            .values(
                refunded_minor=payments.c.refunded_minor + give,
                status=case(
                    (
                        payments.c.refunded_minor + give >= payments.c.amount_minor,
                        PaymentStatus.REFUNDED.value,
                    ),
                    else_=PaymentStatus.CAPTURED.value,
                ),
                updated_at=func.now(),
            )
            .returning(*payments.c, give.label("refunded_now"))
        )
    ).first()
    return (_payment(row), int(row.refunded_now)) if row is not None else None


# Request ids of captures, voids and refunds


@dataclass(frozen=True)
class RecordedRequest:
    request_id: str
    payment_id: uuid.UUID
    operation: Operation


async def claim_request(
    conn: AsyncConnection, request_id: str, payment_id: uuid.UUID, operation: Operation
) -> bool:
    """True when the request id is new; a concurrent twin waits here until this one commits."""
    inserted = await conn.execute(
        insert(payment_requests)
        .values(request_id=request_id, payment_id=payment_id, operation=operation.value)
        .on_conflict_do_nothing()
        .returning(payment_requests.c.request_id)
    )
    return inserted.first() is not None


async def complete_request(
    conn: AsyncConnection, request_id: str, *, amount_minor: int, provider_reference: str
) -> None:
    await conn.execute(
        update(payment_requests)
        .where(payment_requests.c.request_id == request_id)
        .values(amount_minor=amount_minor, provider_reference=provider_reference)
    )


async def get_request(conn: AsyncConnection, request_id: str) -> RecordedRequest | None:
    row = (
        await conn.execute(select(payment_requests).where(payment_requests.c.request_id == request_id))
    ).first()
    if row is None:
        return None
    return RecordedRequest(row.request_id, row.payment_id, Operation(row.operation))


# Saga steps


@dataclass(frozen=True)
class RecordedStep:
    decision: StepDecision
    tombstone: bool
    # EXECUTE whose payment is not resolved yet: nothing was replied.
    waiting: bool = False
    attempt: int = 0


@dataclass(frozen=True)
class ResolvedStep:
    """An EXECUTE that was waiting for its payment and has just been decided."""

    saga_id: str
    attempt: int
    decision: StepDecision


_CLAIM_STEP = text(
    "INSERT INTO payments.saga_steps (saga_id, action, booking_id, succeeded, attempt)"
    " VALUES (:saga_id, :action, :booking_id, false, :attempt) ON CONFLICT DO NOTHING RETURNING saga_id"
)
_TOMBSTONE_EXECUTE = text(
    "INSERT INTO payments.saga_steps (saga_id, action, booking_id, succeeded, reason, tombstone)"
    " VALUES (:saga_id, 'EXECUTE', :booking_id, false, :reason, true)"
    " ON CONFLICT DO NOTHING RETURNING saga_id"
)
_STEP_KEY = (saga_steps.c.saga_id == bindparam("saga_key"), saga_steps.c.action == bindparam("action_key"))
# The decision's columns are SET from the names bound at execution.
_RECORD_STEP = update(saga_steps).where(*_STEP_KEY).values(waiting=False)
_GET_STEP = select(saga_steps).where(*_STEP_KEY)


async def claim_step(
    conn: AsyncConnection, saga_id: str, action: StepAction, booking_id: str, *, attempt: int = 0
) -> bool:
    """Claims (saga_id, action) for this transaction; False when it was claimed before.

    The row is written undecided and `record_step` (or `wait_step`) fills it in before
    commit, so others only ever see decided or waiting rows; a concurrent twin waits on the
    key until then.
    """
    inserted = await conn.execute(
        _CLAIM_STEP,
        {"saga_id": saga_id, "action": action.value, "booking_id": booking_id, "attempt": attempt},
    )
    return inserted.first() is not None


async def wait_step(conn: AsyncConnection, saga_id: str, payment_id: uuid.UUID) -> None:
    """Marks a claimed EXECUTE as waiting for its payment (no reply until it is resolved)."""
    await conn.execute(
        update(saga_steps)
        .where(saga_steps.c.saga_id == saga_id, saga_steps.c.action == StepAction.EXECUTE.value)
        .values(waiting=True, payment_id=payment_id)
    )


async def decide_waiting_step(
    conn: AsyncConnection, payment_id: uuid.UUID, decision: StepDecision
) -> ResolvedStep | None:
    """Decides the EXECUTE waiting for this payment, if any (conditional on it still waiting)."""
    row = (
        await conn.execute(
            update(saga_steps)
            .where(
                saga_steps.c.payment_id == payment_id,
                saga_steps.c.action == StepAction.EXECUTE.value,
                saga_steps.c.waiting,
            )
            .values(
                waiting=False,
                succeeded=decision.succeeded,
                reason=decision.reason,
                amount_minor=decision.amount_minor,
            )
            .returning(saga_steps.c.saga_id, saga_steps.c.attempt)
        )
    ).first()
    return ResolvedStep(row.saga_id, int(row.attempt), decision) if row is not None else None


async def record_step(
    conn: AsyncConnection, saga_id: str, action: StepAction, decision: StepDecision
) -> None:
    await conn.execute(
        _RECORD_STEP,
        {
            "saga_key": saga_id,
            "action_key": action.value,
            "succeeded": decision.succeeded,
            "reason": decision.reason,
            "amount_minor": decision.amount_minor,
            "payment_id": decision.payment_id,
        },
    )


async def tombstone_execute(conn: AsyncConnection, saga_id: str, booking_id: str, reason: str) -> bool:
    """Takes the EXECUTE slot of a saga with a refusal; False when an EXECUTE was recorded first."""
    inserted = await conn.execute(
        _TOMBSTONE_EXECUTE, {"saga_id": saga_id, "booking_id": booking_id, "reason": reason}
    )
    return inserted.first() is not None


async def get_step(conn: AsyncConnection, saga_id: str, action: StepAction) -> RecordedStep | None:
    row = (await conn.execute(_GET_STEP, {"saga_key": saga_id, "action_key": action.value})).first()
    if row is None:
        return None
    decision = StepDecision(
        succeeded=row.succeeded, reason=row.reason, amount_minor=row.amount_minor, payment_id=row.payment_id
    )
    return RecordedStep(
        decision=decision, tombstone=row.tombstone, waiting=row.waiting, attempt=int(row.attempt)
    )


async def recorded_actions(conn: AsyncConnection, saga_id: str) -> Sequence[StepAction]:
    rows = await conn.execute(select(saga_steps.c.action).where(saga_steps.c.saga_id == saga_id))
    return [StepAction(action) for (action,) in rows]


# The card path of a saga, one statement per phase: the intent of an EXECUTE (claim, payment
# method, payment), the provider's answer to it (payment, step, the step read back) and a
# FINALIZE (capture and its recorded decision). Each answers enough for the caller to take
# the path it took before, statement by statement, whenever the one statement did not apply.

_STEP_COLUMNS = ("succeeded", "reason", "amount_minor", "payment_id", "tombstone", "waiting", "attempt")
_PAYMENT_COLUMNS = ", ".join(payments.c.keys())
_METHOD_COLUMNS = (
    "id",
    "company_id",
    "customer_id",
    "request_id",
    "card_token",
    "brand",
    "last4",
    "created_at",
)


def _prefixed(table: str, prefix: str, columns: Sequence[str]) -> str:
    return ", ".join(f"{table}.{column} AS {prefix}{column}" for column in columns)


def _recorded_step(row: Row[Any]) -> RecordedStep | None:
    """The step_* columns of a row, None when there was no step."""
    if row.step_succeeded is None:
        return None
    decision = StepDecision(
        succeeded=row.step_succeeded,
        reason=row.step_reason,
        amount_minor=row.step_amount_minor,
        payment_id=row.step_payment_id,
    )
    return RecordedStep(
        decision=decision,
        tombstone=row.step_tombstone,
        waiting=row.step_waiting,
        attempt=int(row.step_attempt),
    )


@dataclass(frozen=True)
class OpenedIntent:
    """What `open_saga_intent` did and saw.

    `claimed`: this statement claimed the EXECUTE, waiting for the new AUTHORIZING `payment`.
    Otherwise `recorded` is the EXECUTE claimed before (None when the statement did not see
    one: a twin committed it meanwhile, or the intent was not written because the command is
    refused or its key names a payment already) and `payment` is that step's payment.
    `method` is the command's payment method as stored (None when unknown), whoever owns it.
    """

    claimed: bool
    recorded: RecordedStep | None
    payment: Payment | None
    method: PaymentMethod | None


# The claim is written waiting for the payment the statement inserts with it (its foreign key
# is checked at the statement's end), and only for a method of the command's own company and
# customer whose token the validation of a card token accepts, when no payment holds the key
# yet; the payment is inserted only with the claim. A statement that claims nothing writes
# nothing. The step recorded before (and its payment) are read from the statement's snapshot:
# they do not include the claim.
_OPEN_SAGA_INTENT = text(
    f"""
    WITH method AS (
        SELECT * FROM payments.payment_methods WHERE id = :method_id
    ),
    claim AS (
        INSERT INTO payments.saga_steps (saga_id, action, booking_id, succeeded, attempt, waiting, payment_id)
        SELECT :saga_id, 'EXECUTE', :booking_id, false, CAST(:attempt AS bigint), true,
               CAST(:payment_id AS uuid)
        FROM method
        WHERE method.company_id = :company_id AND method.customer_id = :customer_id
          AND char_length(method.card_token) <= :max_token_length AND method.card_token ~ '[!-~]'
          AND NOT EXISTS (SELECT FROM payments.payments WHERE idempotency_key = :idempotency_key)
        ON CONFLICT DO NOTHING
        RETURNING payment_id
    ),
    intent AS (
        INSERT INTO payments.payments (
            id, company_id, customer_id, booking_id, amount_minor, currency, status, provider,
            provider_reference, idempotency_key
        )
        SELECT claim.payment_id, CAST(:company_id AS uuid), CAST(:customer_id AS uuid),
               CAST(:booking_uuid AS uuid), CAST(:amount_minor AS bigint), CAST(:currency AS text),
               'AUTHORIZING', CAST(:provider AS text), '', CAST(:idempotency_key AS text)
        FROM claim
        RETURNING {_PAYMENT_COLUMNS}
    ),
    recorded AS (
        SELECT * FROM payments.saga_steps WHERE saga_id = :saga_id AND action = 'EXECUTE'
    )
    SELECT EXISTS (SELECT FROM intent) AS claimed,
           {_prefixed("recorded", "step_", _STEP_COLUMNS)},
           {_prefixed("method", "method_", _METHOD_COLUMNS)},
           payment.*
    FROM (SELECT) AS one
    LEFT JOIN method ON true
    LEFT JOIN recorded ON true
    LEFT JOIN LATERAL (
        SELECT * FROM intent
        UNION ALL
        SELECT {_PAYMENT_COLUMNS} FROM payments.payments WHERE id = recorded.payment_id
    ) AS payment ON true
    """
)


async def open_saga_intent(
    conn: AsyncConnection,
    *,
    saga_id: str,
    booking_id: str,
    attempt: int,
    method_id: uuid.UUID,
    new: NewPayment,
    max_token_length: int,
) -> OpenedIntent:
    """Claims a saga's EXECUTE waiting for a new AUTHORIZING payment `new` (its key, amount,
    company and customer), paid with the card of `method_id`, in one statement; or reads the
    EXECUTE recorded before, its payment and the method. See `OpenedIntent`."""
    row = (
        await conn.execute(
            _OPEN_SAGA_INTENT,
            {
                "method_id": method_id,
                "saga_id": saga_id,
                "booking_id": booking_id,
                "attempt": attempt,
                "payment_id": new.id,
                "company_id": new.company_id,
                "customer_id": new.customer_id,
                "max_token_length": max_token_length,
                "idempotency_key": new.idempotency_key,
                "booking_uuid": new.booking_id,
                "amount_minor": new.amount_minor,
                "currency": new.currency,
                "provider": new.provider,
            },
        )
    ).one()
    method = _method(row, "method_") if row.method_id is not None else None
    return OpenedIntent(
        claimed=bool(row.claimed),
        recorded=_recorded_step(row),
        payment=_payment(row) if row.id is not None else None,
        method=method,
    )


@dataclass(frozen=True)
class AnsweredStep:
    """A saga's payment with the provider's answer recorded, and its EXECUTE as it is now."""

    payment: Payment
    step: RecordedStep | None
    # The saga has a COMPENSATE recorded.
    compensated: bool


# The answer moves the payment only from AUTHORIZING; a final one decides the EXECUTE waiting
# for it (as `decide_waiting_step`). The saga's EXECUTE is read back as the decision left it
# (else from the snapshot: nobody changes it without the payment's lock, which the UPDATE holds).
_RECORD_SAGA_ANSWER = text(
    f"""
    WITH resolved AS (
        UPDATE payments.payments SET {_RESOLVED_VALUES}
        WHERE id = :payment_id AND status = 'AUTHORIZING'
        RETURNING {_PAYMENT_COLUMNS}
    ),
    decided AS (
        UPDATE payments.saga_steps AS step
        SET waiting = false, succeeded = :succeeded, reason = :step_reason,
            amount_minor = CAST(:step_amount_minor AS bigint)
        FROM resolved
        WHERE CAST(:decides AS boolean) AND step.payment_id = resolved.id
          AND step.action = 'EXECUTE' AND step.waiting
        RETURNING step.*
    ),
    recorded AS (
        SELECT * FROM decided WHERE saga_id = :saga_id
        UNION ALL
        SELECT * FROM payments.saga_steps
        WHERE saga_id = :saga_id AND action = 'EXECUTE'
          AND NOT EXISTS (SELECT FROM decided WHERE saga_id = :saga_id)
    )
    SELECT resolved.*,
           {_prefixed("recorded", "step_", _STEP_COLUMNS)},
           EXISTS (
               SELECT FROM payments.saga_steps WHERE saga_id = :saga_id AND action = 'COMPENSATE'
           ) AS compensated
    FROM resolved LEFT JOIN recorded ON true
    """
)


async def record_saga_answer(
    conn: AsyncConnection,
    saga_id: str,
    payment_id: uuid.UUID,
    *,
    to_status: PaymentStatus,
    provider_reference: str,
    reason: str | None,
    action_timeout: timedelta | None,
    decision: StepDecision | None,
) -> AnsweredStep | None:
    """`resolve` of an AUTHORIZING payment, `decide_waiting_step` with `decision` (None: the
    answer is not final, the step keeps waiting) and `get_step` of the saga's EXECUTE and
    COMPENSATE, in one statement. None, with nothing written, when the payment is no longer
    AUTHORIZING (resolved meanwhile by a webhook or the recovery)."""
    row = (
        await conn.execute(
            _RECORD_SAGA_ANSWER,
            {
                "payment_id": payment_id,
                "saga_id": saga_id,
                **_resolved_values(to_status, provider_reference, reason, action_timeout),
                "decides": decision is not None,
                "succeeded": decision.succeeded if decision is not None else False,
                "step_reason": decision.reason if decision is not None else "",
                "step_amount_minor": decision.amount_minor if decision is not None else 0,
            },
        )
    ).first()
    if row is None:
        return None
    return AnsweredStep(payment=_payment(row), step=_recorded_step(row), compensated=bool(row.compensated))


@dataclass(frozen=True)
class SagaCapture:
    """What `capture_for_saga` did: `captured`, the payment it captured and recorded the
    FINALIZE of (`claimed`); else `recorded`, the FINALIZE decided before, if it saw one."""

    captured: Payment | None
    claimed: bool
    recorded: RecordedStep | None


# Captures the saga's AUTHORIZED payment and records the FINALIZE decided with it (succeeded,
# the captured amount). A FINALIZE is only ever recorded once its payment is captured, so a
# payment still AUTHORIZED has none: a re-sent FINALIZE finds the payment CAPTURED and
# captures nothing. A twin waits on the payment's row, then finds it captured.
_CAPTURE_FOR_SAGA = text(
    f"""
    WITH captured AS (
        UPDATE payments.payments SET status = 'CAPTURED', updated_at = now(), action_expires_at = NULL
        WHERE idempotency_key = :idempotency_key AND status = 'AUTHORIZED'
        RETURNING {_PAYMENT_COLUMNS}
    ),
    claim AS (
        INSERT INTO payments.saga_steps (
            saga_id, action, booking_id, succeeded, amount_minor, payment_id, attempt
        )
        SELECT :saga_id, 'FINALIZE', :booking_id, true, captured.amount_minor, captured.id,
               CAST(:attempt AS bigint)
        FROM captured
        ON CONFLICT DO NOTHING
        RETURNING saga_id
    ),
    recorded AS (
        SELECT * FROM payments.saga_steps WHERE saga_id = :saga_id AND action = 'FINALIZE'
    )
    SELECT EXISTS (SELECT FROM claim) AS claimed,
           {_prefixed("recorded", "step_", _STEP_COLUMNS)},
           captured.*
    FROM (SELECT) AS one
    LEFT JOIN captured ON true
    LEFT JOIN recorded ON true
    """
)


async def capture_for_saga(
    conn: AsyncConnection, saga_id: str, booking_id: str, *, attempt: int, idempotency_key: str
) -> SagaCapture:
    """`change_status` AUTHORIZED -> CAPTURED of the payment of `idempotency_key` with the
    `claim_step` and `record_step` of the saga's FINALIZE, in one statement; or the FINALIZE
    recorded before. Neither (nothing written): the payment is missing or not AUTHORIZED."""
    row = (
        await conn.execute(
            _CAPTURE_FOR_SAGA,
            {
                "idempotency_key": idempotency_key,
                "saga_id": saga_id,
                "booking_id": booking_id,
                "attempt": attempt,
            },
        )
    ).one()
    return SagaCapture(
        captured=_payment(row) if row.id is not None else None,
        claimed=bool(row.claimed),
        recorded=_recorded_step(row),
    )
