"""What accounts hold besides a password: refresh tokens (rotation, families, reuse detection),
invitations, password resets and API keys. Every change is written with its audit entry
(`plumbing.audit.record`) in one transaction; the database decides every race (conditional
UPDATE ... RETURNING, unique indexes), never a read before a write.

Secrets: a refresh token, an invitation token and an API key each carry a random 256-bit
secret, and only its SHA-256 is stored. A fast hash is enough (and argon2 is not needed) because
the secret is high-entropy random, not a person's password: nobody can guess it from its hash
by trying candidates, and checking an API key on every request stays cheap. A password-reset
token is not stored at all: it is `<id>.<HMAC-SHA256(gateway secret, id)>`, so staff can be
shown it again (until notifications deliver it) while no table ever holds it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, literal_column, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.tables import api_keys, invites, ops_sessions, password_resets, refresh_tokens, users
from gateway.users import USER_COLUMNS, User, _user, hash_password, set_password
from plumbing import audit
from plumbing.db import Database
from plumbing.ids import is_uuid
from plumbing.principal import Role

REFRESH_TTL = timedelta(days=30)
INVITE_TTL = timedelta(days=7)
RESET_TTL = timedelta(hours=1)
API_KEY_PREFIX = "bpk"


def _secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _split(token: str) -> tuple[str, str] | None:
    """`<uuid>.<secret>` -> (id, secret), or None when it is not shaped so."""
    identifier, dot, secret = token.partition(".")
    if not dot or not secret or len(token) > 512 or not is_uuid(identifier):
        return None
    return identifier.lower(), secret


def _before(table: Any, after: tuple[datetime, str]) -> Any:
    """Keyset paging, newest first: rows strictly after the page's last (created_at, id)."""
    created_at, row_id = after
    return or_(table.c.created_at < created_at, and_(table.c.created_at == created_at, table.c.id < row_id))


# ----- refresh tokens -----


@dataclass(frozen=True)
class Rotated:
    user: User
    refresh: IssuedRefresh


@dataclass(frozen=True)
class IssuedRefresh:
    """A refresh token shown once, and its login (the family every refresh of it belongs to,
    which the access tokens issued with it name: claim `sid`)."""

    token: str
    login: str


async def issue_refresh_token(
    conn: AsyncConnection, user_id: str, family_id: str | None = None
) -> IssuedRefresh:
    """A new login's first refresh token (a new family), or the next one of `family_id`'s."""
    token_id, secret, login = str(uuid.uuid4()), _secret(), family_id or str(uuid.uuid4())
    await conn.execute(
        insert(refresh_tokens).values(
            id=token_id,
            family_id=login,
            user_id=user_id,
            secret_hash=digest(secret),
            expires_at=func.now() + REFRESH_TTL,
        )
    )
    return IssuedRefresh(f"{token_id}.{secret}", login)


class RefreshTokenReused(Exception):
    """A used refresh token came back: its family has been revoked."""


async def rotate_refresh_token(db: Database, token: str) -> Rotated | None:
    """Uses the token once and issues the next one of its family. None when it is unknown,
    expired or revoked; RefreshTokenReused (after revoking the whole family, committed: its
    login's access tokens are refused with it) when it was used before: either the client or a
    thief holds a copy, and we cannot tell which."""
    parts = _split(token)
    if parts is None:
        return None
    token_id, secret = parts
    async with db.transaction() as conn:
        used = (
            await conn.execute(
                update(refresh_tokens)
                .where(
                    refresh_tokens.c.id == token_id,
                    refresh_tokens.c.secret_hash == digest(secret),
                    refresh_tokens.c.used_at.is_(None),
                    refresh_tokens.c.revoked_at.is_(None),
                    refresh_tokens.c.expires_at > func.now(),
                )
                .values(used_at=func.now())
                .returning(refresh_tokens.c.family_id, refresh_tokens.c.user_id)
            )
        ).first()
        if used is not None:
            row = (
                await conn.execute(
                    select(*USER_COLUMNS).where(users.c.id == used.user_id, users.c.deactivated_at.is_(None))
                )
            ).first()
            if row is None:
                return None
            return Rotated(
                _user(row), await issue_refresh_token(conn, str(used.user_id), str(used.family_id))
            )
    async with db.transaction() as conn:
        family = (
            select(refresh_tokens.c.family_id)
            .where(
                refresh_tokens.c.id == token_id,
                refresh_tokens.c.secret_hash == digest(secret),
                refresh_tokens.c.used_at.is_not(None),
            )
            .scalar_subquery()
        )
        revoked = await conn.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.family_id == family, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=func.now())
            .returning(refresh_tokens.c.user_id)
        )
        revoked_for = {row.user_id for row in revoked}
        reused = (
            await conn.execute(
                select(refresh_tokens.c.id).where(
                    refresh_tokens.c.id == token_id,
                    refresh_tokens.c.secret_hash == digest(secret),
                    refresh_tokens.c.used_at.is_not(None),
                )
            )
        ).first()
    if reused is not None or revoked_for:
        raise RefreshTokenReused()
    return None


async def revoke_family_of(db: Database, token: str) -> bool:
    """Logs out: the token's whole family (its login) is revoked, and so are the access tokens
    issued with it (they name the login: gateway.token_revocations); the account's other logins
    go on. True when something was revoked (the token is known and its family was not revoked
    already)."""
    parts = _split(token)
    if parts is None:
        return False
    token_id, secret = parts
    async with db.transaction() as conn:
        family = (
            select(refresh_tokens.c.family_id)
            .where(refresh_tokens.c.id == token_id, refresh_tokens.c.secret_hash == digest(secret))
            .scalar_subquery()
        )
        revoked = await conn.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.family_id == family, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=func.now())
            .returning(refresh_tokens.c.user_id)
        )
        revoked_for = {row.user_id for row in revoked}
    return bool(revoked_for)


def _revoking_access_tokens() -> dict[str, Any]:
    """The users columns that revoke an account's access tokens when set: every token of an
    older epoch is refused by every gateway process within a second (gateway.token_revocations)."""
    return {"token_epoch": users.c.token_epoch + 1, "tokens_revoked_at": func.now()}


async def sign_out_everywhere(conn: AsyncConnection, user_id: str) -> None:
    """Ends every way the account is signed in, in the caller's transaction: its refresh
    tokens, its console sessions and its access tokens."""
    await _end_sessions(conn, user_id)
    await conn.execute(update(users).where(users.c.id == user_id).values(**_revoking_access_tokens()))


# ----- cookie sessions (the console's and the sites': gateway.sessions, gateway.site.sessions) -----


async def open_session_row(conn: AsyncConnection, user_id: str, ttl_seconds: int) -> str:
    """A new session of the user, good for `ttl_seconds`; answers its id (the cookie names it).
    The user's expired sessions go at the same time: of no use any more, the table stays small."""
    session_id = str(uuid.uuid4())
    await conn.execute(
        delete(ops_sessions).where(ops_sessions.c.user_id == user_id, ops_sessions.c.expires_at < func.now())
    )
    await conn.execute(
        insert(ops_sessions).values(
            id=session_id, user_id=user_id, expires_at=func.now() + timedelta(seconds=ttl_seconds)
        )
    )
    return session_id


async def revoke_session_row(conn: AsyncConnection, session_id: str, user_id: str | None = None) -> None:
    """Logs a session out for good (of `user_id` only, when given)."""
    where = [ops_sessions.c.id == session_id, ops_sessions.c.revoked_at.is_(None)]
    if user_id is not None:
        where.append(ops_sessions.c.user_id == user_id)
    await conn.execute(update(ops_sessions).where(*where).values(revoked_at=func.now()))


async def _end_sessions(conn: AsyncConnection, user_id: str) -> None:
    """Revokes the account's refresh tokens and cookie sessions (console and site)."""
    await conn.execute(
        update(refresh_tokens)
        .where(refresh_tokens.c.user_id == user_id, refresh_tokens.c.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    await conn.execute(
        update(ops_sessions)
        .where(ops_sessions.c.user_id == user_id, ops_sessions.c.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )


async def change_password(db: Database, user: User, new_password: str, *, action: str) -> None:
    """Sets the password, signs the user out everywhere (refresh tokens, console sessions,
    access tokens), and records it."""
    password_hash = await hash_password(new_password)
    async with db.transaction() as conn:
        await set_password(conn, user.id, password_hash)
        await sign_out_everywhere(conn, user.id)
        await audit.record(
            conn, company_id=user.company_id, entity_type="user", entity_id=user.id, action=action
        )


# ----- sign-up codes: proof that whoever signs up reads the e-mail of a known customer -----

# A code is good in the hour it was sent and the next one.
SIGNUP_CODE_WINDOW_SECONDS = 3600


def _signup_window(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // SIGNUP_CODE_WINDOW_SECONDS)


def signup_code(secret_key: str, company_id: str, email: str, *, now: float | None = None) -> str:
    """The code e-mailed to `email` when an account is asked for with it in the company where
    it is already a customer's (a guest who booked): 8 characters, XXXX-XXXX. Nothing is
    stored: it is a MAC of the company, the address and the hour."""
    return _signup_code(secret_key, company_id, email, _signup_window(now))


def _signup_code(secret_key: str, company_id: str, email: str, window: int) -> str:
    message = f"signup-email:{company_id}:{email}:{window}".encode()
    code = base64.b32encode(hmac.new(secret_key.encode(), message, hashlib.sha256).digest()[:5]).decode()
    return f"{code[:4]}-{code[4:]}"


def signup_code_matches(secret_key: str, company_id: str, email: str, given: str) -> bool:
    """Whether `given` (any case, spaces and dashes ignored) is this hour's or the last one's."""
    typed = "".join(given.split()).replace("-", "").upper()
    window = _signup_window()
    return any(
        hmac.compare_digest(_signup_code(secret_key, company_id, email, w).replace("-", ""), typed)
        for w in (window, window - 1)
    )


# ----- password resets -----


def reset_token(secret_key: str, reset_id: str) -> str:
    mac = hmac.new(secret_key.encode(), f"password-reset:{reset_id}".encode(), hashlib.sha256).digest()
    return f"{reset_id}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


async def open_password_reset(conn: AsyncConnection, user: User) -> str:
    """A new reset of `user`; answers its id (the token is `reset_token(secret, id)`)."""
    reset_id = str(uuid.uuid4())
    await conn.execute(
        insert(password_resets).values(id=reset_id, user_id=user.id, expires_at=func.now() + RESET_TTL)
    )
    return reset_id


async def confirm_password_reset(db: Database, secret_key: str, token: str, new_password: str) -> User | None:
    """Uses a reset token once: sets the password, ends every other reset of the user and
    signs it out everywhere. None when the token is wrong, used or expired."""
    parts = _split(token)
    if parts is None or not hmac.compare_digest(reset_token(secret_key, parts[0]), token):
        return None
    password_hash = await hash_password(new_password)
    async with db.transaction() as conn:
        used = (
            await conn.execute(
                update(password_resets)
                .where(
                    password_resets.c.id == parts[0],
                    password_resets.c.used_at.is_(None),
                    password_resets.c.expires_at > func.now(),
                )
                .values(used_at=func.now())
                .returning(password_resets.c.user_id)
            )
        ).first()
        if used is None:
            return None
        user_id = str(used.user_id)
        await conn.execute(
            update(password_resets)
            .where(password_resets.c.user_id == user_id, password_resets.c.used_at.is_(None))
            .values(used_at=func.now())
        )
        await set_password(conn, user_id, password_hash)
        await sign_out_everywhere(conn, user_id)
        row = (await conn.execute(select(*USER_COLUMNS).where(users.c.id == user_id))).one()
        user = _user(row)
        await audit.record(
            conn, company_id=user.company_id, entity_type="user", entity_id=user_id, action="reset_password"
        )
    return user


@dataclass(frozen=True)
class PendingReset:
    id: str
    user_id: str
    email: str
    role: Role
    created_at: datetime
    expires_at: datetime


async def pending_resets(
    db: Database, company_id: str, *, roles: frozenset[Role], after: tuple[datetime, str] | None, limit: int
) -> list[PendingReset]:
    """The company's unused, unexpired resets of users with one of `roles`, newest first."""
    where: list[Any] = [
        users.c.company_id == company_id,
        users.c.role.in_([str(role) for role in roles]),
        password_resets.c.used_at.is_(None),
        password_resets.c.expires_at > func.now(),
    ]
    if after is not None:
        where.append(_before(password_resets, after))
    async with db.transaction() as conn:
        rows = (
            await conn.execute(
                select(
                    password_resets.c.id,
                    password_resets.c.user_id,
                    users.c.email,
                    users.c.role,
                    password_resets.c.created_at,
                    password_resets.c.expires_at,
                )
                .select_from(password_resets.join(users, users.c.id == password_resets.c.user_id))
                .where(*where)
                .order_by(password_resets.c.created_at.desc(), password_resets.c.id.desc())
                .limit(limit)
            )
        ).all()
    return [
        PendingReset(str(r.id), str(r.user_id), r.email, Role(r.role), r.created_at, r.expires_at)
        for r in rows
    ]


# ----- invitations -----


@dataclass(frozen=True)
class Invite:
    id: str
    company_id: str
    email: str
    role: Role
    display_name: str | None
    invited_by: str
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None


_INVITE_COLUMNS = (
    invites.c.id,
    invites.c.company_id,
    invites.c.email,
    invites.c.role,
    invites.c.display_name,
    invites.c.invited_by,
    invites.c.created_at,
    invites.c.expires_at,
    invites.c.accepted_at,
    invites.c.revoked_at,
)


def _invite(row: Any) -> Invite:
    return Invite(
        id=str(row.id),
        company_id=str(row.company_id),
        email=row.email,
        role=Role(row.role),
        display_name=row.display_name,
        invited_by=row.invited_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        accepted_at=row.accepted_at,
        revoked_at=row.revoked_at,
    )


# Ids of what an Idempotency-Key creates: one per (creator, key), so a retry finds its row.
_REQUEST_NAMESPACE = uuid.UUID("0b6f7a53-0c1e-4e0e-8d4f-5a0f6a3c9e21")


def request_scoped_id(kind: str, creator: str, request_key: str) -> str:
    return str(uuid.uuid5(_REQUEST_NAMESPACE, f"{kind}:{creator}:{request_key}"))


@dataclass(frozen=True)
class Created:
    """A row made under an Idempotency-Key and its secret, shown once. A retry of the same
    request (its first answer lost) gets a new secret for the same row while the row is unused:
    the response cannot be replayed, because no table may hold the secret."""

    secret: str
    inserted: bool


async def create_invite(
    db: Database,
    *,
    company_id: str,
    email: str,
    role: Role,
    display_name: str | None,
    invited_by: str,
    request_key: str,
    mail: Callable[[AsyncConnection, Invite, str], Awaitable[None]] | None = None,
) -> tuple[Invite, Created] | None:
    """The invitation and its token; None when the key was used for another request (or the
    invitation it made is accepted or revoked). `mail(conn, invite, token)` writes its e-mail
    in the same transaction: no invitation without its e-mail, no e-mail of a rolled-back one."""
    invite_id, secret = request_scoped_id("invite", invited_by, request_key), _secret()
    statement = insert(invites).values(
        id=invite_id,
        company_id=company_id,
        email=email,
        role=str(role),
        display_name=display_name,
        secret_hash=digest(secret),
        invited_by=invited_by,
        expires_at=func.now() + INVITE_TTL,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[invites.c.id],
        set_={"secret_hash": statement.excluded.secret_hash},
        where=and_(
            invites.c.company_id == statement.excluded.company_id,
            invites.c.email == statement.excluded.email,
            invites.c.role == statement.excluded.role,
            invites.c.display_name.is_not_distinct_from(statement.excluded.display_name),
            invites.c.accepted_at.is_(None),
            invites.c.revoked_at.is_(None),
        ),
    )
    async with db.transaction() as conn:
        row = (
            await conn.execute(
                statement.returning(*_INVITE_COLUMNS, literal_column("xmax = 0").label("inserted"))
            )
        ).first()
        if row is None:
            return None
        invite = _invite(row)
        token = f"{invite_id}.{secret}"
        if mail is not None:
            await mail(conn, invite, token)
        if row.inserted:
            await audit.record(
                conn,
                company_id=company_id,
                entity_type="invite",
                entity_id=invite_id,
                action="create",
                after={"email": email, "role": str(role), "display_name": display_name},
            )
    return invite, Created(token, bool(row.inserted))


async def open_invite(db: Database, token: str) -> Invite | None:
    """The invitation the token names while it can still be accepted."""
    parts = _split(token)
    if parts is None:
        return None
    async with db.transaction() as conn:
        row = (
            await conn.execute(
                select(*_INVITE_COLUMNS).where(
                    invites.c.id == parts[0],
                    invites.c.secret_hash == digest(parts[1]),
                    invites.c.accepted_at.is_(None),
                    invites.c.revoked_at.is_(None),
                    invites.c.expires_at > func.now(),
                )
            )
        ).first()
    return _invite(row) if row is not None else None


async def mark_invite_accepted(conn: AsyncConnection, token: str, user_id: str) -> bool:
    """Uses the invitation once, in the transaction that creates the user."""
    parts = _split(token)
    if parts is None:
        return False
    used = await conn.execute(
        update(invites)
        .where(
            invites.c.id == parts[0],
            invites.c.secret_hash == digest(parts[1]),
            invites.c.accepted_at.is_(None),
            invites.c.revoked_at.is_(None),
            invites.c.expires_at > func.now(),
        )
        .values(accepted_at=func.now(), accepted_user_id=user_id)
    )
    return bool(used.rowcount)


async def revoke_invite(
    db: Database, company_id: str | None, invite_id: str, roles: frozenset[Role]
) -> Invite | None:
    """Revokes a pending invitation: its code stops working at once (again, or once accepted:
    unchanged, answered as it is). None when it is not an invitation of `company_id` (None: any)
    of one of `roles` (what the caller may see). The UPDATE's WHERE decides a race with the
    invitation's acceptance: one of them wins, never both."""
    scope = [invites.c.id == invite_id, invites.c.role.in_([str(role) for role in roles])]
    if company_id is not None:
        scope.append(invites.c.company_id == company_id)
    async with db.transaction() as conn:
        row = (
            await conn.execute(
                update(invites)
                .where(*scope, invites.c.accepted_at.is_(None), invites.c.revoked_at.is_(None))
                .values(revoked_at=func.now())
                .returning(*_INVITE_COLUMNS)
            )
        ).first()
        if row is not None:
            invite = _invite(row)
            await audit.record(
                conn,
                company_id=invite.company_id,
                entity_type="invite",
                entity_id=invite.id,
                action="revoke",
                before={"revoked_at": None},
                after={"revoked_at": invite.revoked_at},
            )
            return invite
        existing = (await conn.execute(select(*_INVITE_COLUMNS).where(*scope))).first()
    return _invite(existing) if existing is not None else None


async def list_invites(
    db: Database, company_id: str, *, after: tuple[datetime, str] | None, limit: int
) -> list[Invite]:
    where: list[Any] = [invites.c.company_id == company_id]
    if after is not None:
        where.append(_before(invites, after))
    async with db.transaction() as conn:
        rows = (
            await conn.execute(
                select(*_INVITE_COLUMNS)
                .where(*where)
                .order_by(invites.c.created_at.desc(), invites.c.id.desc())
                .limit(limit)
            )
        ).all()
    return [_invite(row) for row in rows]


# ----- API keys -----


@dataclass(frozen=True)
class ApiKey:
    id: str
    company_id: str
    role: Role
    name: str
    prefix: str
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


_KEY_COLUMNS = (
    api_keys.c.id,
    api_keys.c.company_id,
    api_keys.c.role,
    api_keys.c.name,
    api_keys.c.prefix,
    api_keys.c.created_by,
    api_keys.c.created_at,
    api_keys.c.last_used_at,
    api_keys.c.revoked_at,
)


def _api_key(row: Any) -> ApiKey:
    return ApiKey(
        id=str(row.id),
        company_id=str(row.company_id),
        role=Role(row.role),
        name=row.name,
        prefix=row.prefix,
        created_by=row.created_by,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def _key_view(key: ApiKey) -> dict[str, Any]:
    return {"name": key.name, "role": str(key.role), "prefix": key.prefix, "revoked_at": key.revoked_at}


async def create_api_key(
    db: Database, *, company_id: str, role: Role, name: str, created_by: str, request_key: str
) -> tuple[ApiKey, Created] | None:
    """The key's record and the key itself (`bpk_<prefix>_<secret>`, shown once); None when the
    Idempotency-Key was used for another request (or its key is in use or revoked). Prefix and
    secret are hex, so the key splits on `_` without ambiguity."""
    key_id, prefix, secret = (
        request_scoped_id("api-key", created_by, request_key),
        secrets.token_hex(6),
        secrets.token_hex(32),
    )
    statement = insert(api_keys).values(
        id=key_id,
        company_id=company_id,
        role=str(role),
        name=name,
        prefix=prefix,
        secret_hash=digest(secret),
        created_by=created_by,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[api_keys.c.id],
        set_={"prefix": statement.excluded.prefix, "secret_hash": statement.excluded.secret_hash},
        where=and_(
            api_keys.c.company_id == statement.excluded.company_id,
            api_keys.c.role == statement.excluded.role,
            api_keys.c.name == statement.excluded.name,
            api_keys.c.last_used_at.is_(None),
            api_keys.c.revoked_at.is_(None),
        ),
    )
    async with db.transaction() as conn:
        row = (
            await conn.execute(
                statement.returning(*_KEY_COLUMNS, literal_column("xmax = 0").label("inserted"))
            )
        ).first()
        if row is None:
            return None
        key = _api_key(row)
        if row.inserted:
            await audit.record(
                conn,
                company_id=company_id,
                entity_type="api_key",
                entity_id=key.id,
                action="create",
                after=_key_view(key),
            )
    return key, Created(f"{API_KEY_PREFIX}_{key.prefix}_{secret}", bool(row.inserted))


async def api_key_in_use(db: Database, presented: str) -> ApiKey | None:
    """The live key `presented` is (revoked or unknown: None); records its last use."""
    scheme, _, rest = presented.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != API_KEY_PREFIX or not prefix or not secret or len(presented) > 256:
        return None
    async with db.transaction() as conn:
        row = (
            await conn.execute(
                update(api_keys)
                .where(
                    api_keys.c.prefix == prefix,
                    api_keys.c.secret_hash == digest(secret),
                    api_keys.c.revoked_at.is_(None),
                )
                .values(last_used_at=func.now())
                .returning(*_KEY_COLUMNS)
            )
        ).first()
    return _api_key(row) if row is not None else None


async def revoke_api_key(db: Database, company_id: str | None, key_id: str) -> ApiKey | None:
    """Revokes the key (again: unchanged). None when it is not a key of `company_id` (None: any)."""
    scope = [api_keys.c.id == key_id]
    if company_id is not None:
        scope.append(api_keys.c.company_id == company_id)
    async with db.transaction() as conn:
        row = (
            await conn.execute(
                update(api_keys)
                .where(*scope, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=func.now())
                .returning(*_KEY_COLUMNS)
            )
        ).first()
        if row is not None:
            key = _api_key(row)
            await audit.record(
                conn,
                company_id=key.company_id,
                entity_type="api_key",
                entity_id=key.id,
                action="revoke",
                before={"revoked_at": None},
                after={"revoked_at": key.revoked_at},
            )
            return key
        existing = (await conn.execute(select(*_KEY_COLUMNS).where(*scope))).first()
    return _api_key(existing) if existing is not None else None


async def list_api_keys(
    db: Database, company_id: str, *, after: tuple[datetime, str] | None, limit: int
) -> list[ApiKey]:
    where: list[Any] = [api_keys.c.company_id == company_id]
    if after is not None:
        where.append(_before(api_keys, after))
    async with db.transaction() as conn:
        rows = (
            await conn.execute(
                select(*_KEY_COLUMNS)
                .where(*where)
                .order_by(api_keys.c.created_at.desc(), api_keys.c.id.desc())
                .limit(limit)
            )
        ).all()
    return [_api_key(row) for row in rows]


# ----- users of a company -----


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    role: Role
    company_id: str | None
    customer_id: str | None
    display_name: str | None
    created_at: datetime
    version: int = 1
    active: bool = True


STAFF_ACCOUNT_ROLES = (Role.STAFF, Role.COMPANY_ADMIN)


class UserChangeRefused(Exception):
    """Why PATCH /v1/admin/users/{id} changed nothing: `reason` is one of NOT_FOUND,
    NOT_A_STAFF_ACCOUNT, STALE, LAST_COMPANY_ADMIN."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def update_user(
    db: Database,
    *,
    company_id: str | None,
    user_id: str,
    expected_version: int,
    role: Role | None,
    active: bool | None,
) -> Account:
    """Changes a staff account's role (STAFF / COMPANY_ADMIN) or deactivates / reactivates it
    at the version read, with its audit entry; a deactivation signs the user out everywhere
    (refresh tokens, console sessions, access tokens), a role change ends its access tokens.
    `company_id` scopes the change (None: a platform admin, any company).

    A change that leaves the company without an active company admin is refused by the
    UPDATE's own condition. The company's active admins are locked first (in id order), so two
    admins demoting each other at once are decided one after the other, the second one
    seeing the first's commit: never zero admins."""
    scope = [users.c.id == user_id, users.c.company_id.is_not(None)]
    if company_id is not None:
        scope.append(users.c.company_id == company_id)
    async with db.transaction() as conn:
        # The admins first, then the account (always in this order: no deadlock between two
        # changes of one company).
        await conn.execute(
            select(users.c.id)
            .where(
                users.c.company_id == select(users.c.company_id).where(*scope).scalar_subquery(),
                users.c.role == str(Role.COMPANY_ADMIN),
                users.c.deactivated_at.is_(None),
            )
            .order_by(users.c.id)
            .with_for_update()
        )
        before = (await conn.execute(select(*_ACCOUNT_COLUMNS).where(*scope).with_for_update())).first()
        if before is None:
            raise UserChangeRefused("NOT_FOUND")
        values: dict[str, Any] = {"version": users.c.version + 1, "updated_at": func.now()}
        if role is not None:
            values["role"] = str(role)
        if (role is not None and str(role) != before.role) or active is False:
            # Tokens name the role they were issued with: the old ones go (a refresh gets one
            # with the new role; console sessions read the role from the row). A deactivation
            # ends them too, in this same UPDATE (its sessions are ended below).
            values.update(_revoking_access_tokens())
        if active is True:
            values["deactivated_at"] = None
        elif active is False:
            values["deactivated_at"] = func.coalesce(users.c.deactivated_at, func.now())
        where = [
            *scope,
            users.c.version == expected_version,
            users.c.role.in_([str(r) for r in STAFF_ACCOUNT_ROLES]),
        ]
        if role not in (None, Role.COMPANY_ADMIN) or active is False:
            other = users.alias("other_admin")
            where.append(
                or_(
                    users.c.role != str(Role.COMPANY_ADMIN),
                    users.c.deactivated_at.is_not(None),
                    select(other.c.id)
                    .where(
                        other.c.company_id == users.c.company_id,
                        other.c.role == str(Role.COMPANY_ADMIN),
                        other.c.deactivated_at.is_(None),
                        other.c.id != users.c.id,
                    )
                    .exists(),
                )
            )
        row = (
            await conn.execute(update(users).where(*where).values(**values).returning(*_ACCOUNT_COLUMNS))
        ).first()
        if row is None:
            if Role(before.role) not in STAFF_ACCOUNT_ROLES:
                raise UserChangeRefused("NOT_A_STAFF_ACCOUNT")
            if before.version != expected_version:
                raise UserChangeRefused("STALE")
            raise UserChangeRefused("LAST_COMPANY_ADMIN")
        changed = _account(row)
        if not changed.active:
            await _end_sessions(conn, changed.id)
        old = _account(before)
        await audit.record(
            conn,
            company_id=changed.company_id,
            entity_type="user",
            entity_id=changed.id,
            action="update",
            before={"role": old.role, "active": old.active},
            after={"role": changed.role, "active": changed.active},
        )
    return changed


async def list_users(
    db: Database,
    company_id: str,
    *,
    roles: frozenset[Role],
    email: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Account]:
    where: list[Any] = [users.c.company_id == company_id, users.c.role.in_([str(r) for r in roles])]
    if email:
        where.append(users.c.email == email)
    if after is not None:
        where.append(_before(users, after))
    async with db.transaction() as conn:
        rows = (
            await conn.execute(
                select(*_ACCOUNT_COLUMNS)
                .where(*where)
                .order_by(users.c.created_at.desc(), users.c.id.desc())
                .limit(limit)
            )
        ).all()
    return [_account(row) for row in rows]


async def get_account(db: Database, user_id: str) -> Account | None:
    async with db.transaction() as conn:
        row = (await conn.execute(select(*_ACCOUNT_COLUMNS).where(users.c.id == user_id))).first()
    return _account(row) if row is not None else None


_ACCOUNT_COLUMNS = (
    users.c.id,
    users.c.email,
    users.c.role,
    users.c.company_id,
    users.c.customer_id,
    users.c.display_name,
    users.c.created_at,
    users.c.version,
    users.c.deactivated_at,
)


def _account(row: Any) -> Account:
    return Account(
        id=str(row.id),
        email=row.email,
        role=Role(row.role),
        company_id=str(row.company_id) if row.company_id else None,
        customer_id=str(row.customer_id) if row.customer_id else None,
        display_name=row.display_name,
        created_at=row.created_at,
        version=row.version,
        active=row.deactivated_at is None,
    )
