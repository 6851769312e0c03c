"""The sandbox's asynchronous test cards: pending, requires action, slow, lost answer; and its webhooks."""

import time

import pytest

from payments.adapters.sandbox import SandboxCardProvider
from payments.domain import events
from payments.domain.events import EventType
from payments.domain.provider import AuthorizationOutcome, ProviderUnavailable
from plumbing.testing import eventually

SECRET = "sandbox-unit-secret"


class Sink:
    """Receives events like a webhook endpoint; refuses the first `failures` deliveries."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.attempts = 0
        self.received: list[tuple[bytes, str]] = []

    async def __call__(self, payload: bytes, signature: str) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise RuntimeError("503 from the webhook")
        events.verify(SECRET, payload, signature)
        self.received.append((payload, signature))

    def events(self):
        return [events.parse(payload) for payload, _ in self.received]


async def settled(sandbox: SandboxCardProvider) -> None:
    """Once the sandbox has nothing left to do in the background (confirmations, deliveries):
    what it was going to send, it has sent."""
    await eventually(lambda: not sandbox._tasks, interval=0.01, message="the sandbox is still busy")


@pytest.fixture
async def sink():
    return Sink()


@pytest.fixture
async def sandbox(sink):
    provider = SandboxCardProvider(
        webhook_secret=SECRET, sink=sink, confirm_delay_seconds=0.05, slow_seconds=0.3
    )
    yield provider
    await provider.close()


@pytest.mark.parametrize("card", ["4000000000003063", "tok_asyncApproval"])
async def test_the_async_card_answers_pending_then_confirms_with_a_signed_event(sandbox, sink, card):
    answer = await sandbox.authorize("k-async", 1500, "EUR", card)

    assert answer.outcome is AuthorizationOutcome.PENDING
    assert answer.provider_reference.startswith("sbx_auth_")
    await eventually(lambda: sink.received, interval=0.01)
    (event,) = sink.events()
    assert (event.type, event.provider_reference, event.idempotency_key) == (
        EventType.AUTHORIZED,
        answer.provider_reference,
        "k-async",
    )
    assert (event.amount_minor, event.currency) == (1500, "EUR")
    # Asked again with the key, the provider tells the current answer.
    again = await sandbox.authorize("k-async", 1500, "EUR", card)
    assert (again.outcome, again.provider_reference) == (
        AuthorizationOutcome.APPROVED,
        answer.provider_reference,
    )


@pytest.mark.parametrize("card", ["4000000000003220", "tok_requiresAction"])
async def test_the_action_card_waits_for_the_card_holder_and_sends_nothing_until_then(sandbox, sink, card):
    answer = await sandbox.authorize("k-3ds", 900, "EUR", card)
    await settled(sandbox)

    assert answer.outcome is AuthorizationOutcome.REQUIRES_ACTION
    assert sink.received == []
    assert answer.provider_reference in sandbox.open_authorizations()


@pytest.mark.parametrize(("approve", "kind"), [(True, EventType.AUTHORIZED), (False, EventType.FAILED)])
async def test_completing_the_action_resolves_it_with_an_event(sandbox, sink, approve, kind):
    answer = await sandbox.authorize("k-3ds", 900, "EUR", "4000000000003220")

    assert await sandbox.complete_action(answer.provider_reference, approve)
    assert not await sandbox.complete_action(answer.provider_reference, approve)  # only once

    await eventually(lambda: sink.received, interval=0.01)
    (event,) = sink.events()
    assert event.type is kind
    if not approve:
        assert event.failure_reason == "AUTHENTICATION_FAILED"
        assert sandbox.open_authorizations() == []


async def test_the_slow_card_approves_after_its_delay(sandbox):
    started = time.monotonic()
    answer = await sandbox.authorize("k-slow", 700, "EUR", "4000000000000259")
    assert answer.outcome is AuthorizationOutcome.APPROVED
    assert time.monotonic() - started >= 0.3


async def test_the_lost_answer_card_authorizes_then_raises_and_a_retry_gets_the_same_approval(sandbox):
    with pytest.raises(ProviderUnavailable):
        await sandbox.authorize("k-lost", 500, "EUR", "4000000000000341")
    retried = await sandbox.authorize("k-lost", 500, "EUR", "4000000000000341")

    assert retried.outcome is AuthorizationOutcome.APPROVED
    assert sandbox.open_authorizations() == [retried.provider_reference]
    assert sandbox.authorize_calls["k-lost"] == 2
    assert await sandbox.find_authorization("k-lost") == retried
    assert await sandbox.find_authorization("never-sent") is None


async def test_voiding_a_pending_authorization_cancels_it_and_no_approval_follows(sandbox, sink):
    answer = await sandbox.authorize("k-cancel", 1500, "EUR", "4000000000003063")
    voided = await sandbox.void("k-cancel:void", answer.provider_reference)
    await settled(sandbox)

    assert voided.succeeded
    assert sink.received == []
    assert sandbox.open_authorizations() == []
    assert (await sandbox.find_authorization("k-cancel")).outcome is AuthorizationOutcome.DECLINED


async def test_events_are_delivered_again_with_a_fresh_signature_until_the_sink_accepts():
    sink = Sink(failures=3)
    sandbox = SandboxCardProvider(webhook_secret=SECRET, sink=sink, confirm_delay_seconds=0.01)
    try:
        await sandbox.authorize("k-retry", 100, "EUR", "4000000000003063")
        await eventually(lambda: sink.received, interval=0.01)
    finally:
        await sandbox.close()
    assert sink.attempts == 4
    assert len(sink.received) == 1
