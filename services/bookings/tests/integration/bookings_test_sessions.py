"""Helpers of the bookings integration tests that create time-slot bookings over gRPC: a
session of a fresh company with its customers, a create, and what the database holds."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from plumbing.principal import METADATA_KEY, Principal, Role


async def a_session(catalog, *, capacity, max_active=0, customers=1):
    company = (
        await catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(name="One statement", time_zone="UTC", currency_code="EUR")
        )
    ).company
    resource = (
        await catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=company.id,
                name="Studio",
                booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT,
                policy=catalog_pb2.ResourcePolicy(max_active_bookings_per_customer=max_active),
            )
        )
    ).resource
    request = catalog_pb2.CreateSessionRequest(
        resource_id=resource.id,
        capacity=capacity,
        price=money_pb2.Money(amount_minor=1000, currency_code="EUR"),
    )
    request.start_time.FromDatetime(datetime.now(UTC) + timedelta(days=1))
    request.end_time.FromDatetime(datetime.now(UTC) + timedelta(days=1, hours=1))
    session = (await catalog.CreateSession(request)).session
    people = [
        (
            await catalog.CreateCustomer(
                catalog_pb2.CreateCustomerRequest(
                    company_id=company.id, display_name=f"C{n}", email=f"c{n}@example.com"
                )
            )
        ).customer
        for n in range(customers)
    ]
    return session, people


def book(stub, session, customer, *, quantity=1, request_id=None, as_customer=False):
    """`as_customer`: the customer books (an audited create), not an internal caller."""
    metadata = None
    if as_customer:
        principal = Principal(role=Role.CUSTOMER, company_id=customer.company_id, customer_id=customer.id)
        metadata = [(METADATA_KEY, principal.encode())]
    return stub.CreateBooking(
        bookings_pb2.CreateBookingRequest(
            request_id=request_id or str(uuid.uuid4()),
            customer_id=customer.id,
            session_id=session.id,
            quantity=quantity,
            payment_plan=bookings_pb2.PaymentPlan(use_wallet=True),
        ),
        metadata=metadata,
    )


async def held(db, session_id, customer_id, resource_id):
    """(places booked in the session, the customer's active bookings of the resource, bookings)."""
    async with db.transaction() as conn:
        places = (
            await conn.execute(
                text("SELECT booked FROM bookings.session_occupancy WHERE session_id = :id"),
                {"id": session_id},
            )
        ).scalar()
        active = (
            await conn.execute(
                text(
                    "SELECT active FROM bookings.customer_active_bookings"
                    " WHERE customer_id = :customer AND resource_id = :resource"
                ),
                {"customer": customer_id, "resource": resource_id},
            )
        ).scalar()
        rows = (
            await conn.execute(
                text("SELECT count(*) FROM bookings.bookings WHERE session_id = :id"), {"id": session_id}
            )
        ).scalar()
    return places, active, rows
