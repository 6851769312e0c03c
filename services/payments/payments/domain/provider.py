"""The card provider port: what the service needs from a card processor.

Every call carries an idempotency key, so a retry after a lost answer never charges twice.
An authorization may be answered PENDING or REQUIRES_ACTION: the provider then resolves it
later with a signed event (webhook, see `payments.domain.events`). `void` also cancels an
authorization that is still pending, so nothing stays open.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from payments.domain import errors
from payments.domain.methods import CardDetails
from plumbing.errors import ErrorKind, ServiceError


class AuthorizationOutcome(enum.StrEnum):
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"
    # Resolved later by an event (payment.authorized / payment.failed).
    PENDING = "PENDING"
    # The card holder must act first (3-D Secure-like); resolved later by an event.
    REQUIRES_ACTION = "REQUIRES_ACTION"


@dataclass(frozen=True)
class Authorization:
    """The provider's answer to an authorization: its reference either way."""

    outcome: AuthorizationOutcome
    provider_reference: str
    # Set when declined: CARD_DECLINED, CARD_INSUFFICIENT_FUNDS, CARD_EXPIRED, INVALID_CARD, ...
    decline_reason: str | None = None

    @property
    def approved(self) -> bool:
        return self.outcome is AuthorizationOutcome.APPROVED


@dataclass(frozen=True)
class ProviderResult:
    """The provider's answer to a capture, void or refund."""

    succeeded: bool
    # The provider's id of this capture/void/refund.
    provider_reference: str = ""
    failure_reason: str | None = None


class ProviderUnavailable(ServiceError):
    """The provider did not answer (timeout, outage): the call may be retried with the same key."""

    kind = ErrorKind.UNAVAILABLE

    def __init__(self, message: str = "the card provider is unavailable") -> None:
        super().__init__(errors.PROVIDER_UNAVAILABLE, message)


class CardProvider(Protocol):
    """A card processor. Raise ProviderUnavailable when the answer is unknown."""

    name: str

    def describe(self, card_token: str) -> CardDetails:
        """What may be shown of a card (brand, last four digits); empty when unknown."""
        ...

    async def authorize(
        self, idempotency_key: str, amount_minor: int, currency: str, card_token: str
    ) -> Authorization: ...

    async def capture(
        self, idempotency_key: str, authorization_reference: str, amount_minor: int, currency: str
    ) -> ProviderResult: ...

    async def void(self, idempotency_key: str, authorization_reference: str) -> ProviderResult: ...

    async def refund(
        self, idempotency_key: str, authorization_reference: str, amount_minor: int, currency: str
    ) -> ProviderResult: ...

    async def find_authorization(self, idempotency_key: str) -> Authorization | None:
        """The provider's current answer to the authorization with this key; None when it never
        received it. Used to recover an authorization whose answer was lost."""
        ...


class ActionCompleter(Protocol):
    """Sandbox controls: play the card holder of a REQUIRES_ACTION authorization."""

    async def complete_action(self, authorization_reference: str, approve: bool) -> bool:
        """True when the authorization was waiting for an action; its event follows."""
        ...
