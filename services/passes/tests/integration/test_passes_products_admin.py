"""Pass products in the back office: get, list (paged, archived hidden), update at the etag
read, archive; through a real grpc.aio server on real PostgreSQL."""

import uuid

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
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


def as_(role: Role, company_id: str) -> list[tuple[str, str]]:
    principal = Principal(role=role, company_id=company_id, user_id=str(uuid.uuid4()))
    return [(METADATA_KEY, principal.encode())]


async def a_product(stub, company_id: str, name: str = "10 classes") -> passes_pb2.PassProduct:
    reply = await stub.CreatePassProduct(
        passes_pb2.CreatePassProductRequest(
            request_id=str(uuid.uuid4()),
            company_id=company_id,
            name=name,
            credits=10,
            validity_days=90,
            price=money_pb2.Money(amount_minor=9900, currency_code="EUR"),
        )
    )
    return reply.product


async def refused(call) -> tuple[grpc.StatusCode, str | None]:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value.code(), error_reason(raised.value)


async def test_an_update_at_the_etag_read_changes_the_product_once_and_is_audited(stub, database_url):
    company = str(uuid.uuid4())
    product = await a_product(stub, company)
    resource = str(uuid.uuid4())
    change = passes_pb2.UpdatePassProductRequest(
        request_id=str(uuid.uuid4()),
        product=passes_pb2.PassProduct(id=product.id, etag=product.etag, credits=12, resource_ids=[resource]),
        update_mask=FieldMask(paths=["credits", "resource_ids"]),
    )
    updated = (await stub.UpdatePassProduct(change, metadata=as_(Role.COMPANY_ADMIN, company))).product
    assert (updated.credits, list(updated.resource_ids), updated.name) == (12, [resource], "10 classes")
    assert updated.etag != product.etag
    # A retry changes nothing more; a change at the old etag is refused and changes nothing.
    assert (
        await stub.UpdatePassProduct(change, metadata=as_(Role.COMPANY_ADMIN, company))
    ).product == updated
    stale = passes_pb2.UpdatePassProductRequest(
        request_id=str(uuid.uuid4()),
        product=passes_pb2.PassProduct(id=product.id, etag=product.etag, credits=1),
        update_mask=FieldMask(paths=["credits"]),
    )
    assert await refused(stub.UpdatePassProduct(stale)) == (grpc.StatusCode.ABORTED, "ETAG_MISMATCH")
    read = (await stub.GetPassProduct(passes_pb2.GetPassProductRequest(product_id=product.id))).product
    assert read == updated

    db = Database(database_url, pool_size=1)
    try:
        async with db.transaction() as conn:
            actions = (
                await conn.execute(
                    text("SELECT action, actor_role FROM passes.audit_log WHERE entity_id = :id"),
                    {"id": product.id},
                )
            ).all()
    finally:
        await db.close()
    assert [tuple(row) for row in actions] == [("update", "COMPANY_ADMIN")]


async def test_staff_and_other_companies_cannot_change_a_product(stub):
    company = str(uuid.uuid4())
    product = await a_product(stub, company)
    change = passes_pb2.UpdatePassProductRequest(
        request_id=str(uuid.uuid4()),
        product=passes_pb2.PassProduct(id=product.id, name="Cheaper"),
        update_mask=FieldMask(paths=["name"]),
    )
    assert (await refused(stub.UpdatePassProduct(change, metadata=as_(Role.STAFF, company))))[1] == (
        "PERMISSION_DENIED"
    )
    other = as_(Role.COMPANY_ADMIN, str(uuid.uuid4()))
    assert await refused(stub.UpdatePassProduct(change, metadata=other)) == (
        grpc.StatusCode.NOT_FOUND,
        "PASS_PRODUCT_NOT_FOUND",
    )
    bad_mask = passes_pb2.UpdatePassProductRequest(
        product=passes_pb2.PassProduct(id=product.id), update_mask=FieldMask(paths=["company_id"])
    )
    assert (await refused(stub.UpdatePassProduct(bad_mask)))[1] == "INVALID_UPDATE_MASK"
    assert (
        await stub.GetPassProduct(passes_pb2.GetPassProductRequest(product_id=product.id))
    ).product == product


async def test_an_archived_product_leaves_the_list_and_is_not_granted(stub):
    company = str(uuid.uuid4())
    products = [await a_product(stub, company, name=f"Pass {i}") for i in range(3)]
    first = await stub.ListPassProducts(passes_pb2.ListPassProductsRequest(company_id=company, page_size=2))
    rest = await stub.ListPassProducts(
        passes_pb2.ListPassProductsRequest(company_id=company, page_size=2, page_token=first.next_page_token)
    )
    assert [p.id for p in [*first.products, *rest.products]] == [p.id for p in products]
    assert rest.next_page_token == ""

    archived = (
        await stub.ArchivePassProduct(
            passes_pb2.ArchivePassProductRequest(request_id=str(uuid.uuid4()), product_id=products[0].id)
        )
    ).product
    assert archived.HasField("archive_time")
    listed = await stub.ListPassProducts(passes_pb2.ListPassProductsRequest(company_id=company))
    assert [p.id for p in listed.products] == [p.id for p in products[1:]]
    everything = await stub.ListPassProducts(
        passes_pb2.ListPassProductsRequest(company_id=company, show_archived=True)
    )
    assert len(everything.products) == 3
    grant = passes_pb2.GrantPassRequest(
        request_id=str(uuid.uuid4()), product_id=products[0].id, customer_id=str(uuid.uuid4())
    )
    assert (await refused(stub.GrantPass(grant)))[1] == "PASS_PRODUCT_NOT_FOUND"
