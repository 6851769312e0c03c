"""A sandbox card provider that behaves like a real one, in process and deterministic.

Test cards (number or token) decide the answer; any other 12-19 digit number is approved and
anything else is INVALID_CARD. Every call is idempotent by its key: the same key gives the
same answer and the same provider reference, even for a different request, as real
processors do. References are derived from the key, so they are stable across restarts.

State lives in memory. After a restart the sandbox has forgotten its authorizations; it then
trusts an approval reference it issued (`sbx_auth_...`) as an open authorization of unknown
amount, so captures and voids of payments authorized before the restart still go through.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from payments.domain import errors
from payments.domain.provider import Authorization, AuthorizationOutcome, ProviderResult

APPROVED_CARDS = frozenset({"4242424242424242", "tok_visa"})
DECLINING_CARDS: dict[str, str] = {
    "4000000000000002": errors.CARD_DECLINED,
    "tok_chargeDeclined": errors.CARD_DECLINED,
    "4000000000009995": errors.CARD_INSUFFICIENT_FUNDS,
    "tok_insufficientFunds": errors.CARD_INSUFFICIENT_FUNDS,
    "4000000000000069": errors.CARD_EXPIRED,
    "tok_expiredCard": errors.CARD_EXPIRED,
}

APPROVAL_PREFIX = "sbx_auth_"
DECLINE_PREFIX = "sbx_decl_"

# Why the sandbox refuses a capture, void or refund (a real processor has the same refusals).
AUTHORIZATION_NOT_FOUND = "AUTHORIZATION_NOT_FOUND"
AUTHORIZATION_NOT_OPEN = "AUTHORIZATION_NOT_OPEN"
CHARGE_NOT_CAPTURED = "CHARGE_NOT_CAPTURED"
AMOUNT_EXCEEDS_AUTHORIZATION = "AMOUNT_EXCEEDS_AUTHORIZATION"
REFUND_EXCEEDS_CHARGE = "REFUND_EXCEEDS_CHARGE"

# A state change of a charge: None when done, else why it was refused.
_Act = Callable[[], str | None]


def decline_reason_for(card_token: str) -> str | None:
    """None when the card is approved, else why it is declined."""
    if card_token in APPROVED_CARDS:
        return None
    if card_token in DECLINING_CARDS:
        return DECLINING_CARDS[card_token]
    if card_token.isascii() and card_token.isdigit() and 12 <= len(card_token) <= 19:
        return None
    return errors.INVALID_CARD


def _reference(prefix: str, idempotency_key: str) -> str:
    return prefix + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]


class _ChargeState(enum.Enum):
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    VOIDED = "voided"


@dataclass
class _Charge:
    # None: adopted after a restart, amount unknown.
    amount_minor: int | None
    currency: str | None
    state: _ChargeState = _ChargeState.AUTHORIZED
    refunded_minor: int = 0


class SandboxCardProvider:
    name = "sandbox"

    def __init__(self) -> None:
        self._authorizations: dict[str, Authorization] = {}
        self._results: dict[str, ProviderResult] = {}
        self._charges: dict[str, _Charge] = {}

    async def authorize(
        self, idempotency_key: str, amount_minor: int, currency: str, card_token: str
    ) -> Authorization:
        known = self._authorizations.get(idempotency_key)
        if known is not None:
            return known
        reason = decline_reason_for(card_token)
        if reason is None:
            answer = Authorization(
                AuthorizationOutcome.APPROVED, _reference(APPROVAL_PREFIX, idempotency_key)
            )
            self._charges[answer.provider_reference] = _Charge(amount_minor, currency)
        else:
            answer = Authorization(
                AuthorizationOutcome.DECLINED, _reference(DECLINE_PREFIX, idempotency_key), reason
            )
        self._authorizations[idempotency_key] = answer
        return answer

    async def capture(
        self, idempotency_key: str, authorization_reference: str, amount_minor: int, currency: str
    ) -> ProviderResult:
        return self._once(
            idempotency_key, "sbx_cap_", lambda: self._capture(authorization_reference, amount_minor)
        )

    async def void(self, idempotency_key: str, authorization_reference: str) -> ProviderResult:
        return self._once(idempotency_key, "sbx_void_", lambda: self._void(authorization_reference))

    async def refund(
        self, idempotency_key: str, authorization_reference: str, amount_minor: int, currency: str
    ) -> ProviderResult:
        return self._once(
            idempotency_key, "sbx_re_", lambda: self._refund(authorization_reference, amount_minor)
        )

    def _once(self, idempotency_key: str, prefix: str, act: _Act) -> ProviderResult:
        known = self._results.get(idempotency_key)
        if known is not None:
            return known
        failure = act()
        result = (
            ProviderResult(succeeded=True, provider_reference=_reference(prefix, idempotency_key))
            if failure is None
            else ProviderResult(succeeded=False, failure_reason=failure)
        )
        if result.succeeded:
            # A refusal is not remembered: the same key may succeed once the charge allows it.
            self._results[idempotency_key] = result
        return result

    def _charge(self, reference: str) -> _Charge | None:
        charge = self._charges.get(reference)
        if charge is None and reference.startswith(APPROVAL_PREFIX):
            charge = self._charges[reference] = _Charge(amount_minor=None, currency=None)
        return charge

    def _capture(self, reference: str, amount_minor: int) -> str | None:
        charge = self._charge(reference)
        if charge is None:
            return AUTHORIZATION_NOT_FOUND
        if charge.state is not _ChargeState.AUTHORIZED:
            return AUTHORIZATION_NOT_OPEN
        if charge.amount_minor is not None and amount_minor > charge.amount_minor:
            return AMOUNT_EXCEEDS_AUTHORIZATION
        charge.state = _ChargeState.CAPTURED
        charge.amount_minor = amount_minor
        return None

    def _void(self, reference: str) -> str | None:
        charge = self._charge(reference)
        if charge is None:
            return AUTHORIZATION_NOT_FOUND
        if charge.state is not _ChargeState.AUTHORIZED:
            return AUTHORIZATION_NOT_OPEN
        charge.state = _ChargeState.VOIDED
        return None

    def _refund(self, reference: str, amount_minor: int) -> str | None:
        charge = self._charge(reference)
        if charge is None:
            return AUTHORIZATION_NOT_FOUND
        if charge.state is _ChargeState.AUTHORIZED and charge.amount_minor is None:
            # Adopted after a restart: it may well have been captured before.
            charge.state = _ChargeState.CAPTURED
        if charge.state is not _ChargeState.CAPTURED:
            return CHARGE_NOT_CAPTURED
        if charge.amount_minor is not None and charge.refunded_minor + amount_minor > charge.amount_minor:
            return REFUND_EXCEEDS_CHARGE
        charge.refunded_minor += amount_minor
        return None
