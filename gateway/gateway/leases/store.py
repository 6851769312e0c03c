"""The rules of the console's leases, judged by PostgreSQL.

- `acquire` takes a lease on a subject (a unit, else a resource; a session's booking for its
  edits) for a period, for
  LEASE_SECONDS. In one transaction it deletes the subject's expired leases (an expired lease
  never blocks: it is taken over) and the caller's own overlapping ones (the same holder
  renews), then inserts with `ON CONFLICT DO NOTHING`: the exclusion constraint
  `console_leases_no_overlap` makes a racing insert wait for the other and then do nothing, so
  of two staff racing for one period exactly one holds it. Nothing inserted means another
  holder: `LeaseHeld` names them.
- `renew` (the page's heartbeat) moves an unexpired lease's expiry LEASE_SECONDS ahead; an
  expired or released one is not renewed (the page acquires again, or says it was lost).
- `release` deletes the caller's lease (save, cancel, tab closed); `held` lists the unexpired
  leases of a company that overlap a period (the day view's live holds).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text

from plumbing.db import Database

# How long a lease lives without a heartbeat, and how often an open page renews it.
LEASE_SECONDS = 30
HEARTBEAT_SECONDS = 10
PURPOSES = ("BOOK", "EDIT")
# Acquiring again when the blocking lease was released between our insert and our look.
ATTEMPTS = 3

_COLUMNS = (
    "id::text, company_id::text, resource_id::text, unit_id::text, booking_id::text, purpose, label, "
    "lower(period) AS start, upper(period) AS end, holder_user_id::text, holder_name, holder_email, "
    "acquired_at, expires_at"
)
_SWEEP = text(
    "DELETE FROM gateway.console_leases WHERE subject = :subject "
    "AND (expires_at <= now() OR (holder_user_id = :user AND period && tstzrange(:start, :end, '[)')))"
)
# The company's leases expired long ago (pages that crashed on subjects nobody took since).
_FORGET = text(
    "DELETE FROM gateway.console_leases "
    "WHERE company_id = :company AND expires_at < now() - interval '1 hour'"
)
_INSERT = text(
    "INSERT INTO gateway.console_leases (id, company_id, resource_id, unit_id, subject, period, purpose, "
    "booking_id, label, holder_user_id, holder_name, holder_email, expires_at) "
    "SELECT :id, :company, :resource, :unit, :subject, tstzrange(:start, :end, '[)'), :purpose, :booking, "
    ":label, u.id, coalesce(nullif(u.display_name, ''), u.email), u.email, "
    "now() + make_interval(secs => :seconds) FROM gateway.users u WHERE u.id = :user "
    f"ON CONFLICT DO NOTHING RETURNING {_COLUMNS}"
)
_BLOCKING = text(
    f"SELECT {_COLUMNS} FROM gateway.console_leases WHERE subject = :subject "
    "AND period && tstzrange(:start, :end, '[)') AND expires_at > now() AND holder_user_id <> :user "
    "ORDER BY acquired_at LIMIT 1"
)
_RENEW = text(
    "UPDATE gateway.console_leases SET expires_at = now() + make_interval(secs => :seconds) "
    f"WHERE id = :id AND holder_user_id = :user AND expires_at > now() RETURNING {_COLUMNS}"
)
_RELEASE = text("DELETE FROM gateway.console_leases WHERE id = :id AND holder_user_id = :user")
_HELD = text(
    f"SELECT {_COLUMNS} FROM gateway.console_leases WHERE company_id = :company AND expires_at > now() "
    "AND period && tstzrange(:start, :end, '[)') ORDER BY lower(period), acquired_at, id"
)


@dataclass(frozen=True)
class Lease:
    id: str
    company_id: str
    resource_id: str
    unit_id: str | None
    booking_id: str | None
    purpose: str
    label: str
    start: datetime
    end: datetime
    holder_user_id: str
    holder_name: str
    holder_email: str
    acquired_at: datetime
    expires_at: datetime

    @property
    def holder(self) -> str:
        """`Name <e-mail>`, or the e-mail alone when the name is the e-mail."""
        if self.holder_name == self.holder_email:
            return self.holder_email
        return f"{self.holder_name} <{self.holder_email}>"


def _lease(row: Any) -> Lease:
    return Lease(**row._mapping)


class LeaseHeld(Exception):
    """Another staff member holds an overlapping lease (until released or expired)."""

    def __init__(self, lease: Lease) -> None:
        super().__init__(f"held by {lease.holder_user_id} until {lease.expires_at.isoformat()}")
        self.lease = lease


class LeaseUserUnknown(Exception):
    """The caller has no user row (an API key): a lease names a person."""


@dataclass(frozen=True)
class Wanted:
    """What a caller wants to hold."""

    company_id: str
    resource_id: str
    start: datetime
    end: datetime
    purpose: str = "BOOK"
    unit_id: str | None = None
    booking_id: str | None = None
    label: str = ""
    # What is held, when neither the unit nor the resource (an edit of a session's booking).
    subject: str | None = None

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("a lease's period ends after it starts")
        if self.purpose not in PURPOSES:
            raise ValueError(f"purpose is one of {PURPOSES}")


class Leases:
    def __init__(self, db: Database, *, seconds: int = LEASE_SECONDS) -> None:
        self.db = db
        self.seconds = seconds

    async def acquire(self, wanted: Wanted, user_id: str) -> Lease:
        """The caller's new lease on `wanted`; LeaseHeld when another holds an overlapping one."""
        subject = wanted.subject or wanted.unit_id or wanted.resource_id
        where = {"subject": subject, "user": user_id, "start": wanted.start, "end": wanted.end}
        for _ in range(ATTEMPTS):
            async with self.db.transaction() as conn:
                await conn.execute(_SWEEP, where)
                await conn.execute(_FORGET, {"company": wanted.company_id})
                row = (
                    await conn.execute(
                        _INSERT,
                        {
                            **where,
                            "id": str(uuid.uuid4()),
                            "company": wanted.company_id,
                            "resource": wanted.resource_id,
                            "unit": wanted.unit_id,
                            "purpose": wanted.purpose,
                            "booking": wanted.booking_id,
                            "label": wanted.label[:200],
                            "seconds": self.seconds,
                        },
                    )
                ).first()
                if row is not None:
                    return _lease(row)
                blocking = (await conn.execute(_BLOCKING, where)).first()
            if blocking is not None:
                raise LeaseHeld(_lease(blocking))
            async with self.db.transaction() as conn:
                known = (
                    await conn.execute(text("SELECT 1 FROM gateway.users WHERE id = :user"), where)
                ).first()
            if known is None:
                raise LeaseUserUnknown(user_id)
        raise LeaseHeld(await self._any_blocking(where))

    async def _any_blocking(self, where: dict[str, Any]) -> Lease:
        async with self.db.transaction() as conn:
            row = (await conn.execute(_BLOCKING, where)).first()
        if row is None:  # pragma: no cover - released three times over while we looked
            raise RuntimeError("a lease kept changing hands")
        return _lease(row)

    async def renew(self, lease_id: str, user_id: str) -> Lease | None:
        """The caller's unexpired lease, LEASE_SECONDS more from now; None if gone or expired."""
        async with self.db.transaction() as conn:
            row = (
                await conn.execute(_RENEW, {"id": lease_id, "user": user_id, "seconds": self.seconds})
            ).first()
        return _lease(row) if row is not None else None

    async def release(self, lease_id: str, user_id: str) -> bool:
        """Deletes the caller's lease; False when it was not theirs or is already gone."""
        async with self.db.transaction() as conn:
            done = await conn.execute(_RELEASE, {"id": lease_id, "user": user_id})
        return bool(done.rowcount)

    async def held(self, company_id: str, start: datetime, end: datetime) -> list[Lease]:
        """The company's unexpired leases overlapping [start, end)."""
        async with self.db.transaction() as conn:
            rows = (await conn.execute(_HELD, {"company": company_id, "start": start, "end": end})).all()
        return [_lease(row) for row in rows]
