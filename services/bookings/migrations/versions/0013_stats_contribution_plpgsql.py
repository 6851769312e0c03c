"""Business statistics: `stats_contribution` in PL/pgSQL, so its query is planned once per
connection instead of on every call.

A set-returning SQL function that cannot be inlined (0012's: CTEs and UNION ALL) is planned
again each time it is called; the trigger calls it twice per booking change (the old row and
the new), and that planning was most of the trigger's cost: a PENDING -> CONFIRMED update took
8.2 ms p50 with the trigger against 3.3 ms without (4,000 single-row transactions on the busy
2-core machine). PL/pgSQL keeps the plan of its `RETURN QUERY`, and a status that counts for
nothing (PENDING, PENDING_PAYMENT, REJECTED) returns before any query. Same signature, same
rows (the result's columns cast to the declared types, as PL/pgSQL wants them exactly).

Revision ID: 0013_stats_contribution_plpgsql
Revises: 0012_business_stats
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_stats_contribution_plpgsql"
down_revision: str | None = "0012_business_stats"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOLD = "'CONFIRMED','CANCELLING','CHECKED_IN','COMPLETED','NO_SHOW'"
COLUMNS = (
    "company_id uuid, resource_id uuid, unit_id text, hour timestamptz,"
    " confirmed bigint, active bigint, cancelled bigint, no_show bigint,"
    " places bigint, nights bigint, minutes bigint,"
    " wallet_minor bigint, bonus_minor bigint, pass_minor bigint, card_minor bigint, desk_minor bigint"
)
ROWS = f"""
    WITH state AS (
        SELECT
            b.status IN ({SOLD}) AS sold,
            b.status = 'CANCELLED' AS is_cancelled,
            -- What a cancellation gave back, in percent (none recorded: everything).
            CASE WHEN b.status = 'CANCELLED' THEN coalesce(
                (SELECT r.percent FROM bookings.refund_requests r WHERE r.booking_id = b.id), 100
            ) ELSE 0 END AS refunded
    ),
    kept AS (
        -- Money kept per source: all of it while sold; after a cancellation what the refund
        -- (percent of each source, rounded down) left. The wallet refund is one amount for
        -- main and bonus; the bonus keeps its own share, main the rest.
        SELECT
            state.*,
            b.card_charged_minor - b.card_charged_minor * state.refunded / 100 AS card,
            b.bonus_debited_minor - b.bonus_debited_minor * state.refunded / 100 AS bonus,
            (b.wallet_debited_minor + b.bonus_debited_minor)
                - (b.wallet_debited_minor + b.bonus_debited_minor) * state.refunded / 100
                - (b.bonus_debited_minor - b.bonus_debited_minor * state.refunded / 100) AS wallet,
            CASE WHEN state.refunded = 100 THEN 0 ELSE b.pass_covered_minor END AS pass,
            b.desk_paid_minor - b.desk_paid_minor * state.refunded / 100 AS desk
        FROM state
    )
    -- The booking's own row, at the hour its time begins.
    SELECT
        b.company_id, b.resource_id, coalesce(b.unit_id::text, ''), date_trunc('hour', b.start_time),
        sign,
        sign * (kept.sold AND b.status <> 'NO_SHOW')::int,
        sign * kept.is_cancelled::int,
        sign * (b.status = 'NO_SHOW')::int,
        CASE WHEN kept.sold AND b.booking_model = 'TIME_SLOT' THEN sign * b.quantity ELSE 0 END,
        0, 0,
        sign * kept.wallet, sign * kept.bonus, sign * kept.pass, sign * kept.card, sign * kept.desk
    FROM kept
    UNION ALL
    -- A stay's nights, each at its check-in hour.
    SELECT
        b.company_id, b.resource_id, coalesce(b.unit_id::text, ''),
        date_trunc('hour', b.start_time + night * interval '1 day'),
        0, 0, 0, 0, 0, sign, 0, 0, 0, 0, 0, 0
    FROM kept, generate_series(
        0,
        coalesce(
            b.check_out_date - b.check_in_date,
            ceil(extract(epoch FROM b.end_time - b.start_time) / 86400)::int
        ) - 1
    ) AS night
    WHERE kept.sold AND b.booking_model = 'NIGHTLY'
    UNION ALL
    -- A rental's minutes, spread over the hours it covers.
    SELECT
        b.company_id, b.resource_id, coalesce(b.unit_id::text, ''), slot,
        0, 0, 0, 0, 0, 0,
        sign * floor(extract(epoch FROM
            least(b.end_time, slot + interval '1 hour') - greatest(b.start_time, slot)) / 60)::bigint,
        0, 0, 0, 0, 0
    FROM kept, generate_series(
        date_trunc('hour', b.start_time), b.end_time - interval '1 microsecond', interval '1 hour'
    ) AS slot
    WHERE kept.sold AND b.booking_model = 'INTERVAL'
"""
CASTS = ", ".join(
    f"x.c{i}::{kind}"
    for i, kind in enumerate(["uuid", "uuid", "text", "timestamptz"] + ["bigint"] * 12)
)
ALIASES = ", ".join(f"c{i}" for i in range(16))

PLPGSQL = f"""
CREATE OR REPLACE FUNCTION bookings.stats_contribution(b bookings.bookings, sign integer)
RETURNS TABLE ({COLUMNS})
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF b.status IS NULL OR b.status NOT IN ({SOLD}, 'CANCELLED') THEN
        RETURN;
    END IF;
    RETURN QUERY SELECT {CASTS} FROM ({ROWS}) AS x({ALIASES});
END
$$
"""


def upgrade() -> None:
    op.execute(PLPGSQL)


def downgrade() -> None:
    # 0012's SQL function, the same rows (planned on every call).
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION bookings.stats_contribution(b bookings.bookings, sign integer)
        RETURNS TABLE ({COLUMNS})
        LANGUAGE sql STABLE AS $$
            SELECT {CASTS} FROM ({ROWS}) AS x({ALIASES}) WHERE b.status IN ({SOLD}, 'CANCELLED')
        $$
        """
    )
