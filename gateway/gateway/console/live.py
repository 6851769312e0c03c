"""The session of an open live stream of the console (Server-Sent Events: /ops/sagas/live,
/ops/calendar/leases/live).

The page's dependency (gateway.sessions) checks the session when the stream opens; a stream
lasts minutes, so `LiveSession` checks it again while it is open: before each event it sends
and while it waits, at most once every RECHECK_SECONDS (the check is the pages' own: one read
of the session's row and its user, or the bearer token's revocation check). Once the session
was logged out or revoked, expired, its account deactivated, or its role or company changed
(the stream was scoped by the old ones), the stream ends: the browser reconnects with its
cookie and is sent to the login page, or gets a stream of its new scope. A check that cannot be
made (the database is away) ends the stream too: like a page, it is not served unchecked.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Set

from fastapi import Request

from gateway.auth import Principal
from gateway.sessions import console_principal
from plumbing.principal import Role

log = logging.getLogger(__name__)

# How often an open stream asks again whether its session still admits it (at most).
RECHECK_SECONDS = 5.0
# The shortest wait between two checks while a stream waits (RECHECK_SECONDS may be lower).
MIN_WAIT_SECONDS = 0.05


class LiveSession:
    """The session a live stream was opened with, checked again while the stream is open."""

    def __init__(self, request: Request, principal: Principal, roles: Set[Role]) -> None:
        self._request = request
        self._principal = principal
        self._roles = roles
        self._checked_at = time.monotonic()  # the page's dependency has just checked it
        self._admitted = True

    async def admitted(self) -> bool:
        """Whether the stream may go on sending: the session is still live and still names the
        same user, role and company (asked again once RECHECK_SECONDS have passed; once False,
        always False)."""
        if not self._admitted:
            return False
        if time.monotonic() - self._checked_at < RECHECK_SECONDS:
            return True
        try:
            current = await console_principal(self._request)  # as the page's dependency reads it
        except Exception as error:  # revoked (401), or the check could not be made
            log.info("live stream: session check failed: %s", type(error).__name__)
            current = None
        self._checked_at = time.monotonic()
        self._admitted = current == self._principal and current.role in self._roles
        if not self._admitted:
            log.info("live stream: the session no longer admits it; the stream ends")
        return self._admitted

    async def wait(self, seconds: float) -> bool:
        """Waits `seconds`, checking the session meanwhile; False as soon as it no longer
        admits the stream (the stream then ends), True after the wait otherwise."""
        until = time.monotonic() + seconds
        while (left := until - time.monotonic()) > 0:
            due = self._checked_at + RECHECK_SECONDS - time.monotonic()
            await asyncio.sleep(min(left, max(due, MIN_WAIT_SECONDS)))
            if not await self.admitted():
                return False
        return True
