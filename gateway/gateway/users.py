"""User accounts of the gateway: argon2 password hashes in `gateway.users`."""

from __future__ import annotations

import asyncio
import functools
import os
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.tables import users
from plumbing.db import Database
from plumbing.errors import InvalidArgument
from plumbing.ids import optional_id
from plumbing.principal import Role

T = TypeVar("T")
# The roles a user account can have (guests and the service principal have no account).
USER_ROLES: tuple[Role, ...] = (Role.PLATFORM_ADMIN, Role.COMPANY_ADMIN, Role.STAFF, Role.CUSTOMER)

_hasher = PasswordHasher()
# argon2 runs here, never on the event loop (a hash holds a core for ~0.35 s), and on a pool of
# its own: a burst of logins queues for these threads instead of taking every thread of the
# loop's default executor (which DNS look-ups and other to_thread calls share).
_hash_pool = ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)), thread_name_prefix="argon2")


async def _off_loop(function: Callable[..., T], *args: object) -> T:
    return await asyncio.get_running_loop().run_in_executor(_hash_pool, functools.partial(function, *args))


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so both failures take the same time;
    made on first use (in the pool) rather than at import."""
    return _hasher.hash("not-a-real-password")


@dataclass(frozen=True)
class User:
    id: str
    email: str
    role: Role
    company_id: str | None
    customer_id: str | None
    # The account's token epoch when it was read: its access tokens carry it, and a token of
    # an older epoch is refused (gateway.token_revocations).
    token_epoch: int = 0


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _uuid_or_none(value: str | None, name: str) -> str | None:
    # A ValueError like the other checks of create_user: its callers are scripts, not requests.
    try:
        return optional_id(value, name)
    except InvalidArgument as refused:
        raise ValueError(refused.message) from None


def _user(row: object) -> User:
    return User(
        id=str(row.id),  # type: ignore[attr-defined]
        email=row.email,  # type: ignore[attr-defined]
        role=Role(row.role),  # type: ignore[attr-defined]
        company_id=str(row.company_id) if row.company_id else None,  # type: ignore[attr-defined]
        customer_id=str(row.customer_id) if row.customer_id else None,  # type: ignore[attr-defined]
        token_epoch=int(row.token_epoch),  # type: ignore[attr-defined]
    )


USER_COLUMNS = (
    users.c.id,
    users.c.email,
    users.c.role,
    users.c.company_id,
    users.c.customer_id,
    users.c.token_epoch,
)


class CompanyRequired(Exception):
    """The e-mail and password match accounts of several companies: the login must name one."""


async def hash_password(password: str) -> str:
    return await _off_loop(_hasher.hash, password)


async def password_matches(stored_hash: str | None, password: str) -> bool:
    """argon2 verification off the loop; a missing hash costs the same as a wrong password."""
    try:
        await _off_loop(_hasher.verify, stored_hash or await _off_loop(_dummy_hash), password)
    except (VerificationError, InvalidHashError):
        return False
    return stored_hash is not None


async def insert_user(
    conn: AsyncConnection,
    *,
    email: str,
    password_hash: str,
    role: Role,
    company_id: str | None,
    customer_id: str | None = None,
    display_name: str | None = None,
) -> User | None:
    """Inserts a user in the caller's transaction; None when the e-mail is taken in that
    company (the unique indexes decide, not a read before)."""
    row = (
        await conn.execute(
            insert(users)
            .values(
                id=str(uuid.uuid4()),
                email=normalize_email(email),
                password_hash=password_hash,
                role=str(role),
                company_id=company_id,
                customer_id=customer_id,
                display_name=display_name,
            )
            .on_conflict_do_nothing()
            .returning(*USER_COLUMNS)
        )
    ).first()
    return _user(row) if row is not None else None


async def set_password(conn: AsyncConnection, user_id: str, password_hash: str) -> bool:
    changed = await conn.execute(
        update(users).where(users.c.id == user_id).values(password_hash=password_hash, updated_at=func.now())
    )
    return bool(changed.rowcount)


class UserStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create_user(
        self,
        *,
        email: str,
        password: str,
        role: Role | str,
        company_id: str | None = None,
        customer_id: str | None = None,
        display_name: str | None = None,
    ) -> User:
        """Creates a user, idempotent on the (lower-cased) e-mail in its company: when it
        exists, the existing user is returned unchanged (its password is not replaced)."""
        email = normalize_email(email)
        if not email or "@" not in email:
            raise ValueError(f"not an e-mail address: {email!r}")
        if role not in USER_ROLES:
            raise ValueError(f"role must be one of {[str(r) for r in USER_ROLES]}, got {role!r}")
        role = Role(role)
        if not password:
            raise ValueError("password must not be empty")
        company = _uuid_or_none(company_id, "company_id")
        customer = _uuid_or_none(customer_id, "customer_id")
        if role is Role.CUSTOMER and (company is None or customer is None):
            raise ValueError("a customer user needs company_id and customer_id")
        if (role is Role.PLATFORM_ADMIN) != (company is None):
            raise ValueError("platform admins have no company_id; every other user has one")
        password_hash = await hash_password(password)
        async with self.db.transaction() as conn:
            created = await insert_user(
                conn,
                email=email,
                password_hash=password_hash,
                role=role,
                company_id=company,
                customer_id=customer,
                display_name=display_name,
            )
            if created is not None:
                return created
        # The e-mail exists (possibly inserted by a concurrent caller that has committed).
        existing = await self.get_by_email(email, company_id=company)
        assert existing is not None
        return existing

    async def get_by_email(self, email: str, *, company_id: str | None = None) -> User | None:
        """The account of this e-mail in `company_id` (None: the platform admin's)."""
        company = users.c.company_id.is_(None) if company_id is None else users.c.company_id == company_id
        async with self.db.transaction() as conn:
            row = (
                await conn.execute(
                    select(*USER_COLUMNS).where(users.c.email == normalize_email(email), company)
                )
            ).first()
        return _user(row) if row is not None else None

    async def get(self, user_id: str) -> User | None:
        async with self.db.transaction() as conn:
            row = (await conn.execute(select(*USER_COLUMNS).where(users.c.id == user_id))).first()
        return _user(row) if row is not None else None

    async def authenticate(self, email: str, password: str, *, company_id: str | None = None) -> User | None:
        """The user when the password matches, else None (same cost either way). Without a
        company, the one account of this e-mail whose password matches; CompanyRequired when
        the password matches accounts of several companies."""
        # A deactivated account answers as a wrong password would (nothing said about it).
        where = [users.c.email == normalize_email(email), users.c.deactivated_at.is_(None)]
        if company_id is not None:
            where.append(users.c.company_id == company_id)
        async with self.db.transaction() as conn:
            rows = (
                await conn.execute(select(*USER_COLUMNS, users.c.password_hash).where(*where).limit(10))
            ).all()
        if not rows:
            await password_matches(None, password)
            return None
        matching = [row for row in rows if await password_matches(row.password_hash, password)]
        if len(matching) > 1:
            raise CompanyRequired()
        return _user(matching[0]) if matching else None

    async def verify_password(self, user_id: str, password: str) -> bool:
        async with self.db.transaction() as conn:
            stored = (
                await conn.execute(select(users.c.password_hash).where(users.c.id == user_id))
            ).scalar_one_or_none()
        return await password_matches(stored, password)
