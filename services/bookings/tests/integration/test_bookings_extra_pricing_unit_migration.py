"""Migration 0017_extra_pricing_unit: a booking's extra keeps the pricing unit it was bought
with. Rows made before it get the catalog's unit now (archived extras too), or PER_BOOKING when
the catalog does not know the extra; the column is NOT NULL and one of the five units."""

import asyncio
import uuid

import pytest
from alembic import command
from bookings_test_sessions import a_session
from grpc import aio
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

import bookings.bootstrap
import catalog.bootstrap
from bookingplatform.bookings.v1 import bookings_pb2, bookings_pb2_grpc
from bookingplatform.catalog.v1 import catalog_pb2, catalog_pb2_grpc
from bookingplatform.common.v1 import money_pb2
from plumbing.db import Database
from plumbing.migrations import alembic_config, migration_dirs
from plumbing.testing import isolated_infrastructure

pytestmark = pytest.mark.integration


async def test_existing_extras_get_the_catalogs_unit_and_new_ones_their_own(database_url):
    async with isolated_infrastructure(database_url, "extra_unit") as (own_database, nats_url):
        catalog_service = await catalog.bootstrap.start(
            catalog.bootstrap.Settings(database_url=own_database, nats_url=nats_url)
        )
        booking_service = await bookings.bootstrap.start(
            bookings.bootstrap.Settings(
                database_url=own_database, nats_url=nats_url, catalog_addr=catalog_service.address
            )
        )
        channel = aio.insecure_channel(booking_service.address)
        catalog_channel = aio.insecure_channel(catalog_service.address)
        db = Database(own_database, pool_size=2, application_name="bookings-test")
        try:
            stub = bookings_pb2_grpc.BookingsServiceStub(channel)
            catalog_stub = catalog_pb2_grpc.CatalogServiceStub(catalog_channel)
            session, [customer] = await a_session(catalog_stub, capacity=5)
            units = {}
            for name, unit in (("Mat", "PER_GUEST"), ("Towel", "PER_BOOKING"), ("Gone", "PER_HOUR")):
                extra = (
                    await catalog_stub.CreateExtra(
                        catalog_pb2.CreateExtraRequest(
                            request_id=str(uuid.uuid4()),
                            company_id=customer.company_id,
                            name=name,
                            price=money_pb2.Money(amount_minor=100, currency_code="EUR"),
                            pricing_unit=catalog_pb2.PricingUnit.Value(f"PRICING_UNIT_{unit}"),
                        )
                    )
                ).extra
                units[name] = extra.id
            booking = (
                await stub.CreateBooking(
                    bookings_pb2.CreateBookingRequest(
                        request_id=str(uuid.uuid4()),
                        customer_id=customer.id,
                        session_id=session.id,
                        quantity=1,
                        extras=[bookings_pb2.ExtraRequest(extra_id=i, quantity=1) for i in units.values()],
                        payment_plan=bookings_pb2.PaymentPlan(use_wallet=True),
                    )
                )
            ).booking

            async def stored() -> dict[str, str]:
                async with db.transaction() as conn:
                    rows = await conn.execute(
                        text("SELECT name, pricing_unit FROM bookings.booking_extras WHERE booking_id = :b"),
                        {"b": booking.id},
                    )
                    return {row[0]: row[1] for row in rows}

            # Written with the booking, as bought.
            assert await stored() == {"Mat": "PER_GUEST", "Towel": "PER_BOOKING", "Gone": "PER_HOUR"}

            config = alembic_config(migration_dirs()["bookings"], own_database, "bookings")
            await asyncio.to_thread(command.downgrade, config, "0016_rental_stretches")
            async with db.transaction() as conn:
                # Before the revision: the catalog's unit changed meanwhile, one extra unknown
                # to the catalog (archived ones are known: their unit is kept too).
                await conn.execute(
                    text(
                        "UPDATE catalog.extras SET pricing_unit = 'PER_NIGHT', archived_at = now()"
                        " WHERE id = :i"
                    ),
                    {"i": units["Mat"]},
                )
                await conn.execute(
                    text("UPDATE bookings.booking_extras SET extra_id = :other WHERE extra_id = :i"),
                    {"other": str(uuid.uuid4()), "i": units["Gone"]},
                )
            await asyncio.to_thread(command.upgrade, config, "heads")

            assert await stored() == {"Mat": "PER_NIGHT", "Towel": "PER_BOOKING", "Gone": "PER_BOOKING"}
            for value in ("NULL", "'PER_WEEK'"):
                with pytest.raises(IntegrityError):
                    async with db.transaction() as conn:
                        await conn.execute(
                            text(
                                f"UPDATE bookings.booking_extras SET pricing_unit = {value}"
                                " WHERE booking_id = :b"
                            ),
                            {"b": booking.id},
                        )
        finally:
            await db.close()
            await channel.close()
            await catalog_channel.close()
            await booking_service.stop(0.2)
            await catalog_service.stop(0.2)
