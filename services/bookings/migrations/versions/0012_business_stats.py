"""Business statistics: a read model per (company, hour, resource, unit), kept by a trigger
on `bookings.bookings` in the transaction of every change that moves a booking's figures.

`stats_hourly` holds sums (bookings confirmed, still active, cancelled, no-show; places,
nights and minutes sold; money kept by source, in minor units) per UTC hour of the service
time (a session's or rental's start, each night's check-in), so a period in any whole-hour
time zone is summed exactly by local day. A booking's contribution is a pure function of its
row (`stats_contribution`); the trigger adds the new row's and takes off the old row's in one
`INSERT ... ON CONFLICT DO UPDATE` with increments (keys in order, so two changes never
deadlock on them). The existing bookings are summed in once here.

Revision ID: 0012_business_stats
Revises: 0011
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_business_stats"
down_revision: str | None = "0011"
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
# Columns whose change can move a booking's figures; any other update skips the trigger.
WATCHED = (
    "status",
    "start_time",
    "end_time",
    "check_in_date",
    "check_out_date",
    "quantity",
    "unit_id",
    "wallet_debited_minor",
    "bonus_debited_minor",
    "pass_covered_minor",
    "card_charged_minor",
    "desk_paid_minor",
)
SOLD = "'CONFIRMED','CANCELLING','CHECKED_IN','COMPLETED','NO_SHOW'"

_COLUMNS = ", ".join(FIGURES)
_SUMS = ", ".join(f"sum({name})::bigint" for name in FIGURES)
_INCREMENTS = ", ".join(f"{name} = s.{name} + EXCLUDED.{name}" for name in FIGURES)
_NONZERO = " OR ".join(f"sum({name}) <> 0" for name in FIGURES)

CONTRIBUTION = f"""
CREATE FUNCTION bookings.stats_contribution(b bookings.bookings, sign integer)
RETURNS TABLE (
    company_id uuid, resource_id uuid, unit_id text, hour timestamptz,
    confirmed bigint, active bigint, cancelled bigint, no_show bigint,
    places bigint, nights bigint, minutes bigint,
    wallet_minor bigint, bonus_minor bigint, pass_minor bigint, card_minor bigint, desk_minor bigint
)
LANGUAGE sql STABLE AS $$
    WITH state AS (
        SELECT
            b.status IN ({SOLD}) AS sold,
            b.status = 'CANCELLED' AS cancelled,
            -- What a cancellation gave back, in percent (none recorded: everything).
            CASE WHEN b.status = 'CANCELLED' THEN coalesce(
                (SELECT r.percent FROM bookings.refund_requests r WHERE r.booking_id = b.id), 100
            ) ELSE 0 END AS refunded
        WHERE b.status IN ({SOLD}, 'CANCELLED')
    ),
    kept AS (
        -- Money kept per source: all of it while sold; after a cancellation what the refund
        -- (percent of each source, rounded down) left. The wallet refund is one amount for
        -- main and bonus; the bonus keeps its own share, main the rest.
        SELECT
            state.*,
            b.card_charged_minor - b.card_charged_minor * refunded / 100 AS card,
            b.bonus_debited_minor - b.bonus_debited_minor * refunded / 100 AS bonus,
            (b.wallet_debited_minor + b.bonus_debited_minor)
                - (b.wallet_debited_minor + b.bonus_debited_minor) * refunded / 100
                - (b.bonus_debited_minor - b.bonus_debited_minor * refunded / 100) AS wallet,
            CASE WHEN refunded = 100 THEN 0 ELSE b.pass_covered_minor END AS pass,
            b.desk_paid_minor - b.desk_paid_minor * refunded / 100 AS desk
        FROM state
    )
    -- The booking's own row, at the hour its time begins.
    SELECT
        b.company_id, b.resource_id, coalesce(b.unit_id::text, ''), date_trunc('hour', b.start_time),
        sign::bigint,
        sign * (kept.sold AND b.status <> 'NO_SHOW')::int,
        sign * kept.cancelled::int,
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
$$
"""

APPLY = f"""
CREATE FUNCTION bookings.stats_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bookings.stats_hourly AS s (company_id, hour, resource_id, unit_id, {_COLUMNS})
    SELECT c.company_id, c.hour, c.resource_id, c.unit_id, {_SUMS}
    FROM (
        SELECT * FROM bookings.stats_contribution(OLD, -1) WHERE TG_OP = 'UPDATE'
        UNION ALL
        SELECT * FROM bookings.stats_contribution(NEW, 1)
    ) AS c
    GROUP BY c.company_id, c.hour, c.resource_id, c.unit_id
    HAVING {_NONZERO}
    ORDER BY c.company_id, c.hour, c.resource_id, c.unit_id
    ON CONFLICT (company_id, hour, resource_id, unit_id) DO UPDATE SET {_INCREMENTS};
    RETURN NULL;
END
$$
"""

_CHANGED = " OR ".join(f"OLD.{name} IS DISTINCT FROM NEW.{name}" for name in WATCHED)


def upgrade() -> None:
    columns = ",\n".join(f"    {name} bigint NOT NULL DEFAULT 0" for name in FIGURES)
    op.execute(
        f"""
        CREATE TABLE bookings.stats_hourly (
            company_id uuid NOT NULL,
            hour timestamptz NOT NULL,
            resource_id uuid NOT NULL,
            unit_id text NOT NULL DEFAULT '',
        {columns},
            CONSTRAINT pk_stats_hourly PRIMARY KEY (company_id, hour, resource_id, unit_id)
        )
        """
    )
    op.execute(CONTRIBUTION)
    op.execute(APPLY)
    op.execute(
        "CREATE TRIGGER stats_on_insert AFTER INSERT ON bookings.bookings FOR EACH ROW"
        f" WHEN (NEW.status IN ({SOLD}, 'CANCELLED')) EXECUTE FUNCTION bookings.stats_apply()"
    )
    op.execute(
        f"CREATE TRIGGER stats_on_update AFTER UPDATE OF {', '.join(WATCHED)} ON bookings.bookings"
        f" FOR EACH ROW WHEN ({_CHANGED}) EXECUTE FUNCTION bookings.stats_apply()"
    )
    op.execute(
        f"""
        INSERT INTO bookings.stats_hourly AS s (company_id, hour, resource_id, unit_id, {_COLUMNS})
        SELECT c.company_id, c.hour, c.resource_id, c.unit_id, {_SUMS}
        FROM bookings.bookings AS b, LATERAL bookings.stats_contribution(b, 1) AS c
        GROUP BY c.company_id, c.hour, c.resource_id, c.unit_id
        ON CONFLICT (company_id, hour, resource_id, unit_id) DO UPDATE SET {_INCREMENTS}
        """
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER stats_on_update ON bookings.bookings")
    op.execute("DROP TRIGGER stats_on_insert ON bookings.bookings")
    op.execute("DROP FUNCTION bookings.stats_apply()")
    op.execute("DROP FUNCTION bookings.stats_contribution(bookings.bookings, integer)")
    op.execute("DROP TABLE bookings.stats_hourly")
