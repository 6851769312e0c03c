"""Passes sold or granted at the front desk: the entitlement keeps how it was handed over, the
price paid at the desk and the staff member; a retry changes nothing; audited."""

import uuid

import grpc
import pytest
from sqlalchemy import text

from bookingplatform.common.v1 import money_pb2
from bookingplatform.passes.v1 import passes_pb2, passes_pb2_grpc
from passes.bootstrap import start
from passes.settings import Settings
from plumbing.db import Database
from plumbing.grpc_server import error_reason
from plumbing.principal import METADATA_KEY, Principal, Role

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def stub(database_url, nats_url):
    service = await start(Settings(database_url=database_url, nats_url=nats_url))
    async with grpc.aio.insecure_channel(service.address) as channel:
        yield passes_pb2_grpc.PassesServiceStub(channel)
    await service.stop(0.1)


async def test_a_desk_sale_records_the_price_paid_and_the_staff_member(stub, database_url):
    company, customer = str(uuid.uuid4()), str(uuid.uuid4())
    staff = Principal(role=Role.STAFF, company_id=company, user_id=str(uuid.uuid4()))
    as_staff = [(METADATA_KEY, staff.encode())]
    product = (
        await stub.CreatePassProduct(
            passes_pb2.CreatePassProductRequest(
                request_id=str(uuid.uuid4()),
                company_id=company,
                name="10 classes",
                credits=10,
                validity_days=90,
                price=money_pb2.Money(amount_minor=9900, currency_code="EUR"),
            )
        )
    ).product
    sale = passes_pb2.GrantPassRequest(
        request_id=str(uuid.uuid4()),
        product_id=product.id,
        customer_id=customer,
        sale=passes_pb2.PASS_SALE_CASH,
    )
    sold = (await stub.GrantPass(sale, metadata=as_staff)).entitlement
    again = (await stub.GrantPass(sale, metadata=as_staff)).entitlement
    granted = (
        await stub.GrantPass(
            passes_pb2.GrantPassRequest(
                request_id=str(uuid.uuid4()), product_id=product.id, customer_id=customer
            ),
            metadata=as_staff,
        )
    ).entitlement
    with pytest.raises(grpc.aio.AioRpcError) as reused:
        await stub.GrantPass(
            passes_pb2.GrantPassRequest(
                request_id=sale.request_id,
                product_id=product.id,
                customer_id=customer,
                sale=passes_pb2.PASS_SALE_EXTERNAL,
            ),
            metadata=as_staff,
        )
    assert (sold.sale, sold.paid, sold.issued_by_user_id, sold.credits_total) == (
        passes_pb2.PASS_SALE_CASH,
        money_pb2.Money(amount_minor=9900, currency_code="EUR"),
        staff.user_id,
        10,
    )
    assert again == sold
    assert (granted.sale, granted.HasField("paid")) == (passes_pb2.PASS_SALE_GRANT, False)
    assert error_reason(reused.value) == "REQUEST_ID_REUSED"
    db = Database(database_url, pool_size=1)
    try:
        async with db.transaction() as conn:
            actions = (
                await conn.execute(
                    text(
                        "SELECT action, actor_user_id FROM passes.audit_log WHERE entity_type = 'entitlement'"
                        " AND company_id = :company ORDER BY occurred_at"
                    ),
                    {"company": company},
                )
            ).all()
    finally:
        await db.close()
    assert [tuple(row) for row in actions] == [("sell", staff.user_id), ("grant", staff.user_id)]
