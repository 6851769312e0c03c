"""Business statistics: a cancelled booking's wallet money kept, split main and bonus the way
the wallet split its refund.

A cancellation refunds one wallet amount (its percent of main + bonus, rounded down), which the
wallet gives back main first, then bonus (wallet.domain.model.split_refund); 0012/0013 took the
refund from each balance pro rata, so a partly refunded booking showed bonus money returned
that the wallet had kept (a 50 % refund of 7.00 main + 3.00 bonus: the wallet keeps 2.00 main
and 3.00 bonus; the statistics said 3.50 and 1.50). Totals were right; the split was not.

The function is replaced and the hourly table recounted from every booking (the same recount
0012 filled it with), under a SHARE lock on the bookings so that no booking changes between the
recount and the new function taking over.

Revision ID: 0014_stats_refund_main_first
Revises: 0013_stats_contribution_plpgsql
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014_stats_refund_main_first"
down_revision: str | None = "0013_stats_contribution_plpgsql"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIGURES = (
    "confirmed",
    "active",
    "cancelled",
    "no_show",
    "places",
    "nights",
    "minutes",
    "wallet_minor",
    "bonus_minor",
    "pass_minor",
    "card_minor",
    "desk_minor",
)
_COLUMNS = ", ".join(FIGURES)
_SUMS = ", ".join(f"sum({name})::bigint" for name in FIGURES)

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
    wallet_refund AS (
        -- The wallet's refund is one amount, percent of main + bonus rounded down, which the
        -- wallet gives back main first, then bonus (wallet.domain.model.split_refund).
        SELECT
            state.*,
            least(
                b.wallet_debited_minor,
                (b.wallet_debited_minor + b.bonus_debited_minor) * state.refunded / 100
            ) AS main_back,
            (b.wallet_debited_minor + b.bonus_debited_minor) * state.refunded / 100 AS wallet_back
        FROM state
    ),
    kept AS (
        -- Money kept per source: all of it while sold; after a cancellation what the refund
        -- (percent of each source, rounded down; the wallet's as above) left.
        SELECT
            r.sold, r.is_cancelled, r.refunded,
            b.card_charged_minor - b.card_charged_minor * r.refunded / 100 AS card,
            b.bonus_debited_minor - (r.wallet_back - r.main_back) AS bonus,
            b.wallet_debited_minor - r.main_back AS wallet,
            CASE WHEN r.refunded = 100 THEN 0 ELSE b.pass_covered_minor END AS pass,
            b.desk_paid_minor - b.desk_paid_minor * r.refunded / 100 AS desk
        FROM wallet_refund AS r
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


RECOUNT = f"""
INSERT INTO bookings.stats_hourly (company_id, hour, resource_id, unit_id, {_COLUMNS})
SELECT c.company_id, c.hour, c.resource_id, c.unit_id, {_SUMS}
FROM bookings.bookings AS b, LATERAL bookings.stats_contribution(b, 1) AS c
GROUP BY c.company_id, c.hour, c.resource_id, c.unit_id
"""


def upgrade() -> None:
    op.execute("LOCK TABLE bookings.bookings IN SHARE MODE")
    op.execute(PLPGSQL)
    op.execute("DELETE FROM bookings.stats_hourly")
    op.execute(RECOUNT)


def downgrade() -> None:
    # 0013's pro rata split stays wrong for bonus money; going back keeps the recounted rows.
    pass
