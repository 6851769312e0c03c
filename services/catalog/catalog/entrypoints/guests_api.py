"""GuestCustomerService servicer: proto -> command -> service -> proto. Translation only."""

from __future__ import annotations

import grpc

from bookingplatform.catalog.v1 import guest_customers_pb2 as pb
from bookingplatform.catalog.v1 import guest_customers_pb2_grpc
from catalog.entrypoints import protos
from catalog.service import guests
from catalog.service.tenancy import guard as tenancy_guard
from plumbing.db import Database


class GuestCustomersApi(guest_customers_pb2_grpc.GuestCustomerServiceServicer):
    def __init__(self, db: Database) -> None:
        self.db = db

    async def EnsureGuestCustomer(
        self, request: pb.EnsureGuestCustomerRequest, context: grpc.aio.ServicerContext
    ) -> pb.EnsureGuestCustomerResponse:
        details = guests.GuestDetails.parse(
            company_id=request.company_id,
            email=request.email,
            display_name=request.display_name,
            name_required=True,
        )
        ensured = await guests.ensure_guest_customer(self.db, details)
        return pb.EnsureGuestCustomerResponse(
            customer=protos.customer(ensured.customer), created=ensured.created
        )

    async def ConvertGuestCustomer(
        self, request: pb.ConvertGuestCustomerRequest, context: grpc.aio.ServicerContext
    ) -> pb.ConvertGuestCustomerResponse:
        details = guests.GuestDetails.parse(
            company_id=request.company_id,
            email=request.email,
            display_name=request.display_name,
            name_required=False,
        )
        customer = await guests.convert_guest_customer(self.db, details)
        return pb.ConvertGuestCustomerResponse(customer=protos.customer(customer))


# The same table-driven check as CatalogApi's, before each handler (its own checks stay).
tenancy_guard(GuestCustomersApi, pb.DESCRIPTOR.services_by_name["GuestCustomerService"])
