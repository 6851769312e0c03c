"""Revoked access tokens: an account's tokens end when it is deactivated, changes role or
password, and a login's when it logs out or its refresh token is reused, not 15 minutes later.

An access token is a signed JWT checked without the database; it carries its account's
`token_epoch` (claim `epoch`). Revoking raises the epoch in `gateway.users` (with
`tokens_revoked_at`) in the transaction that makes the change (gateway.accounts). Each gateway
process keeps the epochs of the accounts revoked within a token's lifetime, read again at most
`max_age_seconds` after the last read, before the request that needs them (one indexed query
a second per busy process, none when idle), so every replica refuses an older token within
that time; the process that made the change reads them again on its next request. A token
issued before the change is refused with 401 `TOKEN_REVOKED`: the client refreshes (a
deactivated account cannot) or logs in again.

A login is a refresh token family; the access tokens issued with it name it (claim `sid`). A
logout, or a refresh token used twice, revokes the family (`revoked_at` on its rows), and the
same read keeps the families revoked within a token's lifetime: that login's access tokens are
refused the same way, and the account's other logins (another device, the site) go on.

When the database does not answer, the last epochs read are kept and the read is tried
again half a second later: a token is not refused because the database is slow, and the
requests that need the database fail on their own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select

from gateway.problems import Problem
from gateway.tables import refresh_tokens, users
from plumbing.db import Database
from plumbing.tasks import stop_tasks

log = logging.getLogger(__name__)

READ_TIMEOUT_SECONDS = 2.0
RETRY_AFTER_FAILURE_SECONDS = 0.5


def token_revoked() -> Problem:
    return Problem(
        401,
        "TOKEN_REVOKED",
        "This access token was revoked (its login ended, or the account was deactivated or changed "
        "role or password): refresh it or log in again.",
        headers={"WWW-Authenticate": 'Bearer realm="gateway", error="invalid_token"'},
    )


class TokenRevocations:
    def __init__(
        self,
        db: Database,
        *,
        token_lifetime_seconds: int,
        max_age_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        # Tokens older than this are expired anyway; a minute's margin for clock skew.
        self.window = timedelta(seconds=token_lifetime_seconds + 60)
        self.max_age_seconds = max_age_seconds
        self.clock = clock
        self._epochs: dict[str, int] = {}
        self._revoked_logins: frozenset[str] = frozenset()
        self._fresh_until = float("-inf")
        self._reading: asyncio.Task[None] | None = None
        # Raised by `forget`: a read that began before it may miss the change, so it does not
        # make the epochs fresh.
        self._generation = 0

    async def refuse_if_revoked(self, user_id: str, epoch: int, login: str = "") -> None:
        """Raises 401 TOKEN_REVOKED when the account's tokens were revoked after this one, or
        its login (`login`, the refresh token family it was issued with) was."""
        if self.clock() >= self._fresh_until:
            await self._read_again()
        if epoch < self._epochs.get(user_id, 0) or (login and login in self._revoked_logins):
            raise token_revoked()

    def forget(self) -> None:
        """This process just revoked tokens: its next request reads the epochs again."""
        self._generation += 1
        self._fresh_until = float("-inf")

    async def _read_again(self) -> None:
        # Concurrent requests wait for one read; a cancelled request does not cancel it.
        if self._reading is None:
            self._reading = asyncio.create_task(self._read())
        await asyncio.shield(self._reading)

    async def _read(self) -> None:
        generation = self._generation
        try:
            async with asyncio.timeout(READ_TIMEOUT_SECONDS):
                async with self.db.transaction() as conn:
                    rows = (
                        await conn.execute(
                            select(users.c.id, users.c.token_epoch).where(
                                users.c.tokens_revoked_at > func.now() - self.window
                            )
                        )
                    ).all()
                    logins = (
                        await conn.execute(
                            select(refresh_tokens.c.family_id)
                            .where(refresh_tokens.c.revoked_at > func.now() - self.window)
                            .distinct()
                        )
                    ).all()
        except Exception as error:  # any failure: the epochs read last stay
            log.warning("token revocations not read (the last ones read stay in force): %s", error)
            self._fresh_until = self.clock() + RETRY_AFTER_FAILURE_SECONDS
            return
        finally:
            self._reading = None
        self._epochs = {str(row.id): int(row.token_epoch) for row in rows}
        self._revoked_logins = frozenset(str(row.family_id) for row in logins)
        if generation == self._generation:
            self._fresh_until = self.clock() + self.max_age_seconds

    async def close(self) -> None:
        if self._reading is not None:
            await stop_tasks([self._reading])
