"""SQL of the passes service (SQLAlchemy Core), each function inside the caller's transaction.

Every change of credits is one conditional UPDATE: PostgreSQL decides, the CHECK
constraints of `entitlements` and `credit_holds` back it up.

The statements of a saga step are built once, at import, with their values bound at
execution: SQLAlchemy compiles a `postgresql.insert(...)` again on every execution (those
are `text()` here, with the same ON CONFLICT and RETURNING), and building any statement per
call costs about as much again (bench/statement_cost.py).
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Row,
    Text,
    TextClause,
    bindparam,
    case,
    delete,
    func,
    literal,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from passes.adapters.tables import (
    credit_holds,
    entitlements,
    pass_product_changes,
    pass_products,
    saga_operations,
)
from passes.domain.commands import CreatePassProduct, GrantPass
from passes.domain.model import (
    CreditHold,
    Decision,
    Entitlement,
    HoldState,
    Money,
    Outcome,
    PassProduct,
)
from plumbing.saga_protocol import StepAction


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _product(row: Row[Any]) -> PassProduct:
    return PassProduct(
        id=row.id,
        company_id=row.company_id,
        name=row.name,
        credits=row.credits,
        validity_days=row.validity_days,
        price=Money(row.price_minor, row.currency),
        resource_ids=tuple(row.resource_ids or ()),
        archived_at=_utc(row.archived_at) if row.archived_at is not None else None,
        version=row.version,
        created_at=_utc(row.created_at),
    )


def _entitlement(row: Row[Any]) -> Entitlement:
    return Entitlement(
        id=row.id,
        company_id=row.company_id,
        customer_id=row.customer_id,
        product_id=row.product_id,
        credits_total=row.credits_total,
        credits_used=row.credits_used,
        credits_held=row.credits_held,
        valid_from=_utc(row.valid_from),
        valid_until=_utc(row.valid_until),
        sale=row.sale or "",
        paid_minor=row.paid_minor,
        paid_currency=row.paid_currency or "",
        issued_by_user_id=row.issued_by_user_id or "",
    )


def _hold(row: Row[Any]) -> CreditHold:
    return CreditHold(
        id=row.id,
        saga_id=row.saga_id,
        booking_id=row.booking_id,
        entitlement_id=row.entitlement_id,
        credits=row.credits,
        credits_returned=row.credits_returned,
        state=HoldState(row.state),
    )


# --- products ---------------------------------------------------------------------------


async def insert_product(
    conn: AsyncConnection, product_id: uuid.UUID, cmd: CreatePassProduct
) -> PassProduct | None:
    """The new product, or None when the company already used this request_id."""
    row = (
        await conn.execute(
            insert(pass_products)
            .values(
                id=product_id,
                company_id=cmd.company_id,
                request_id=cmd.request_id,
                name=cmd.name,
                credits=cmd.credits,
                validity_days=cmd.validity_days,
                price_minor=cmd.price.amount_minor,
                currency=cmd.price.currency,
            )
            .on_conflict_do_nothing(index_elements=["company_id", "request_id"])
            .returning(*pass_products.c)
        )
    ).first()
    return _product(row) if row else None


async def product_company(conn: AsyncConnection, product_id: uuid.UUID) -> uuid.UUID | None:
    """The company a product belongs to (None: no such product)."""
    company: uuid.UUID | None = await conn.scalar(
        select(pass_products.c.company_id).where(pass_products.c.id == product_id)
    )
    return company


async def product_resources_of(
    conn: AsyncConnection, entitlement_id: uuid.UUID
) -> tuple[uuid.UUID, ...] | None:
    """The resources the entitlement's product is limited to (empty: all); None: no such
    entitlement. The product's current list: a change of it holds for passes granted before."""
    row = (
        await conn.execute(
            select(pass_products.c.resource_ids)
            .select_from(entitlements.join(pass_products, pass_products.c.id == entitlements.c.product_id))
            .where(entitlements.c.id == entitlement_id)
        )
    ).first()
    return None if row is None else tuple(row.resource_ids or ())


async def product_by_request(
    conn: AsyncConnection, company_id: uuid.UUID, request_id: str
) -> PassProduct | None:
    row = (
        await conn.execute(
            select(pass_products).where(
                pass_products.c.company_id == company_id, pass_products.c.request_id == request_id
            )
        )
    ).first()
    return _product(row) if row else None


# The database's clock, for values of change_product (archived_at).
NOW = func.now()


async def find_product(conn: AsyncConnection, product_id: uuid.UUID) -> PassProduct | None:
    row = (await conn.execute(select(pass_products).where(pass_products.c.id == product_id))).first()
    return _product(row) if row else None


async def list_products(
    conn: AsyncConnection,
    company_id: uuid.UUID,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    show_archived: bool,
) -> list[PassProduct]:
    """Up to `limit` products of the company, oldest first, after the keyset `after`."""
    statement = select(pass_products).where(pass_products.c.company_id == company_id)
    if not show_archived:
        statement = statement.where(pass_products.c.archived_at.is_(None))
    if after is not None:
        created_at, product_id = after
        statement = statement.where(
            tuple_(pass_products.c.created_at, pass_products.c.id)
            > tuple_(
                literal(created_at, pass_products.c.created_at.type),
                literal(product_id, pass_products.c.id.type),
            )
        )
    rows = await conn.execute(statement.order_by(pass_products.c.created_at, pass_products.c.id).limit(limit))
    return [_product(row) for row in rows]


async def claim_product_change(
    conn: AsyncConnection, company_id: uuid.UUID, request_id: str | None, product_id: uuid.UUID
) -> bool:
    """Records an update's request_id; False when it was applied before (a retry)."""
    if request_id is None:
        return True
    row = await conn.execute(
        insert(pass_product_changes)
        .values(company_id=company_id, request_id=request_id, product_id=product_id)
        .on_conflict_do_nothing()
        .returning(pass_product_changes.c.request_id)
    )
    return row.first() is not None


async def change_product(
    conn: AsyncConnection, product_id: uuid.UUID, expected_version: int | None, values: dict[str, Any]
) -> PassProduct | None:
    """Applies `values` to a product on sale at the version read (any without one), version + 1;
    None when it is archived or at another version."""
    conditions = [pass_products.c.id == product_id, pass_products.c.archived_at.is_(None)]
    if expected_version is not None:
        conditions.append(pass_products.c.version == expected_version)
    row = (
        await conn.execute(
            update(pass_products)
            .where(*conditions)
            .values(**values, version=pass_products.c.version + 1)
            .returning(*pass_products.c)
        )
    ).first()
    return _product(row) if row else None


# --- entitlements -----------------------------------------------------------------------


async def grant(
    conn: AsyncConnection,
    entitlement_id: uuid.UUID,
    cmd: GrantPass,
    issued_by_user_id: str | None = None,
    *,
    currency: str | None = None,
) -> Entitlement | None:
    """Grants the product's credits from now for its validity (a desk sale records the
    product's price as paid); None when the product is missing, archived, not priced in
    `currency` (when given: the company's, for a sale) or the company already used this
    request_id. The currency is judged in the INSERT's own WHERE, so a price changed since the
    caller looked cannot slip through."""
    sold = cmd.sale in ("CASH", "EXTERNAL")
    on_sale = [pass_products.c.id == cmd.product_id, pass_products.c.archived_at.is_(None)]
    if currency is not None:
        on_sale.append(pass_products.c.currency == currency)
    now = func.now()
    source = select(
        literal(entitlement_id).label("id"),
        pass_products.c.company_id,
        literal(cmd.customer_id).label("customer_id"),
        pass_products.c.id.label("product_id"),
        literal(cmd.request_id).label("request_id"),
        pass_products.c.credits.label("credits_total"),
        now.label("valid_from"),
        (now + func.make_interval(0, 0, 0, pass_products.c.validity_days)).label("valid_until"),
        literal(cmd.sale).label("sale"),
        (pass_products.c.price_minor if sold else literal(0)).label("paid_minor"),
        pass_products.c.currency.label("paid_currency"),
        literal(issued_by_user_id, Text).label("issued_by_user_id"),
    ).where(*on_sale)
    row = (
        await conn.execute(
            insert(entitlements)
            .from_select(
                [
                    "id",
                    "company_id",
                    "customer_id",
                    "product_id",
                    "request_id",
                    "credits_total",
                    "valid_from",
                    "valid_until",
                    "sale",
                    "paid_minor",
                    "paid_currency",
                    "issued_by_user_id",
                ],
                source,
            )
            .on_conflict_do_nothing(index_elements=["company_id", "request_id"])
            .returning(*entitlements.c)
        )
    ).first()
    return _entitlement(row) if row else None


async def entitlement_by_request(
    conn: AsyncConnection, product_id: uuid.UUID, request_id: str
) -> Entitlement | None:
    """The entitlement granted for request_id in the company of the product."""
    company = select(pass_products.c.company_id).where(pass_products.c.id == product_id).scalar_subquery()
    row = (
        await conn.execute(
            select(entitlements).where(
                entitlements.c.company_id == company, entitlements.c.request_id == request_id
            )
        )
    ).first()
    return _entitlement(row) if row else None


async def get_entitlement(conn: AsyncConnection, entitlement_id: uuid.UUID) -> Entitlement | None:
    row = (await conn.execute(select(entitlements).where(entitlements.c.id == entitlement_id))).first()
    return _entitlement(row) if row else None


async def list_entitlements(
    conn: AsyncConnection, company_id: uuid.UUID, customer_id: uuid.UUID
) -> list[Entitlement]:
    rows = await conn.execute(
        select(entitlements)
        .where(entitlements.c.company_id == company_id, entitlements.c.customer_id == customer_id)
        .order_by(entitlements.c.created_at.desc(), entitlements.c.id.desc())
    )
    return [_entitlement(row) for row in rows]


_CUSTOMER_ENTITLEMENT_NOW = text(
    "SELECT now() AS transaction_now, e.* FROM (SELECT) AS one"
    " LEFT JOIN passes.entitlements AS e"
    " ON e.id = :entitlement_id AND e.customer_id = :customer_id AND e.company_id = :company_id"
)


async def customer_entitlement_now(
    conn: AsyncConnection, entitlement_id: uuid.UUID, customer_id: uuid.UUID, company_id: uuid.UUID
) -> tuple[Entitlement | None, datetime]:
    """The entitlement when it is the customer's in the company, and the transaction's now()
    (one statement: the row is read beside now())."""
    row = (
        await conn.execute(
            _CUSTOMER_ENTITLEMENT_NOW,
            {"entitlement_id": entitlement_id, "customer_id": customer_id, "company_id": company_id},
        )
    ).one()
    return (_entitlement(row) if row.id is not None else None), _utc(row.transaction_now)


# The names bound in WHERE differ from the columns: SQLAlchemy keeps those for SET.
_HOLD_CREDITS = (
    update(entitlements)
    .where(
        entitlements.c.id == bindparam("entitlement_key"),
        entitlements.c.customer_id == bindparam("customer_key"),
        entitlements.c.company_id == bindparam("company_key"),
        entitlements.c.credits_used + entitlements.c.credits_held + bindparam("credits")
        <= entitlements.c.credits_total,
        entitlements.c.valid_from <= func.now(),
        entitlements.c.valid_until > func.now(),
    )
    .values(credits_held=entitlements.c.credits_held + bindparam("credits"))
    .returning(entitlements.c.id)
)


async def hold_credits(
    conn: AsyncConnection,
    entitlement_id: uuid.UUID,
    customer_id: uuid.UUID,
    company_id: uuid.UUID,
    credits: int,
) -> bool:
    """Adds `credits` to the held credits when they fit and the pass is valid now."""
    row = (
        await conn.execute(
            _HOLD_CREDITS,
            {
                "entitlement_key": entitlement_id,
                "customer_key": customer_id,
                "company_key": company_id,
                "credits": credits,
            },
        )
    ).first()
    return row is not None


# --- credit holds -----------------------------------------------------------------------


_INSERT_TOMBSTONE = text(
    "INSERT INTO passes.credit_holds (id, saga_id, booking_id, state)"
    " VALUES (:id, :saga_id, :booking_id, 'TOMBSTONE')"
    " ON CONFLICT (saga_id) DO NOTHING RETURNING id"
)


async def delete_hold(conn: AsyncConnection, hold_id: uuid.UUID) -> None:
    await conn.execute(
        delete(credit_holds).where(credit_holds.c.id == hold_id, credit_holds.c.state == HoldState.HELD.value)
    )


async def insert_tombstone(
    conn: AsyncConnection, *, hold_id: uuid.UUID, saga_id: uuid.UUID, booking_id: uuid.UUID
) -> bool:
    """Records that the saga was compensated before any hold; False when it has a row."""
    row = (
        await conn.execute(_INSERT_TOMBSTONE, {"id": hold_id, "saga_id": saga_id, "booking_id": booking_id})
    ).first()
    return row is not None


_HOLD_OF_SAGA = select(credit_holds).where(credit_holds.c.saga_id == bindparam("saga_id"))


async def hold_of_saga(conn: AsyncConnection, saga_id: uuid.UUID) -> CreditHold | None:
    row = (await conn.execute(_HOLD_OF_SAGA, {"saga_id": saga_id})).first()
    return _hold(row) if row else None


# Moving the saga's HELD hold changes the entitlement's credits so (consumed or released).
_MOVED_CREDITS = {
    HoldState.CONSUMED: (
        "credits_held = e.credits_held - moved.credits, credits_used = e.credits_used + moved.credits"
    ),
    HoldState.RELEASED: "credits_held = e.credits_held - moved.credits",
}


def _move_held_ctes(to: HoldState, *, when: str = "") -> str:
    """`moved` (the saga's hold HELD -> `to`, when the condition `when` holds) and `settled`
    (the entitlement's credits, only with the move): one statement's CTEs."""
    return f"""
        moved AS (
            UPDATE passes.credit_holds SET state = '{to.value}', updated_at = now()
            WHERE saga_id = :saga_id AND state = 'HELD' {when}
            RETURNING *
        ),
        settled AS (
            UPDATE passes.entitlements AS e SET {_MOVED_CREDITS[to]}
            FROM moved WHERE e.id = moved.entitlement_id
        )
    """


@functools.cache
def _move_held_statement(to: HoldState) -> TextClause:
    return text(f"WITH {_move_held_ctes(to)} SELECT * FROM moved")


async def _move_held(conn: AsyncConnection, saga_id: uuid.UUID, to: HoldState) -> CreditHold | None:
    row = (await conn.execute(_move_held_statement(to), {"saga_id": saga_id})).first()
    return _hold(row) if row else None


async def release_hold(conn: AsyncConnection, saga_id: uuid.UUID) -> CreditHold | None:
    """HELD -> RELEASED: the held credits become available again (one statement)."""
    return await _move_held(conn, saga_id, HoldState.RELEASED)


async def consume_hold(conn: AsyncConnection, saga_id: uuid.UUID) -> CreditHold | None:
    """HELD -> CONSUMED: the held credits become used (one statement)."""
    return await _move_held(conn, saga_id, HoldState.CONSUMED)


async def return_credits(
    conn: AsyncConnection, *, booking_id: uuid.UUID, company_id: uuid.UUID, credits: int
) -> tuple[int, list[uuid.UUID]]:
    """Gives back up to `credits` consumed credits of the booking (used -> available).

    Takes from the oldest CONSUMED hold first; a hold whose credits all came back becomes
    RETURNED. Returns how many credits came back and from which holds.
    """
    remaining = credits
    returned_from: list[uuid.UUID] = []
    h = credit_holds.c
    while remaining > 0:
        target = (
            select(h.id, (h.credits - h.credits_returned).label("returnable"))
            .where(
                h.booking_id == booking_id,
                h.company_id == company_id,
                h.state == HoldState.CONSUMED.value,
            )
            .order_by(h.created_at, h.id)
            .limit(1)
            .with_for_update()
            .cte("target")
        )
        taken = func.least(remaining, target.c.returnable)
        row = (
            await conn.execute(
                update(credit_holds)
                .where(h.id == target.c.id)
                .values(
                    credits_returned=h.credits_returned + taken,
                    state=case(
                        (h.credits_returned + taken == h.credits, HoldState.RETURNED.value),
                        else_=HoldState.CONSUMED.value,
                    ),
                    updated_at=func.now(),
                )
                .returning(h.id, h.entitlement_id, taken.label("taken"))
            )
        ).first()
        if row is None:
            break
        e = entitlements.c
        await conn.execute(
            update(entitlements)
            .where(e.id == row.entitlement_id)
            .values(credits_used=e.credits_used - row.taken)
        )
        remaining -= row.taken
        returned_from.append(row.id)
    return credits - remaining, returned_from


# --- saga decisions ---------------------------------------------------------------------


_CLAIM_OPERATION = text(
    "INSERT INTO passes.saga_operations (saga_id, action, booking_id) VALUES (:saga_id, :action, :booking_id)"
    " ON CONFLICT (saga_id, action) DO NOTHING RETURNING saga_id"
)
_OPERATION_KEY = (
    saga_operations.c.saga_id == bindparam("saga_key"),
    saga_operations.c.action == bindparam("action_key"),
)
# The decision's columns are SET from the names bound at execution.
_RECORD_DECISION = update(saga_operations).where(*_OPERATION_KEY)
_RECORDED_DECISION = select(saga_operations).where(*_OPERATION_KEY)


async def claim_operation(
    conn: AsyncConnection, saga_id: uuid.UUID, action: StepAction, booking_id: uuid.UUID
) -> bool:
    """True when this (saga, action) is new; a concurrent twin waits for our commit."""
    row = (
        await conn.execute(
            _CLAIM_OPERATION, {"saga_id": saga_id, "action": action.value, "booking_id": booking_id}
        )
    ).first()
    return row is not None


_DECISION_COLUMNS = "outcome, reason, amount_minor, reference, credits"
_CLAIM_DECIDED = f"""
    INSERT INTO passes.saga_operations (saga_id, action, booking_id, {_DECISION_COLUMNS})
    VALUES (:saga_id, :action, :booking_id, :outcome, :reason, :amount_minor, :reference, :decided_credits)
    ON CONFLICT (saga_id, action) DO NOTHING
    RETURNING saga_id
"""
_CLAIM_WITH_DECISION = text(_CLAIM_DECIDED)


def _decision_values(decision: Decision) -> dict[str, Any]:
    return {
        "outcome": decision.outcome.value,
        "reason": decision.reason,
        "amount_minor": decision.amount_minor,
        "reference": decision.reference,
        "decided_credits": decision.credits,
    }


async def claim_with_decision(
    conn: AsyncConnection, saga_id: uuid.UUID, action: StepAction, booking_id: uuid.UUID, decision: Decision
) -> bool:
    """Claims (saga, action) already decided (a refusal known before any effect), in one
    statement; False, with nothing written, when it was claimed before."""
    values = {"saga_id": saga_id, "action": action.value, "booking_id": booking_id}
    row = (await conn.execute(_CLAIM_WITH_DECISION, values | _decision_values(decision))).first()
    return row is not None


# The claim of an EXECUTE, its HELD row and the credits held, in one statement. Each write runs
# only when the one before it did: the hold row only for a new claim and an entitlement of the
# customer in the company (not when the saga already has a row: a COMPENSATE's tombstone), the
# credits only with the new hold row, when they fit and the pass is valid now. The hold row also
# needs the pass's product to cover the booked resource (no list: every one). The hold row is
# written before the credits, as it was by two statements (and as a COMPENSATE moves them).
_CLAIM_AND_HOLD = text(
    f"""
    WITH claim AS ({_CLAIM_DECIDED}),
    hold AS (
        INSERT INTO passes.credit_holds (id, saga_id, booking_id, company_id, entitlement_id, credits, state)
        SELECT :hold_id, :saga_id, :booking_id, e.company_id, e.id, :credits, 'HELD'
        FROM passes.entitlements AS e JOIN passes.pass_products AS p ON p.id = e.product_id
        WHERE e.id = :entitlement_id AND e.customer_id = :customer_id AND e.company_id = :company_id
          AND (cardinality(p.resource_ids) = 0 OR CAST(:resource_id AS uuid) = ANY(p.resource_ids))
          AND EXISTS (SELECT FROM claim)
        ON CONFLICT (saga_id) DO NOTHING
        RETURNING entitlement_id
    ),
    held AS (
        UPDATE passes.entitlements SET credits_held = credits_held + :credits
        WHERE id IN (SELECT entitlement_id FROM hold)
          AND customer_id = :customer_id AND company_id = :company_id
          AND credits_used + credits_held + :credits <= credits_total
          AND valid_from <= now() AND valid_until > now()
        RETURNING id
    )
    SELECT EXISTS (SELECT FROM claim) AS claimed, EXISTS (SELECT FROM hold) AS inserted,
        EXISTS (SELECT FROM held) AS held
    """
)


@dataclass(frozen=True)
class ClaimedHold:
    """What `claim_and_hold` wrote after claiming: the HELD row, and the credits held on it."""

    inserted: bool
    held: bool


async def claim_and_hold(
    conn: AsyncConnection,
    *,
    saga_id: uuid.UUID,
    booking_id: uuid.UUID,
    hold_id: uuid.UUID,
    entitlement_id: uuid.UUID,
    customer_id: uuid.UUID,
    company_id: uuid.UUID,
    credits: int,
    success: Decision,
    resource_id: uuid.UUID | None = None,
) -> ClaimedHold | None:
    """Claims the saga's EXECUTE recorded as `success`, writes its HELD row `hold_id` and holds
    `credits` on the customer's entitlement in the company, in one statement; None, with
    nothing written, when the EXECUTE was claimed before.

    `held` False: the hold was not taken (no row: the saga has one already, the pass is not
    the customer's in the company, or its product does not cover `resource_id`; a row: the
    credits do not fit, or the pass is not valid now) and the claim still reads `success`: the
    caller records the real decision (`record_decision`, or `delete_hold` first when a row was
    inserted) in this transaction, before anyone sees it.
    """
    values = {
        "saga_id": saga_id,
        "action": StepAction.EXECUTE.value,
        "booking_id": booking_id,
        "hold_id": hold_id,
        "entitlement_id": entitlement_id,
        "customer_id": customer_id,
        "company_id": company_id,
        "credits": credits,
        "resource_id": resource_id,
    }
    row = (await conn.execute(_CLAIM_AND_HOLD, values | _decision_values(success))).one()
    if not row.claimed:
        return None
    return ClaimedHold(inserted=row.inserted, held=row.held)


@functools.cache
def _claim_and_move_hold(to: HoldState) -> TextClause:
    """The claim of a FINALIZE (to CONSUMED) or COMPENSATE (to RELEASED) recorded as a success
    naming the saga's hold (its id and credits never change once written), the move of that
    hold from HELD and the entitlement's credits, in one statement; the move only for a new
    claim, the credits only with the move. The outer SELECT has no row when the claim was
    taken, and the moved hold's columns NULL when it was not HELD."""
    return text(
        f"""
        WITH claim AS (
            INSERT INTO passes.saga_operations (saga_id, action, booking_id, {_DECISION_COLUMNS})
            SELECT :saga_id, :action, :booking_id, 'SUCCEEDED', '', :amount_minor,
                coalesce(CAST(hold.id AS text), ''), coalesce(hold.credits, 0)
            FROM (SELECT) AS one LEFT JOIN passes.credit_holds AS hold ON hold.saga_id = :saga_id
            ON CONFLICT (saga_id, action) DO NOTHING
            RETURNING {_DECISION_COLUMNS}
        ),
        {_move_held_ctes(to, when="AND EXISTS (SELECT FROM claim)")}
        SELECT claim.outcome AS claimed_outcome, claim.reason AS claimed_reason,
            claim.amount_minor AS claimed_amount_minor, claim.reference AS claimed_reference,
            claim.credits AS claimed_credits, moved.*
        FROM claim LEFT JOIN moved ON true
        """
    )


@dataclass(frozen=True)
class ClaimedMove:
    """What `claim_and_move_hold` recorded (a success naming the saga's hold, if it has one),
    and the hold it moved from HELD (None: it had no HELD hold)."""

    recorded: Decision
    hold: CreditHold | None


async def claim_and_move_hold(
    conn: AsyncConnection,
    *,
    saga_id: uuid.UUID,
    action: StepAction,
    booking_id: uuid.UUID,
    amount_minor: int,
    to: HoldState,
) -> ClaimedMove | None:
    """Claims (saga, action) recorded as a success naming the saga's hold and moves that hold
    HELD -> `to` (CONSUMED: the held credits become used; RELEASED: available again), in one
    statement; None, with nothing written, when (saga, action) was claimed before.

    With no hold moved, the claim still reads a success: the caller records the real decision
    (`record_decision`) in this transaction, before anyone sees it.
    """
    values = {
        "saga_id": saga_id,
        "action": action.value,
        "booking_id": booking_id,
        "amount_minor": amount_minor,
    }
    row = (await conn.execute(_claim_and_move_hold(to), values)).first()
    if row is None:
        return None
    recorded = Decision(
        outcome=Outcome(row.claimed_outcome),
        reason=row.claimed_reason,
        amount_minor=row.claimed_amount_minor,
        reference=row.claimed_reference,
        credits=row.claimed_credits,
    )
    if row.id is None:
        return ClaimedMove(recorded=recorded, hold=None)
    hold = _hold(row)
    if (recorded.reference, recorded.credits) != (str(hold.id), hold.credits):
        raise RuntimeError(f"saga {saga_id} {action} recorded another hold than the one it moved")
    return ClaimedMove(recorded=recorded, hold=hold)


async def record_decision(
    conn: AsyncConnection, saga_id: uuid.UUID, action: StepAction, decision: Decision
) -> None:
    await conn.execute(
        _RECORD_DECISION,
        {
            "saga_key": saga_id,
            "action_key": action.value,
            "outcome": decision.outcome.value,
            "reason": decision.reason,
            "amount_minor": decision.amount_minor,
            "reference": decision.reference,
            "credits": decision.credits,
        },
    )


async def recorded_decision(conn: AsyncConnection, saga_id: uuid.UUID, action: StepAction) -> Decision:
    row = (await conn.execute(_RECORDED_DECISION, {"saga_key": saga_id, "action_key": action.value})).one()
    if row.outcome is None:
        raise RuntimeError(f"saga {saga_id} {action} has no recorded decision")
    return Decision(
        outcome=Outcome(row.outcome),
        reason=row.reason,
        amount_minor=row.amount_minor,
        reference=row.reference,
        credits=row.credits,
    )
