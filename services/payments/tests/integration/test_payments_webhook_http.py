"""The real path of provider events: the sandbox POSTs signed webhooks over HTTP to the real
gateway app (uvicorn, port 0), which forwards them to HandleProviderEvent on the running
payments service; saga replies of waiting EXECUTEs then travel over NATS."""

import asyncio
import json
import socket
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import grpc
import httpx
import pytest
import uvicorn
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import ConsumerConfig, DeliverPolicy
from payments_test_cards import CARDS
from sqlalchemy import func, select, update

from bookingplatform.common.v1 import money_pb2
from bookingplatform.payments.v1 import payments_pb2, payments_pb2_grpc
from bookingplatform.saga.v1 import saga_pb2
from gateway.app import create_app
from gateway.settings import Settings as GatewaySettings
from payments.adapters.sandbox import EventSink, HttpEventSink, SandboxCardProvider
from payments.adapters.tables import inbox, payments, provider_events
from payments.bootstrap import build_provider, start
from payments.domain import events
from payments.domain.events import EventType, ProviderEvent
from payments.settings import Settings
from plumbing import messaging
from plumbing.db import Database
from plumbing.grpc_server import error_reason
from plumbing.runtime import RunningService
from plumbing.testing import EVENTUALLY_TIMEOUT, eventually

pytestmark = pytest.mark.integration

SECRET = "webhook-http-test-secret"
ASYNC, ACTION, LOST, SLOW = "4000000000003063", "4000000000003220", "4000000000000341", "4000000000000259"
# Far beyond any wait of the tests (EVENTUALLY_TIMEOUT), so no action expires by itself while
# a test runs, however loaded the machine: a test that wants one expired moves its expiry into
# the past (`expire_the_action`), and one that forgot to would fail rather than pass by waiting.
ACTION_TIMEOUT = 10 * EVENTUALLY_TIMEOUT


@dataclass
class Stack:
    payments: RunningService
    provider: SandboxCardProvider
    stub: payments_pb2_grpc.PaymentsServiceStub
    gateway_url: str
    webhook_url: str


@pytest.fixture(scope="module")
async def stack(database_url: str, nats_url: str) -> AsyncIterator[Stack]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    webhook_url = f"http://127.0.0.1:{port}/webhooks/payments/sandbox"
    settings = Settings(
        database_url=database_url,
        nats_url=nats_url,
        webhook_url=webhook_url,
        webhook_secret=SECRET,
        action_timeout_seconds=ACTION_TIMEOUT,
        sandbox_confirm_delay_seconds=0.2,
        sandbox_slow_seconds=0.5,
        sweep_interval_seconds=0.2,
    )
    provider = build_provider(settings)
    assert isinstance(provider, SandboxCardProvider)
    service = await start(settings, provider=provider)
    gateway = GatewaySettings(
        catalog_addr="127.0.0.1:9",
        bookings_addr="127.0.0.1:9",
        wallet_addr="127.0.0.1:9",
        passes_addr="127.0.0.1:9",
        payments_addr=service.address,
        database_url=database_url,
        jwt_secret="webhook-test-" + uuid.uuid4().hex,
    )
    server = uvicorn.Server(uvicorn.Config(create_app(gateway), http="httptools", log_level="warning"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    await eventually(lambda: server.started or serving.done(), message="the gateway never started")
    if serving.done():
        serving.result()  # the gateway failed to start: show why
    channel = grpc.aio.insecure_channel(service.address)
    yield Stack(
        service,
        provider,
        payments_pb2_grpc.PaymentsServiceStub(channel),
        f"http://127.0.0.1:{port}",
        webhook_url,
    )
    await channel.close()
    await service.stop(grace=0.5)
    server.should_exit = True
    await serving
    sock.close()


def authorize_request(card: str, *, request_id: str | None = None, amount: int = 2500):
    return payments_pb2.AuthorizePaymentRequest(
        request_id=request_id or str(uuid.uuid4()),
        company_id=str(uuid.uuid4()),
        customer_id=str(uuid.uuid4()),
        amount=money_pb2.Money(amount_minor=amount, currency_code="EUR"),
        card_token=card,
    )


async def status_becomes(stack: Stack, payment_id: str, status: int) -> payments_pb2.Payment:
    seen: list[payments_pb2.Payment] = []

    async def reached() -> payments_pb2.Payment | None:
        payment = (await stack.stub.GetPayment(payments_pb2.GetPaymentRequest(payment_id=payment_id))).payment
        seen[:] = [payment]
        return payment if payment.status == status else None

    return await eventually(
        reached,
        message=lambda: f"payment stayed {payments_pb2.PaymentStatus.Name(seen[0].status) if seen else '?'}",
    )


async def expire_the_action(db: Database, payment_id: uuid.UUID | str) -> None:
    """As if ACTION_TIMEOUT had passed: the REQUIRES_ACTION payment's expiry moves into the past,
    and the running sweeper (every 0.2 s) is left to find it and fail it."""
    async with db.transaction() as conn:
        moved = await conn.execute(
            update(payments)
            .where(payments.c.id == uuid.UUID(str(payment_id)), payments.c.status == "REQUIRES_ACTION")
            .values(action_expires_at=func.now() - timedelta(seconds=1))
        )
    assert moved.rowcount == 1, "the payment was no longer waiting for its action"


async def test_the_sandbox_posts_its_event_to_the_gateway_which_confirms_the_pending_payment(
    stack, payments_db
):
    pending = (await stack.stub.AuthorizePayment(authorize_request(ASYNC))).payment

    authorized = await status_becomes(stack, pending.id, payments_pb2.PAYMENT_STATUS_AUTHORIZED)

    assert isinstance(stack.provider.sink, HttpEventSink) and stack.provider.sink.url == stack.webhook_url
    assert pending.status == payments_pb2.PAYMENT_STATUS_PENDING
    assert authorized.provider_reference == pending.provider_reference
    async with payments_db.transaction() as conn:
        recorded = (
            await conn.execute(
                select(provider_events).where(provider_events.c.payment_id == uuid.UUID(pending.id))
            )
        ).one()
    assert (recorded.type, recorded.outcome) == ("payment.authorized", "APPLIED")


@pytest.mark.parametrize(
    ("approve", "status", "reason"),
    [
        (True, payments_pb2.PAYMENT_STATUS_AUTHORIZED, ""),
        (False, payments_pb2.PAYMENT_STATUS_FAILED, "AUTHENTICATION_FAILED"),
    ],
)
async def test_completing_the_action_through_the_sandbox_rpc_resolves_the_payment_by_webhook(
    stack, approve, status, reason
):
    waiting = (await stack.stub.AuthorizePayment(authorize_request(ACTION))).payment

    completed = await stack.stub.CompletePaymentAction(
        payments_pb2.CompletePaymentActionRequest(payment_id=waiting.id, approve=approve)
    )
    resolved = await status_becomes(stack, waiting.id, status)

    assert waiting.status == payments_pb2.PAYMENT_STATUS_REQUIRES_ACTION
    assert completed.payment.status == payments_pb2.PAYMENT_STATUS_REQUIRES_ACTION
    assert resolved.decline_reason == reason
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stack.stub.CompletePaymentAction(
            payments_pb2.CompletePaymentActionRequest(payment_id=waiting.id, approve=True)
        )
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_reason(refused.value) == "PAYMENT_NOT_REQUIRING_ACTION"


async def test_an_action_nobody_completes_times_out_and_leaves_no_open_authorization(stack, payments_db):
    waiting = (await stack.stub.AuthorizePayment(authorize_request(ACTION))).payment
    await expire_the_action(payments_db, waiting.id)

    failed = await status_becomes(stack, waiting.id, payments_pb2.PAYMENT_STATUS_FAILED)

    assert waiting.status == payments_pb2.PAYMENT_STATUS_REQUIRES_ACTION
    assert failed.decline_reason == "AUTHENTICATION_TIMEOUT"
    assert waiting.provider_reference not in stack.provider.open_authorizations()


async def test_a_lost_answer_is_unavailable_and_a_retry_with_the_same_request_id_gets_the_approval(stack):
    request = authorize_request(LOST)

    with pytest.raises(grpc.aio.AioRpcError) as lost:
        await stack.stub.AuthorizePayment(request)
    retried = (await stack.stub.AuthorizePayment(request)).payment
    again = (await stack.stub.AuthorizePayment(request)).payment

    assert lost.value.code() == grpc.StatusCode.UNAVAILABLE
    assert error_reason(lost.value) == "PROVIDER_UNAVAILABLE"
    assert retried.status == payments_pb2.PAYMENT_STATUS_AUTHORIZED
    assert again.id == retried.id
    assert stack.provider.authorize_calls[request.request_id] == 2
    assert stack.provider.open_authorizations().count(retried.provider_reference) == 1


async def test_a_slow_card_is_approved(stack):
    started = time.monotonic()
    payment = (await stack.stub.AuthorizePayment(authorize_request(SLOW))).payment
    assert payment.status == payments_pb2.PAYMENT_STATUS_AUTHORIZED
    assert time.monotonic() - started >= 0.5


async def post(stack: Stack, payload: bytes, signature: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers[events.SIGNATURE_HEADER] = signature
    async with httpx.AsyncClient(base_url=stack.gateway_url) as client:
        return await client.post("/webhooks/payments/sandbox", content=payload, headers=headers)


def an_event() -> ProviderEvent:
    return ProviderEvent(
        id=f"evt_test_{uuid.uuid4().hex}",
        type=EventType.AUTHORIZED,
        created=int(time.time()),
        provider_reference=f"sbx_auth_unknown_{uuid.uuid4().hex[:8]}",
        idempotency_key="",
        amount_minor=100,
        currency="EUR",
    )


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        ("body", "INVALID_SIGNATURE"),
        ("secret", "INVALID_SIGNATURE"),
        ("missing", "INVALID_SIGNATURE"),
        ("stale", "STALE_EVENT"),
    ],
)
async def test_the_gateway_answers_400_problem_json_for_a_bad_or_stale_signature(stack, tamper, code):
    payload = an_event().to_json()
    signature: str | None = events.sign(SECRET, payload)
    if tamper == "body":
        payload = payload.replace(b'"amount_minor":100', b'"amount_minor":999')
    elif tamper == "secret":
        signature = events.sign("not-the-secret", payload)
    elif tamper == "missing":
        signature = None
    else:
        signature = events.sign(SECRET, payload, timestamp=int(time.time()) - 600)

    response = await post(stack, payload, signature)

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


async def test_the_gateway_acknowledges_a_valid_event_once_and_a_duplicate_as_such(stack):
    event = an_event()
    payload = event.to_json()

    first = await post(stack, payload, events.sign(SECRET, payload))
    duplicate = await post(stack, payload, events.sign(SECRET, payload))
    not_an_event = await post(
        stack, b'{"type": "payment.refunded"}', events.sign(SECRET, b'{"type": "payment.refunded"}')
    )

    assert (first.status_code, first.json()) == (
        200,
        {"received": True, "duplicate": False, "event_id": event.id},
    )
    assert (duplicate.status_code, duplicate.json()["duplicate"]) == (200, True)
    assert (not_an_event.status_code, not_an_event.json()["code"]) == (400, "INVALID_EVENT")


# The saga over NATS: replies of waiting EXECUTEs are written when the webhook arrives.


@pytest.fixture
async def saga_replies(stack, nats_url):
    nc = await messaging.connect(nats_url, "payments-webhook-test")
    js = nc.jetstream()
    await messaging.ensure_stream(js, messaging.SAGA_STREAM, messaging.SAGA_SUBJECTS)
    durable = f"payments-webhook-test-{uuid.uuid4().hex[:8]}"
    subscription = await js.pull_subscribe(
        messaging.reply_subject("bookings"),
        durable=durable,
        stream=messaging.SAGA_STREAM,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.NEW),
    )
    yield js, subscription
    await js.delete_consumer(messaging.SAGA_STREAM, durable)
    await nc.close()


async def replies_for(
    subscription, saga_id: str, *, wanted: int = 1, linger: float = 1.0
) -> list[tuple[str, saga_pb2.StepReply]]:
    """The saga's replies once `wanted` of them arrived (however long that takes), plus any
    that follow within `linger` seconds: a duplicate would show up among them."""
    found: list[tuple[str, saga_pb2.StepReply]] = []

    async def fetch() -> None:
        try:
            messages = await subscription.fetch(10, timeout=0.3)
        except (NatsTimeoutError, TimeoutError):
            return
        for msg in messages:
            await msg.ack()
            reply = saga_pb2.StepReply.FromString(msg.data)
            if reply.saga_id == saga_id:
                found.append((msg.headers.get("Nats-Msg-Id", ""), reply))

    async def enough() -> bool:
        await fetch()
        return len(found) >= wanted

    await eventually(enough, interval=0, message=lambda: f"{len(found)} of {wanted} replies for {saga_id}")
    lingering_until = asyncio.get_running_loop().time() + linger
    while asyncio.get_running_loop().time() < lingering_until:
        await fetch()
    return found


class HeldEvents:
    """The sandbox's event sink while a test holds its events: each waits for `released`, then
    goes to the webhook as it would have (the sandbox signs every attempt anew)."""

    def __init__(self, sink: EventSink) -> None:
        self.sink = sink
        self.released = asyncio.Event()

    async def __call__(self, payload: bytes, signature: str) -> None:
        await self.released.wait()
        await self.sink(payload, signature)


@pytest.fixture
async def held_events(stack) -> AsyncIterator[HeldEvents]:
    webhook = stack.provider.sink
    assert webhook is not None
    held = HeldEvents(webhook)
    stack.provider.sink = held
    yield held
    stack.provider.sink = webhook
    held.released.set()  # events still held go to the webhook


async def handled(db: Database, message_ids: list[str]) -> bool:
    """The consumer committed these messages (their inbox rows)."""
    async with db.transaction() as conn:
        found = set(await conn.scalars(select(inbox.c.message_id).where(inbox.c.message_id.in_(message_ids))))
    return found == set(message_ids)


def execute(saga_id: str, card: str, attempt: int) -> saga_pb2.StepCommand:
    company_id, customer_id = str(uuid.uuid4()), str(uuid.uuid4())
    command = saga_pb2.StepCommand(
        saga_id=saga_id,
        step="payments",
        action=saga_pb2.STEP_ACTION_EXECUTE,
        attempt=attempt,
        booking_id=str(uuid.uuid4()),
        company_id=company_id,
        customer_id=customer_id,
        payment_method_id=CARDS.method(company_id, customer_id, card),
    )
    command.amount.amount_minor = 4100
    command.amount.currency_code = "EUR"
    return command


@pytest.mark.parametrize(
    ("card", "outcome", "reason"),
    [
        (ASYNC, saga_pb2.STEP_OUTCOME_SUCCEEDED, ""),
        (ACTION, saga_pb2.STEP_OUTCOME_FAILED, "AUTHENTICATION_TIMEOUT"),
    ],
)
async def test_a_waiting_execute_is_answered_once_when_its_payment_is_resolved(
    stack, saga_replies, held_events, payments_db, card, outcome, reason
):
    js, subscription = saga_replies
    saga_id = str(uuid.uuid4())
    subject = messaging.command_subject("payments")
    first = execute(saga_id, card, 1)
    await CARDS.record(payments_db)
    await js.publish(
        subject, first.SerializeToString(), headers={"Nats-Msg-Id": f"{saga_id}:payments:EXECUTE:1"}
    )
    resent = execute(saga_id, card, 2)
    resent.booking_id, resent.company_id, resent.customer_id, resent.payment_method_id = (
        first.booking_id,
        first.company_id,
        first.customer_id,
        first.payment_method_id,
    )
    await js.publish(
        subject, resent.SerializeToString(), headers={"Nats-Msg-Id": f"{saga_id}:payments:EXECUTE:2"}
    )
    # The payment is resolved only once both EXECUTEs have found it waiting: the provider's
    # event is held until then, the action expires only when the test says so.
    await eventually(
        lambda: handled(payments_db, [f"{saga_id}:payments:EXECUTE:1", f"{saga_id}:payments:EXECUTE:2"]),
        message="the consumer never committed both EXECUTEs",
    )
    if card == ACTION:
        async with payments_db.transaction() as conn:
            waiting = await conn.scalar(
                select(payments.c.id).where(payments.c.idempotency_key == f"{saga_id}:payments")
            )
        await expire_the_action(payments_db, waiting)
    else:
        held_events.released.set()

    answered = await replies_for(subscription, saga_id)

    expected_amount = 4100 if outcome == saga_pb2.STEP_OUTCOME_SUCCEEDED else 0
    assert [(reply.outcome, reply.reason, reply.amount.amount_minor) for _, reply in answered] == [
        (outcome, reason, expected_amount)
    ]
    ((message_id, _),) = answered
    assert message_id == f"{saga_id}:payments:EXECUTE:resolved"
    # Re-sent after the decision, the EXECUTE replays it.
    await js.publish(
        subject,
        execute(saga_id, card, 3).SerializeToString(),
        headers={"Nats-Msg-Id": f"{saga_id}:payments:EXECUTE:3"},
    )
    replayed = await replies_for(subscription, saga_id)
    assert [(reply.outcome, reply.reason, reply.attempt) for _, reply in replayed] == [(outcome, reason, 3)]


def test_event_json_is_compact_and_flat():
    body = json.loads(an_event().to_json())
    assert set(body) == {
        "id",
        "type",
        "created",
        "provider_reference",
        "idempotency_key",
        "amount_minor",
        "currency",
    }
