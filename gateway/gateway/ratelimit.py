"""Login rate limits: per client address and per account, checked before any password hash.
A password change (the current password checked) counts in the login's own buckets, and
sign-ups per address in a bucket of their own.

A login costs ~0.35 s of argon2; without a limit a few clients can keep the gateway's CPU busy
and guess passwords freely. The counters are `limits` moving windows in this process's memory:
every gateway replica counts on its own, so with N replicas the effective limit is N times the
setting (`limits` has no PostgreSQL storage, and one more server only for this is not worth it).

- Per address: every attempt counts, failed or successful: it bounds the CPU one client can use.
- Per account (the normalised e-mail, known or not): an attempt takes a slot before the hash is
  checked, so concurrent guesses cannot overshoot, and a successful login clears the account's
  slots: in effect only failures count, and a user who logs in often is never throttled.
  An attacker can keep an account throttled only by spending its own attempts (and its address's
  budget) every window; the refusal lifts one window after the attack stops, since refused
  attempts take no slot.
"""

from __future__ import annotations

import math
import time

from fastapi import Request
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from gateway.problems import Problem
from gateway.users import User, UserStore, normalize_email


class LoginLimiter:
    def __init__(self, per_ip: str, per_account: str) -> None:
        self.per_ip: RateLimitItem = parse(per_ip)
        self.per_account: RateLimitItem = parse(per_account)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def _take(self, item: RateLimitItem, scope: str, key: str, what: str = "login attempts") -> None:
        if await self._limiter.hit(item, scope, key):
            return
        stats = await self._limiter.get_window_stats(item, scope, key)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise Problem(
            429,
            "RATE_LIMITED",
            f"Too many {what}; retry in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )

    async def authenticate(
        self, users: UserStore, client: str, email: str, password: str, *, company_id: str | None = None
    ) -> User | None:
        """The user when the password matches, None when not; 429 `RATE_LIMITED` (and no hash
        computed) when the address or the account is over its limit."""
        account = normalize_email(email)
        await self._take(self.per_ip, "login-ip", client)
        await self._take(self.per_account, "login-account", account)
        user = await users.authenticate(account, password, company_id=company_id)
        if user is not None:
            await self._limiter.clear(self.per_account, "login-account", account)
        return user

    async def check_current_password(self, users: UserStore, client: str, user: User, password: str) -> bool:
        """Whether `password` is the signed-in `user`'s own (a password change). Counted in the
        login's buckets, before argon2 runs: a token (a customer's comes with a free sign-up)
        guesses its account's password no faster than a login could, and a flood of them
        costs no more CPU; 429 `RATE_LIMITED` past either limit."""
        account = normalize_email(user.email)
        await self._take(self.per_ip, "login-ip", client)
        await self._take(self.per_account, "login-account", account)
        matches = await users.verify_password(user.id, password)
        if matches:
            await self._limiter.clear(self.per_account, "login-account", account)
        return matches

    async def take_signup(self, client: str) -> None:
        """A sign-up attempt counts against the client's address (a bucket of its own, the
        login's per-address limit): an account is made, or its e-mail said taken, no faster
        than logins are tried."""
        await self._take(self.per_ip, "signup-ip", client, "sign-up attempts")

    async def take_reset(self, client: str, email: str) -> None:
        """Password-reset requests count like login attempts (own buckets): no flood of resets
        for one account, nor from one address."""
        await self._take(self.per_ip, "reset-ip", client)
        await self._take(self.per_account, "reset-account", normalize_email(email))

    async def take_code(self, client: str) -> None:
        """An invitation code or a reset token typed (the console's /ops/invite and
        /ops/password-reset/confirm, the API's /v1/invites/accept and
        /v1/auth/password-reset/confirm, the site's reset code page) counts against the client's
        address (one bucket of its own for all, the login's per-address limit): codes are tried
        no faster than passwords, whichever way in."""
        await self._take(self.per_ip, "code-ip", client, "attempts")


class GuestBookingLimiter:
    """Guest bookings (no account): every attempt counts against the client's address and
    against the normalised e-mail it names, so neither one client nor one address can be used
    to flood a company with held places or a mailbox with booking mails."""

    def __init__(self, per_ip: str, per_email: str) -> None:
        self.per_ip: RateLimitItem = parse(per_ip)
        self.per_email: RateLimitItem = parse(per_email)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def take(self, client: str, email: str) -> None:
        """A slot of each; 429 `RATE_LIMITED` with `Retry-After` when either is used up."""
        await self._take(
            [(self.per_ip, "guest-ip", client), (self.per_email, "guest-email", normalize_email(email))],
            "Too many guest bookings",
        )

    async def take_lookup(self, client: str, reference: str) -> None:
        """A guest looking up a booking by reference and e-mail (the site's "Find my booking"):
        counted against the client's address and against the reference, in buckets of their
        own, so a booking's e-mail address cannot be guessed by trying many."""
        await self._take(
            [(self.per_ip, "lookup-ip", client), (self.per_email, "lookup-booking", reference)],
            "Too many attempts",
        )

    async def _take(self, buckets: list[tuple[RateLimitItem, str, str]], what: str) -> None:
        for item, scope, key in buckets:
            if await self._limiter.hit(item, scope, key):
                continue
            stats = await self._limiter.get_window_stats(item, scope, key)
            retry_after = max(1, math.ceil(stats.reset_time - time.time()))
            raise Problem(
                429,
                "RATE_LIMITED",
                f"{what}; retry in {retry_after} s.",
                headers={"Retry-After": str(retry_after)},
            )


def client_address(request: Request) -> str:
    """The TCP peer, or the forwarded client when a trusted proxy sent the request (the app's
    ProxyHeadersMiddleware has already rewritten `request.client` then)."""
    return request.client.host if request.client else "unknown"


def limiter_of(request: Request) -> LoginLimiter:
    limiter: LoginLimiter = request.app.state.login_limiter
    return limiter
