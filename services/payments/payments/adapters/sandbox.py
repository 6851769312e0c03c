"""A sandbox card provider that behaves like a real one, in process and deterministic.

Test cards (number or token) decide the answer; any other 12-19 digit number is approved and
anything else is INVALID_CARD. Every call is idempotent by its key: the same key gives the
same answer and the same provider reference, even for a different request, as real
processors do. References are derived from the key, so they are stable across restarts.

Some cards answer asynchronously, like a real gateway: the sandbox then sends a signed event
(`payment.authorized` / `payment.failed`) to its event sink, the webhook URL over HTTP or an
in-process callback, retrying with backoff until the sink accepts it.

State lives in memory. After a restart the sandbox has forgotten its authorizations and its
undelivered events; it then trusts an approval reference it issued (`sbx_auth_...`) as an open
authorization of unknown amount, so captures and voids of payments authorized before the
restart still go through.
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from payments.domain import errors, events
from payments.domain.events import EventType, ProviderEvent
from payments.domain.methods import CardDetails
from payments.domain.provider import Authorization, AuthorizationOutcome, ProviderResult, ProviderUnavailable
from plumbing.tasks import stop_tasks

log = logging.getLogger(__name__)

APPROVED_CARDS = frozenset({"4242424242424242", "tok_visa"})
DECLINING_CARDS: dict[str, str] = {
    "4000000000000002": errors.CARD_DECLINED,
    "tok_chargeDeclined": errors.CARD_DECLINED,
    "4000000000009995": errors.CARD_INSUFFICIENT_FUNDS,
    "tok_insufficientFunds": errors.CARD_INSUFFICIENT_FUNDS,
    "4000000000000069": errors.CARD_EXPIRED,
    "tok_expiredCard": errors.CARD_EXPIRED,
}
# Answered "pending", approved a moment later through a payment.authorized event.
ASYNC_CARDS = frozenset({"4000000000003063", "tok_asyncApproval"})
# Answered "requires action"; resolved only when `complete_action` is called (else it times out).
ACTION_CARDS = frozenset({"4000000000003220", "tok_requiresAction"})
# Approved after `slow_seconds`.
SLOW_CARDS = frozenset({"4000000000000259", "tok_slowApproval"})
# Approved, but the first answer is lost (ProviderUnavailable); a retry with the key gets it.
LOST_ANSWER_CARDS = frozenset({"4000000000000341", "tok_lostAnswer"})

_EVENTUALLY_APPROVED = ASYNC_CARDS | ACTION_CARDS | SLOW_CARDS | LOST_ANSWER_CARDS

# The test card number behind each token, for the last four digits shown of a payment method.
TOKEN_NUMBERS = {
    "tok_visa": "4242424242424242",
    "tok_chargeDeclined": "4000000000000002",
    "tok_insufficientFunds": "4000000000009995",
    "tok_expiredCard": "4000000000000069",
    "tok_asyncApproval": "4000000000003063",
    "tok_requiresAction": "4000000000003220",
    "tok_slowApproval": "4000000000000259",
    "tok_lostAnswer": "4000000000000341",
}
_BRANDS = {"4": "visa", "5": "mastercard", "3": "amex"}

APPROVAL_PREFIX = "sbx_auth_"
DECLINE_PREFIX = "sbx_decl_"
EVENT_PREFIX = "evt_sbx_"

# Why the sandbox refuses a capture, void or refund (a real processor has the same refusals).
AUTHORIZATION_NOT_FOUND = "AUTHORIZATION_NOT_FOUND"
AUTHORIZATION_NOT_OPEN = "AUTHORIZATION_NOT_OPEN"
CHARGE_NOT_CAPTURED = "CHARGE_NOT_CAPTURED"
AMOUNT_EXCEEDS_AUTHORIZATION = "AMOUNT_EXCEEDS_AUTHORIZATION"
REFUND_EXCEEDS_CHARGE = "REFUND_EXCEEDS_CHARGE"
# The answer to a cancelled pending authorization.
PAYMENT_CANCELED = "PAYMENT_CANCELED"

# A state change of a charge: None when done, else why it was refused.
_Act = Callable[[], str | None]
# Where events go: raises unless the receiver accepted the event (HTTP 2xx).
EventSink = Callable[[bytes, str], Awaitable[None]]


def card_details(card_token: str) -> CardDetails:
    """Brand and last four digits of a test card number or token; empty for anything else."""
    number = TOKEN_NUMBERS.get(card_token, card_token)
    if not (number.isascii() and number.isdigit() and 12 <= len(number) <= 19):
        return CardDetails()
    return CardDetails(brand=_BRANDS.get(number[0], ""), last4=number[-4:])


def decline_reason_for(card_token: str) -> str | None:
    """None when the card is approved (possibly later), else why it is declined."""
    if card_token in APPROVED_CARDS or card_token in _EVENTUALLY_APPROVED:
        return None
    if card_token in DECLINING_CARDS:
        return DECLINING_CARDS[card_token]
    if card_token.isascii() and card_token.isdigit() and 12 <= len(card_token) <= 19:
        return None
    return errors.INVALID_CARD


def _reference(prefix: str, idempotency_key: str) -> str:
    return prefix + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]


class HttpEventSink:
    """POSTs events to a webhook URL with the signature header; a non-2xx answer raises."""

    def __init__(self, url: str, *, timeout_seconds: float = 5.0) -> None:
        self.url = url
        self._client = httpx.AsyncClient(timeout=timeout_seconds)

    async def __call__(self, payload: bytes, signature: str) -> None:
        response = await self._client.post(
            self.url,
            content=payload,
            headers={"Content-Type": "application/json", events.SIGNATURE_HEADER: signature},
        )
        if not response.is_success:
            raise RuntimeError(f"webhook answered {response.status_code}: {response.text[:200]}")

    async def close(self) -> None:
        await self._client.aclose()


class _ChargeState(enum.Enum):
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    VOIDED = "voided"
    FAILED = "failed"


@dataclass
class _Charge:
    # None: adopted after a restart, amount unknown.
    amount_minor: int | None
    currency: str | None
    state: _ChargeState = _ChargeState.AUTHORIZED
    refunded_minor: int = 0
    idempotency_key: str = ""
    # Was it ever approved (a void of an approved charge is not a cancellation).
    approved: bool = True
    failure_reason: str | None = None


class SandboxCardProvider:
    name = "sandbox"

    def __init__(
        self,
        *,
        webhook_secret: str = "",
        sink: EventSink | None = None,
        confirm_delay_seconds: float = 0.5,
        slow_seconds: float = 3.0,
        max_retry_delay_seconds: float = 10.0,
    ) -> None:
        self.webhook_secret = webhook_secret
        self.sink = sink
        self.confirm_delay_seconds = confirm_delay_seconds
        self.slow_seconds = slow_seconds
        self.max_retry_delay_seconds = max_retry_delay_seconds
        self._authorizations: dict[str, Authorization] = {}
        self._results: dict[str, ProviderResult] = {}
        self._charges: dict[str, _Charge] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        # Every event sent (first attempt), for tests and demos.
        self.sent_events: list[ProviderEvent] = []
        # How many times each key was asked to authorize (tests: "the provider was re-asked").
        self.authorize_calls: dict[str, int] = {}

    # -- the CardProvider port ------------------------------------------------------

    def describe(self, card_token: str) -> CardDetails:
        return card_details(card_token)

    async def authorize(
        self, idempotency_key: str, amount_minor: int, currency: str, card_token: str
    ) -> Authorization:
        self.authorize_calls[idempotency_key] = self.authorize_calls.get(idempotency_key, 0) + 1
        if idempotency_key in self._authorizations:
            return self._current(idempotency_key)
        reason = decline_reason_for(card_token)
        if reason is not None:
            answer = Authorization(
                AuthorizationOutcome.DECLINED, _reference(DECLINE_PREFIX, idempotency_key), reason
            )
            self._authorizations[idempotency_key] = answer
            return answer
        if card_token in SLOW_CARDS:
            await asyncio.sleep(self.slow_seconds)
            if idempotency_key in self._authorizations:  # a twin call answered meanwhile
                return self._current(idempotency_key)
        reference = _reference(APPROVAL_PREFIX, idempotency_key)
        charge = _Charge(amount_minor, currency, idempotency_key=idempotency_key)
        if card_token in ASYNC_CARDS:
            charge.state, charge.approved = _ChargeState.PENDING, False
            outcome = AuthorizationOutcome.PENDING
        elif card_token in ACTION_CARDS:
            charge.state, charge.approved = _ChargeState.REQUIRES_ACTION, False
            outcome = AuthorizationOutcome.REQUIRES_ACTION
        else:
            outcome = AuthorizationOutcome.APPROVED
        self._charges[reference] = charge
        self._authorizations[idempotency_key] = Authorization(outcome, reference)
        if outcome is AuthorizationOutcome.PENDING:
            self._spawn(self._confirm_later(reference))
        if card_token in LOST_ANSWER_CARDS and self.authorize_calls[idempotency_key] == 1:
            raise ProviderUnavailable("the sandbox authorized, but its answer was lost (test card)")
        return self._authorizations[idempotency_key]

    async def find_authorization(self, idempotency_key: str) -> Authorization | None:
        if idempotency_key not in self._authorizations:
            return None
        return self._current(idempotency_key)

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

    # -- sandbox controls -----------------------------------------------------------

    async def complete_action(self, authorization_reference: str, approve: bool) -> bool:
        """The card holder passes (or fails) the check; the event follows a moment later."""
        charge = self._charges.get(authorization_reference)
        if charge is None or charge.state is not _ChargeState.REQUIRES_ACTION:
            return False
        if approve:
            charge.state, charge.approved = _ChargeState.AUTHORIZED, True
            self._emit(EventType.AUTHORIZED, authorization_reference, charge)
        else:
            charge.state, charge.failure_reason = _ChargeState.FAILED, errors.AUTHENTICATION_FAILED
            self._emit(EventType.FAILED, authorization_reference, charge)
        return True

    def open_authorizations(self) -> list[str]:
        """References of authorizations that hold money or may still do so (not captured)."""
        held = (_ChargeState.AUTHORIZED, _ChargeState.PENDING, _ChargeState.REQUIRES_ACTION)
        return [reference for reference, charge in self._charges.items() if charge.state in held]

    def charge_state(self, authorization_reference: str) -> str | None:
        charge = self._charges.get(authorization_reference)
        return charge.state.value if charge is not None else None

    def signed(self, event: ProviderEvent, *, timestamp: int | None = None) -> tuple[bytes, str]:
        """An event's body and signature header, as the webhook carries them."""
        payload = event.to_json()
        return payload, events.sign(self.webhook_secret, payload, timestamp=timestamp)

    def event_for(self, kind: EventType, authorization_reference: str) -> ProviderEvent:
        charge = self._charges[authorization_reference]
        return ProviderEvent(
            id=_reference(EVENT_PREFIX, f"{authorization_reference}:{kind.value}"),
            type=kind,
            created=int(time.time()),
            provider_reference=authorization_reference,
            idempotency_key=charge.idempotency_key,
            amount_minor=charge.amount_minor or 0,
            currency=charge.currency or "",
            failure_reason=charge.failure_reason if kind is EventType.FAILED else None,
        )

    async def close(self) -> None:
        """Stops delivering events (those not delivered yet are lost, as on a restart)."""
        await stop_tasks(list(self._tasks))
        if isinstance(self.sink, HttpEventSink):
            await self.sink.close()

    # -- internals ------------------------------------------------------------------

    def _current(self, idempotency_key: str) -> Authorization:
        """The answer to a key as it stands now (a pending one may have been resolved)."""
        first = self._authorizations[idempotency_key]
        charge = self._charges.get(first.provider_reference)
        if charge is None:
            return first
        if charge.state is _ChargeState.PENDING:
            return Authorization(AuthorizationOutcome.PENDING, first.provider_reference)
        if charge.state is _ChargeState.REQUIRES_ACTION:
            return Authorization(AuthorizationOutcome.REQUIRES_ACTION, first.provider_reference)
        if charge.state is _ChargeState.FAILED:
            return Authorization(
                AuthorizationOutcome.DECLINED, first.provider_reference, charge.failure_reason
            )
        if not charge.approved:  # cancelled while pending
            return Authorization(AuthorizationOutcome.DECLINED, first.provider_reference, PAYMENT_CANCELED)
        return Authorization(AuthorizationOutcome.APPROVED, first.provider_reference)

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _confirm_later(self, reference: str) -> None:
        await asyncio.sleep(self.confirm_delay_seconds)
        charge = self._charges.get(reference)
        if charge is None or charge.state is not _ChargeState.PENDING:
            return  # cancelled meanwhile
        charge.state, charge.approved = _ChargeState.AUTHORIZED, True
        self._emit(EventType.AUTHORIZED, reference, charge)

    def _emit(self, kind: EventType, reference: str, charge: _Charge) -> None:
        event = self.event_for(kind, reference)
        self.sent_events.append(event)
        if self.sink is None:
            log.warning("sandbox event %s %s has no sink: dropped", event.type, event.id)
            return
        self._spawn(self._deliver(event, self.sink))

    async def _deliver(self, event: ProviderEvent, sink: EventSink) -> None:
        """Delivers until the sink accepts; each attempt is signed anew (fresh timestamp)."""
        delay = 0.1
        attempt = 0
        while True:
            attempt += 1
            payload, signature = self.signed(event)
            try:
                await sink(payload, signature)
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("sandbox event %s delivery %d failed: %s", event.id, attempt, error)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_retry_delay_seconds)

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
        """Releases an open authorization, or cancels one still pending or waiting for an action."""
        charge = self._charge(reference)
        if charge is None:
            return AUTHORIZATION_NOT_FOUND
        if charge.state not in (_ChargeState.AUTHORIZED, _ChargeState.PENDING, _ChargeState.REQUIRES_ACTION):
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
