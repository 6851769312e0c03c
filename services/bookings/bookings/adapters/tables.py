"""The bookings schema."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Interval,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSTZRANGE, UUID

from plumbing.audit import audit_log_table
from plumbing.outbox import inbox_table, outbox_table
from plumbing.retention import message_rules

SCHEMA = "bookings"
metadata = MetaData(schema=SCHEMA)


def _timestamps() -> list[Column]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ]


bookings = Table(
    "bookings",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("company_id", UUID(as_uuid=False), nullable=False),
    Column("customer_id", UUID(as_uuid=False), nullable=False),
    Column("resource_id", UUID(as_uuid=False), nullable=False),
    # Time slots name a session; nightly stays and interval rentals name a unit and a period.
    Column("session_id", UUID(as_uuid=False)),
    Column("unit_id", UUID(as_uuid=False)),
    Column("booking_model", Text, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("start_time", DateTime(timezone=True), nullable=False),
    Column("end_time", DateTime(timezone=True), nullable=False),
    Column("status", Text, nullable=False),
    Column("currency", Text, nullable=False),
    Column("base_minor", BigInteger, nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("entitlement_id", Text, nullable=False, server_default=""),
    Column("use_wallet", Boolean, nullable=False),
    # Payments' id of the card (its token stays in payments).
    Column("payment_method_id", Text, nullable=False, server_default=""),
    Column("pay_later", Boolean, nullable=False, server_default=text("false")),
    Column("wallet_debited_minor", BigInteger, nullable=False, server_default="0"),
    Column("bonus_debited_minor", BigInteger, nullable=False, server_default="0"),
    Column("pass_covered_minor", BigInteger, nullable=False, server_default="0"),
    # Credits the pass step took (migration 0018_booking_pass_credits): what a full refund
    # gives back to the pass; 0 when no pass step ran.
    Column("pass_credits", Integer, nullable=False, server_default="0"),
    Column("card_charged_minor", BigInteger, nullable=False, server_default="0"),
    Column("payment_id", Text, nullable=False, server_default=""),
    Column("reject_reason", Text, nullable=False, server_default=""),
    Column("saga_id", UUID(as_uuid=False), nullable=False),
    Column("free_cancellation_until", DateTime(timezone=True), nullable=False),
    # The resource's cancellation windows when booked: [[minutes_before_start, percent], ...].
    Column("cancellation_windows", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("guests", Integer, nullable=False, server_default="1"),
    Column("check_in_deadline", DateTime(timezone=True)),
    Column("checked_in_at", DateTime(timezone=True)),
    # The quote the booking was made with: [{"description", "quantity", "amount_minor"}, ...].
    Column("quote_lines", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    # When a CONFIRMED booking nobody checked in for becomes NO_SHOW (deadline + grace);
    # NULL when the resource needs no check-in.
    Column("no_show_at", DateTime(timezone=True)),
    # Nightly stays: the local dates, as the customer chose them.
    Column("check_in_date", Date),
    Column("check_out_date", Date),
    Column("request_id", Text, nullable=False),
    Column("request_hash", Text, nullable=False),
    # The change saga moving this booking's period, while it runs: one change at a time, and
    # no cancellation meanwhile (a conditional update on this row is the judge).
    Column("changing_saga_id", UUID(as_uuid=False)),
    # Paid in full at the front desk (CASH / EXTERNAL): no saga step collects it, and it is
    # never wallet or card money.
    Column("desk_payment", Text),
    Column("desk_paid_minor", BigInteger, nullable=False, server_default=text("0")),
    # The staff member who booked on the customer's behalf (NULL: the customer did).
    Column("booked_by_user_id", Text),
    Column("no_show_override_reason", Text),
    Column("cancel_reason", Text),
    # Money of time a shortening removed past the free-cancellation period that the company
    # kept (the removed part's share a cancellation would have kept); it stays in what the
    # source paid and no later refund gives it back.
    Column("kept_card_minor", BigInteger, nullable=False, server_default=text("0")),
    Column("kept_wallet_minor", BigInteger, nullable=False, server_default=text("0")),
    # 0016: a changed rental's stretches, each bought at once (domain.changes.Stretch): the end
    # and the price of each, in order from start_time. NULL (never changed, or changed before
    # they were kept): one stretch of the whole period at base_minor. The CHECK holds them to
    # the booking's own row: increasing, within its period, ending at end_time, amounts
    # non-negative and summing to base_minor.
    Column("stretch_ends", ARRAY(DateTime(timezone=True))),
    Column("stretch_amounts_minor", ARRAY(BigInteger)),
    *_timestamps(),
    UniqueConstraint("customer_id", "request_id", name="uq_bookings_customer_request"),
    CheckConstraint(
        "(desk_payment IS NULL AND desk_paid_minor = 0)"
        " OR (desk_payment IN ('CASH','EXTERNAL') AND desk_paid_minor >= 0)",
        name="ck_bookings_desk_payment",
    ),
    CheckConstraint(
        "kept_card_minor BETWEEN 0 AND card_charged_minor"
        " AND kept_wallet_minor BETWEEN 0 AND wallet_debited_minor + bonus_debited_minor",
        name="ck_bookings_kept_within_paid",
    ),
    CheckConstraint(
        "(stretch_ends IS NULL AND stretch_amounts_minor IS NULL) OR (booking_model = 'INTERVAL'"
        " AND bookings.rental_stretches_tile(start_time, end_time, base_minor,"
        " stretch_ends, stretch_amounts_minor))",
        name="ck_bookings_rental_stretches",
    ),
    CheckConstraint("quantity >= 1", name="ck_bookings_quantity"),
    CheckConstraint(
        "status IN ('PENDING','PENDING_PAYMENT','CONFIRMED','REJECTED','CANCELLING','CANCELLED',"
        "'CHECKED_IN','COMPLETED','NO_SHOW')",
        name="ck_bookings_status",
    ),
    CheckConstraint("start_time < end_time", name="ck_bookings_period"),
    CheckConstraint(
        "pass_credits >= 0 AND (pass_credits = 0 OR entitlement_id <> '')", name="ck_bookings_pass_credits"
    ),
    Index("ix_bookings_customer", "customer_id", "created_at"),
    # A company's list (the back office's bookings, filtered by status and period), newest first.
    Index("ix_bookings_company_created", "company_id", "created_at", "id"),
    # 0010: the same by status (a rare one is not walked to), and per resource.
    Index("ix_bookings_company_status_created", "company_id", "status", "created_at", "id"),
    Index("ix_bookings_resource_created", "resource_id", "created_at", "id"),
    Index("ix_bookings_session", "session_id", "created_at"),
    Index(
        "ix_bookings_no_show_due",
        "no_show_at",
        postgresql_where=text("status = 'CONFIRMED' AND no_show_at IS NOT NULL"),
    ),
)

# 0010: a company's bookings of a period are found by their [start, end) overlapping it.
Index(
    "ix_bookings_period",
    func.tstzrange(bookings.c.start_time, bookings.c.end_time),
    postgresql_using="gist",
    postgresql_include=["company_id", "status", "created_at", "id", "start_time", "end_time"],
)

booking_extras = Table(
    "booking_extras",
    metadata,
    Column("booking_id", UUID(as_uuid=False), ForeignKey(f"{SCHEMA}.bookings.id"), primary_key=True),
    Column("extra_id", UUID(as_uuid=False), primary_key=True),
    Column("name", Text, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_minor", BigInteger, nullable=False),
    # How the extra was priced when bought: a change of the period scales it by this unit,
    # not the catalog's unit now (migration 0017_extra_pricing_unit).
    Column("pricing_unit", Text, nullable=False),
    CheckConstraint("quantity >= 1", name="ck_booking_extras_quantity"),
    CheckConstraint(
        "pricing_unit IN ('PER_BOOKING', 'PER_NIGHT', 'PER_GUEST', 'PER_HOUR', 'PER_GUEST_NIGHT')",
        name="ck_booking_extras_pricing_unit",
    ),
)

# Places of a time slot: the database refuses to hold more than the capacity.
session_occupancy = Table(
    "session_occupancy",
    metadata,
    Column("session_id", UUID(as_uuid=False), primary_key=True),
    Column("company_id", UUID(as_uuid=False), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("booked", Integer, nullable=False, server_default="0"),
    CheckConstraint("booked >= 0 AND booked <= capacity", name="ck_session_occupancy_capacity"),
)

sagas = Table(
    "sagas",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("booking_id", UUID(as_uuid=False), ForeignKey(f"{SCHEMA}.bookings.id"), nullable=False),
    Column("company_id", UUID(as_uuid=False), nullable=False),
    Column("kind", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("current_step", Text, nullable=False, server_default=""),
    Column("attempt", Integer, nullable=False, server_default="0"),
    Column("deadline", DateTime(timezone=True)),
    # The command awaiting its reply (its Nats-Msg-Id) and how long the step may take: the
    # deadline stays NULL until the outbox relay publishes that command, then becomes
    # publish time + step_timeout (repository.start_step_deadlines), so a command held in
    # the outbox while NATS is down never times out.
    Column("command_id", Text),
    Column("step_timeout", Interval),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("data", JSONB, nullable=False),
    Column("trace_id", Text, nullable=False, server_default=""),
    Column("needs_attention", Boolean, nullable=False, server_default=text("false")),
    *_timestamps(),
    Index("ix_sagas_due", "deadline", postgresql_where=text("state NOT IN ('COMPLETED','COMPENSATED')")),
    Index("ix_sagas_created", "created_at"),
    Index("ix_sagas_booking", "booking_id"),
    # The operators' console (bookings 0011): a company's sagas newest first, and its counts by
    # kind and state over a time range from the index alone; the sagas flagged for an operator.
    Index("ix_sagas_company_created", "company_id", "created_at", "id", postgresql_include=["kind", "state"]),
    Index("ix_sagas_attention", "created_at", "id", postgresql_where=text("needs_attention")),
    Index(
        "uq_sagas_one_change_in_flight",
        "booking_id",
        unique=True,
        postgresql_where=text("kind = 'change' AND state NOT IN ('COMPLETED','COMPENSATED')"),
    ),
)

saga_steps = Table(
    "saga_steps",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("saga_id", UUID(as_uuid=False), ForeignKey(f"{SCHEMA}.sagas.id"), nullable=False),
    Column("step", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("outcome", Text, nullable=False, server_default=""),
    Column("message_id", Text, nullable=False, server_default=""),
    # Replies: what the participant covered, its bonus part and its record.
    Column("amount_minor", BigInteger, nullable=False, server_default="0"),
    Column("bonus_minor", BigInteger, nullable=False, server_default="0"),
    Column("reference", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_saga_steps_saga", "saga_id", "id"),
    # The console's search by a reply's reference (a payment id; bookings 0011).
    Index("ix_saga_steps_reference", "reference", postgresql_where=text("reference <> ''")),
)

# Nightly stays: one row per unit per night; the primary key refuses a second booking
# of the same unit for the same night. `night` is the local date the night starts on.
unit_nights = Table(
    "unit_nights",
    metadata,
    Column("unit_id", UUID(as_uuid=False), primary_key=True),
    Column("night", Date, primary_key=True),
    Column("booking_id", UUID(as_uuid=False), ForeignKey(f"{SCHEMA}.bookings.id"), nullable=False),
    Column("resource_id", UUID(as_uuid=False), nullable=False),
    Column("company_id", UUID(as_uuid=False), nullable=False),
    Index("ix_unit_nights_resource_night", "resource_id", "night"),
    Index("ix_unit_nights_booking", "booking_id"),
)

# Interval rentals: an integer key per resource, because the embedded PostgreSQL has no
# btree_gist (so no `uuid WITH =` in an exclusion constraint); int8range(key, key) && works.
interval_resources = Table(
    "interval_resources",
    metadata,
    Column("resource_id", UUID(as_uuid=False), primary_key=True),
    Column("resource_key", BigInteger, Identity(), nullable=False, unique=True),
)

# The period an interval booking blocks, buffers included; the exclusion constraint (in the
# migration) refuses two overlapping periods of one resource.
interval_holds = Table(
    "interval_holds",
    metadata,
    Column("booking_id", UUID(as_uuid=False), ForeignKey(f"{SCHEMA}.bookings.id"), primary_key=True),
    Column("resource_id", UUID(as_uuid=False), nullable=False),
    Column("resource_key", BigInteger, nullable=False),
    Column("company_id", UUID(as_uuid=False), nullable=False),
    Column("blocked", TSTZRANGE, nullable=False),
    Index("ix_interval_holds_resource", "resource_id"),
)

# Active bookings per customer and resource, for the policy's maximum.
customer_active_bookings = Table(
    "customer_active_bookings",
    metadata,
    Column("customer_id", UUID(as_uuid=False), primary_key=True),
    Column("resource_id", UUID(as_uuid=False), primary_key=True),
    Column("active", Integer, nullable=False, server_default="0"),
    CheckConstraint("active >= 0", name="ck_customer_active_bookings_active"),
)

# A cancellation's refund: the unique booking id makes it 0..1 per booking.
refund_requests = Table(
    "refund_requests",
    metadata,
    Column("booking_id", UUID(as_uuid=False), ForeignKey(f"{SCHEMA}.bookings.id"), primary_key=True),
    Column("saga_id", UUID(as_uuid=False), nullable=False),
    Column("percent", Integer, nullable=False),
    Column("card_minor", BigInteger, nullable=False),
    Column("wallet_minor", BigInteger, nullable=False),
    Column("credits", Integer, nullable=False),
    # Given back at the front desk (a desk-paid booking); no saga step moves it.
    Column("desk_minor", BigInteger, nullable=False, server_default=text("0")),
    Column("status", Text, nullable=False, server_default="REQUESTED"),
    *_timestamps(),
    CheckConstraint("percent BETWEEN 0 AND 100", name="ck_refund_requests_percent"),
    CheckConstraint("status IN ('REQUESTED','REFUNDED')", name="ck_refund_requests_status"),
)

# Period changes asked for, once per (booking, request id); the saga (if any) moves the money.
booking_changes = Table(
    "booking_changes",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("booking_id", UUID(as_uuid=False), ForeignKey(f"{SCHEMA}.bookings.id"), nullable=False),
    Column("request_id", Text, nullable=False),
    # What was asked for (the new end or check-out date): a reused request id must ask the same.
    Column("target", Text, nullable=False),
    Column("saga_id", UUID(as_uuid=False)),
    Column("old_end", DateTime(timezone=True), nullable=False),
    Column("new_end", DateTime(timezone=True), nullable=False),
    Column("difference_minor", BigInteger, nullable=False),
    *_timestamps(),
    UniqueConstraint("booking_id", "request_id", name="uq_booking_changes_request"),
)

outbox = outbox_table(metadata)
audit_log = audit_log_table(metadata)
inbox = inbox_table(metadata)
# Deleted a week on (plumbing.retention; wired in the bootstrap).
retention_rules = message_rules(outbox, inbox)

# 0012: the business statistics' read model, kept by the trigger `stats_apply` on `bookings`
# (see the migration): sums per UTC hour of the service time, per resource and unit.
STATS_FIGURES = (
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
stats_hourly = Table(
    "stats_hourly",
    metadata,
    Column("company_id", UUID(as_uuid=False), primary_key=True),
    Column("hour", DateTime(timezone=True), primary_key=True),
    Column("resource_id", UUID(as_uuid=False), primary_key=True),
    Column("unit_id", Text, primary_key=True, server_default=""),
    *(Column(name, BigInteger, nullable=False, server_default="0") for name in STATS_FIGURES),
)
