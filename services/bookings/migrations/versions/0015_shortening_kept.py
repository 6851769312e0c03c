"""What a shortening keeps: money of removed time the company keeps, never refunded again.

A shortening past the free-cancellation period refunds the removed time's money at the percent
a cancellation would refund then and keeps the rest (bookings.domain.changes.keep_by_policy).
That rest stays in what the card and the wallet paid (`card_charged_minor`, the wallet's
columns), so a sold booking's figures keep it as they are; `kept_card_minor` and
`kept_wallet_minor` say how much of it is kept, so that a later cancellation refunds its
percent of the rest only (bookings.domain.model.cancellation_refund) and the statistics of a
cancelled booking keep it too: the function below takes it off what a refund gave back.
Existing bookings keep nothing (0), so their figures do not change and nothing is recounted.

Revision ID: 0015_shortening_kept
Revises: 0014_stats_refund_main_first
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_shortening_kept"
down_revision: str | None = "0014_stats_refund_main_first"
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
        -- The wallet's refund is one amount, percent of main + bonus (less what a shortening
        -- kept) rounded down, which the
        -- wallet gives back main first, then bonus (wallet.domain.model.split_refund).
        SELECT
            state.*,
            least(
                b.wallet_debited_minor,
                (b.wallet_debited_minor + b.bonus_debited_minor - b.kept_wallet_minor) * state.refunded / 100
            ) AS main_back,
            (b.wallet_debited_minor + b.bonus_debited_minor - b.kept_wallet_minor) * state.refunded / 100
                AS wallet_back
        FROM state
    ),
    kept AS (
        -- Money kept per source: all of it while sold; after a cancellation what the refund
        -- (percent of each source, rounded down; the wallet's as above) left. What a
        -- shortening kept (kept_*_minor) is in what the source paid and is never refunded.
        SELECT
            r.sold, r.is_cancelled, r.refunded,
            b.card_charged_minor - (b.card_charged_minor - b.kept_card_minor) * r.refunded / 100 AS card,
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


def upgrade() -> None:
    for column in ("kept_card_minor", "kept_wallet_minor"):
        op.add_column(
            "bookings",
            sa.Column(column, sa.BigInteger(), nullable=False, server_default=sa.text("0")),
            schema="bookings",
        )
    # Kept money is a part of what the source paid: never more, never negative.
    op.create_check_constraint(
        "ck_bookings_kept_within_paid",
        "bookings",
        "kept_card_minor BETWEEN 0 AND card_charged_minor"
        " AND kept_wallet_minor BETWEEN 0 AND wallet_debited_minor + bonus_debited_minor",
        schema="bookings",
    )
    op.execute(PLPGSQL)


def downgrade() -> None:
    op.drop_constraint("ck_bookings_kept_within_paid", "bookings", schema="bookings")
    op.execute(PLPGSQL.replace("- b.kept_wallet_minor", "").replace("- b.kept_card_minor", ""))
    op.drop_column("bookings", "kept_wallet_minor", schema="bookings")
    op.drop_column("bookings", "kept_card_minor", schema="bookings")
