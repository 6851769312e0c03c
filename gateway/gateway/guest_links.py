"""Signed links of guests (no account): the manage link of a booking and the 3-D Secure step of
its card payment.

Each is a JWT (HS256) whose key is derived from `JWT_SECRET` with a label of its own, with its
own audience, the id it is good for as `sub` and an expiry, so a manage token is no access
token, no ops session and no payment token (and none of those is a manage token). The token is
the guest's only credential and never part of an address (browser history, proxies and logs
keep addresses): the API takes it as `Authorization: Bearer <token>` (or in the body of a
cancel), the company site keeps it in an HttpOnly cookie of the booking's browser. A token
pasted into an address anyway is not read from it, and `gateway.logredact` replaces every
`token=` value and anything shaped like a JWT in the access log with [REDACTED].
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import jwt

from gateway.problems import Problem

ALGORITHM = "HS256"
ISSUER = "bookingplatform-gateway"
MANAGE_AUDIENCE = "guest-booking"
PAYMENT_AUDIENCE = "guest-payment-action"


@dataclass(frozen=True)
class GuestGrant:
    """What a verified guest token is good for: one booking (and, for a payment token, one
    payment of it) of one customer of one company."""

    booking_id: str
    company_id: str
    customer_id: str
    payment_id: str | None = None


def _invalid(what: str) -> Problem:
    # One answer for forged, expired, of another booking or of another kind: nothing to learn.
    return Problem(404, f"{what.upper()}_NOT_FOUND", f"No such {what}, or the link is not valid (any more).")


class GuestLinks:
    def __init__(self, jwt_secret: str, ttl_seconds: int) -> None:
        self._key = hashlib.sha256(b"gateway-guest-links\x00" + jwt_secret.encode()).digest()
        self.ttl_seconds = ttl_seconds

    def _issue(self, audience: str, subject: str, grant: GuestGrant, now: float | None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {
            "iss": ISSUER,
            "aud": audience,
            "sub": subject,
            "booking_id": grant.booking_id,
            "company_id": grant.company_id,
            "customer_id": grant.customer_id,
            "iat": issued,
            "exp": issued + self.ttl_seconds,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def _verify(self, token: str | None, audience: str, subject: str) -> GuestGrant:
        what = "payment" if audience == PAYMENT_AUDIENCE else "booking"
        if not token:
            raise _invalid(what)
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=audience,
                issuer=ISSUER,
                options={"require": ["exp", "sub", "aud", "iss"]},
            )
        except jwt.InvalidTokenError:
            raise _invalid(what) from None
        fields = [claims.get(name) for name in ("booking_id", "company_id", "customer_id")]
        if claims.get("sub") != subject or not all(isinstance(value, str) and value for value in fields):
            raise _invalid(what)
        booking_id, company_id, customer_id = (str(value) for value in fields)
        return GuestGrant(
            booking_id=booking_id,
            company_id=company_id,
            customer_id=customer_id,
            payment_id=subject if audience == PAYMENT_AUDIENCE else None,
        )

    def manage_token(self, grant: GuestGrant, *, now: float | None = None) -> str:
        return self._issue(MANAGE_AUDIENCE, grant.booking_id, grant, now)

    def verify_manage(self, token: str | None, booking_id: str) -> GuestGrant:
        """The grant of a manage token for `booking_id`; 404 BOOKING_NOT_FOUND otherwise."""
        return self._verify(token, MANAGE_AUDIENCE, booking_id)

    def payment_token(self, grant: GuestGrant, payment_id: str, *, now: float | None = None) -> str:
        return self._issue(PAYMENT_AUDIENCE, payment_id, grant, now)

    def verify_payment(self, token: str | None, payment_id: str) -> GuestGrant:
        """The grant of a payment token for `payment_id`; 404 PAYMENT_NOT_FOUND otherwise."""
        return self._verify(token, PAYMENT_AUDIENCE, payment_id)
