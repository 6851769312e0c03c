"""The console's leases (migration `console_leases`): one row per held (subject, period); the
exclusion constraint `console_leases_no_overlap` keeps two rows of one subject from
overlapping, whoever inserts them and however they race."""

from __future__ import annotations

from sqlalchemy import Column, Computed, DateTime, MetaData, Table, Text, func
from sqlalchemy.dialects.postgresql import TSTZRANGE, UUID
from sqlalchemy.types import BigInteger

SCHEMA = "gateway"
metadata = MetaData(schema=SCHEMA)

HALF = "('x' || substr(replace(subject::text, '-', ''), {start}, 16))::bit(64)::bigint"

console_leases = Table(
    "console_leases",
    metadata,
    Column("id", UUID(as_uuid=False), primary_key=True),
    Column("company_id", UUID(as_uuid=False), nullable=False),
    Column("resource_id", UUID(as_uuid=False), nullable=False),
    Column("unit_id", UUID(as_uuid=False)),
    # What is held: the unit when one is named, else the resource (an edit of a session's
    # booking: the booking).
    Column("subject", UUID(as_uuid=False), nullable=False),
    Column("subject_hi", BigInteger, Computed(HALF.format(start=1), persisted=True)),
    Column("subject_lo", BigInteger, Computed(HALF.format(start=17), persisted=True)),
    Column("period", TSTZRANGE, nullable=False),
    Column("purpose", Text, nullable=False),  # BOOK (a free cell), EDIT (a booking's cancel)
    Column("booking_id", UUID(as_uuid=False)),
    Column("label", Text, nullable=False, server_default=""),
    Column("holder_user_id", UUID(as_uuid=False), nullable=False),
    Column("holder_name", Text, nullable=False),
    Column("holder_email", Text, nullable=False),
    Column("acquired_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
