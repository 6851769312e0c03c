"""A company's change is published as `catalog.events.company_updated` (the company after
the change) in the change's transaction: bookings drops its cached copy when it arrives, so a
suspension stops new bookings then."""

import uuid

import pytest

from bookingplatform.catalog.v1 import catalog_pb2

pytestmark = pytest.mark.integration


async def test_suspending_and_resuming_a_company_publish_the_company_as_changed(
    catalog, company, catalog_events
):
    suspended = (
        await catalog.SuspendCompany(
            catalog_pb2.SuspendCompanyRequest(
                request_id=str(uuid.uuid4()), company_id=company.id, reason="Audit", etag=company.etag
            )
        )
    ).company
    resumed = (
        await catalog.ResumeCompany(
            catalog_pb2.ResumeCompanyRequest(
                request_id=str(uuid.uuid4()), company_id=company.id, etag=suspended.etag
            )
        )
    ).company

    def of_this_company(data: bytes) -> bool:
        return catalog_pb2.Company.FromString(data).id == company.id

    messages = await catalog_events("catalog.events.company_updated", of_this_company)
    published = [catalog_pb2.Company.FromString(message.data) for message in messages]
    assert [(event.state, event.suspend_reason) for event in published] == [
        (catalog_pb2.COMPANY_STATE_SUSPENDED, "Audit"),
        (catalog_pb2.COMPANY_STATE_ACTIVE, ""),
    ]
    assert published == [suspended, resumed]
    assert messages[0].headers["Nats-Msg-Id"].startswith(f"company_updated:{company.id}:")
