"""Payments keeps the audit rows of what a person does there: a customer or guest registering a
card, a card holder answering 3-D Secure, a company role capturing or refunding; the entry
names the actor and the card by brand and last4, never by its token (nor does its outbox copy)."""

import uuid

import pytest
from sqlalchemy import select, text

from bookingplatform.common.v1 import money_pb2
from bookingplatform.payments.v1 import payments_pb2 as pb
from bookingplatform.payments.v1 import payments_pb2_grpc
from payments.adapters.tables import outbox
from plumbing.grpc_client import channel
from plumbing.principal import Principal, Role, acting_as

pytestmark = pytest.mark.integration

CARD, ACTION = "4242424242424242", "4000000000003220"


async def _entries(db, entity_id: str) -> list[dict]:
    async with db.transaction() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT to_jsonb(a) AS entry FROM payments.audit_log a"
                    " WHERE entity_id = :id ORDER BY occurred_at, action"
                ),
                {"id": entity_id},
            )
        ).scalars()
        return list(rows)


async def _outbox_payloads(db, entry_ids: list[str]) -> list[bytes]:
    async with db.transaction() as conn:
        found = await conn.execute(
            select(outbox.c.payload).where(outbox.c.id.in_([f"audit:{entry}" for entry in entry_ids]))
        )
        return list(found.scalars())


async def test_a_card_registered_by_a_guest_is_audited_with_brand_and_last4_never_the_token(
    payments_service, payments_db
):
    company, customer = str(uuid.uuid4()), str(uuid.uuid4())
    guest = Principal(role=Role.GUEST, company_id=company, customer_id=customer)
    request = pb.CreatePaymentMethodRequest(
        request_id=str(uuid.uuid4()), company_id=company, customer_id=customer, card_token=CARD
    )
    async with channel(payments_service.address) as forwarding:
        stub = payments_pb2_grpc.PaymentsServiceStub(forwarding)
        with acting_as(guest):
            method = (await stub.CreatePaymentMethod(request)).payment_method
            await stub.CreatePaymentMethod(request)  # a retry registers nothing more

    entries = await _entries(payments_db, method.id)
    assert [
        (e["entity_type"], e["action"], e["actor_role"], e["company_id"], e["changed"]) for e in entries
    ] == [
        (
            "payment_method",
            "create",
            "GUEST",
            company,
            {"after": {"customer_id": customer, "brand": "visa", "last4": "4242"}},
        )
    ]
    payloads = await _outbox_payloads(payments_db, [e["id"] for e in entries])
    assert len(payloads) == 1
    assert CARD not in str(entries) and CARD.encode() not in payloads[0]


async def test_3ds_answer_and_company_captures_and_refunds_are_audited_with_their_actor(
    payments_service, payments_db
):
    company, customer = str(uuid.uuid4()), str(uuid.uuid4())
    guest = Principal(role=Role.GUEST, company_id=company, customer_id=customer)
    admin = Principal(role=Role.COMPANY_ADMIN, company_id=company, user_id=str(uuid.uuid4()))
    staff = Principal(role=Role.STAFF, company_id=company, user_id=str(uuid.uuid4()))

    def authorize(card: str) -> pb.AuthorizePaymentRequest:
        return pb.AuthorizePaymentRequest(
            request_id=str(uuid.uuid4()),
            company_id=company,
            customer_id=customer,
            amount=money_pb2.Money(amount_minor=2500, currency_code="EUR"),
            card_token=card,
        )

    async with channel(payments_service.address) as forwarding:
        stub = payments_pb2_grpc.PaymentsServiceStub(forwarding)
        with acting_as(guest):
            waiting = (await stub.AuthorizePayment(authorize(ACTION))).payment
            await stub.CompletePaymentAction(
                pb.CompletePaymentActionRequest(payment_id=waiting.id, approve=True)
            )
            paid = (await stub.AuthorizePayment(authorize(CARD))).payment
        with acting_as(admin):
            await stub.CapturePayment(
                pb.CapturePaymentRequest(request_id=str(uuid.uuid4()), payment_id=paid.id)
            )
        with acting_as(staff):
            await stub.RefundPayment(
                pb.RefundPaymentRequest(request_id=str(uuid.uuid4()), payment_id=paid.id)
            )

    assert waiting.status == pb.PAYMENT_STATUS_REQUIRES_ACTION
    answered = await _entries(payments_db, waiting.id)
    assert [(e["action"], e["actor_role"], e["changed"]["after"]) for e in answered] == [
        ("authenticate", "GUEST", {"authentication": "approved"})
    ]
    moved = await _entries(payments_db, paid.id)
    assert [(e["action"], e["actor_role"], e["actor_user_id"], e["changed"]) for e in moved] == [
        (
            "capture",
            "COMPANY_ADMIN",
            admin.user_id,
            {"before": {"status": "AUTHORIZED"}, "after": {"status": "CAPTURED"}},
        ),
        (
            "refund",
            "STAFF",
            staff.user_id,
            {
                "before": {"status": "CAPTURED", "refunded_minor": 0},
                "after": {"status": "REFUNDED", "refunded_minor": 2500},
            },
        ),
    ]
    payloads = await _outbox_payloads(payments_db, [e["id"] for e in answered + moved])
    assert len(payloads) == 3
    assert not any(card.encode() in payload for payload in payloads for card in (CARD, ACTION))
