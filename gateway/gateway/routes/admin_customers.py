"""Back office, front desk: a company's customers (`/v1/admin/customers`): search, create,
update at the version read, their bookings, their wallet (credits and debits with a reason,
the ledger with who and why) and their passes (sold at the desk or granted).

Who: staff, company admins of the customer's company, platform admins. Another company's
customer is 404 CUSTOMER_NOT_FOUND (the services refuse it again with the caller's principal).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.passes.v1 import passes_pb2
from bookingplatform.wallet.v1 import wallet_pb2
from gateway.auth import Principal, Staff
from gateway.deps import clients_of, rpc
from gateway.problems import Problem
from gateway.routes.common import (
    Idempotent,
    Once,
    PageSize,
    PageToken,
    caller_request_id,
    changed_at_version,
    company_of,
    if_match_version,
    problems,
    wallet_in_company_currency,
    with_etag,
)
from gateway.schemas import WalletOut
from gateway.schemas_admin_front_desk import (
    CreateCustomerBody,
    CustomerList,
    CustomerOut,
    CustomerPasses,
    CustomerWallet,
    FromFilter,
    IssuePassBody,
    StaffBookingList,
    StaffBookingOut,
    StaffPassOut,
    StaffWalletEntryOut,
    StatusFilter,
    ToFilter,
    UpdateCustomerBody,
    WalletChangeBody,
    filtered,
)
from plumbing.principal import Role

router = APIRouter(tags=["admin"])


async def customer_in_reach(
    request: Request, principal: Principal, customer_id: uuid.UUID
) -> catalog_pb2.Customer:
    """The customer when the principal may act for its company; else 404 CUSTOMER_NOT_FOUND."""
    reply = await rpc(
        "catalog",
        clients_of(request).catalog.GetCustomer(catalog_pb2.GetCustomerRequest(customer_id=str(customer_id))),
    )
    if principal.role is not Role.PLATFORM_ADMIN and principal.company_id != reply.customer.company_id:
        raise Problem(404, "CUSTOMER_NOT_FOUND", "No such customer.")
    return reply.customer


def _if_match(value: str | None) -> int:
    return if_match_version(value, "customer")


@router.get(
    "/v1/admin/customers",
    operation_id="listCustomers",
    response_model=CustomerList,
    responses=problems(400, 401, 403, 404, 503),
)
async def list_customers(
    request: Request,
    principal: Staff,
    q: Annotated[
        str | None, Query(max_length=200, description="Case-insensitive prefix of the name or the e-mail.")
    ] = None,
    company_id: Annotated[uuid.UUID | None, Query(description="Platform admins: the company.")] = None,
    page_size: PageSize = 50,
    page_token: PageToken = None,
) -> CustomerList:
    """A company's customers by name; `q` finds those whose name or e-mail starts with it."""
    reply = await rpc(
        "catalog",
        clients_of(request).catalog.ListCustomers(
            catalog_pb2.ListCustomersRequest(
                company_id=company_of(principal, company_id),
                query=q or "",
                page_size=page_size,
                page_token=page_token or "",
            )
        ),
    )
    return CustomerList(
        customers=[CustomerOut.of(c) for c in reply.customers],
        next_page_token=reply.next_page_token or None,
        has_more=reply.has_more,
    )


@router.post(
    "/v1/admin/customers",
    operation_id="createCustomer",
    status_code=201,
    response_model=CustomerOut,
    responses=problems(400, 401, 403, 404, 409, 422, 428, 503),
)
async def create_customer(
    request: Request, body: CreateCustomerBody, principal: Staff, once: Once
) -> Response:
    """Creates a customer of the company (409 CUSTOMER_EMAIL_TAKEN when the e-mail is in use).
    Requires an `Idempotency-Key`."""
    company = company_of(principal, body.company_id)

    async def call(key: str) -> Response:
        reply = await rpc(
            "catalog",
            clients_of(request).catalog.CreateCustomer(
                catalog_pb2.CreateCustomerRequest(
                    request_id=caller_request_id("customer", principal, key),
                    company_id=company,
                    display_name=body.display_name,
                    email=body.email,
                )
            ),
        )
        out = CustomerOut.of(reply.customer)
        return with_etag(out, out.etag, 201)

    return await once.run(principal, call, path="/v1/admin/customers", body=body)


@router.get(
    "/v1/admin/customers/{customer_id}",
    operation_id="getCustomer",
    response_model=CustomerOut,
    responses=problems(400, 401, 403, 404, 503),
)
async def get_customer(request: Request, customer_id: uuid.UUID, principal: Staff) -> Response:
    """One customer; its `ETag` header is the version to send back in `If-Match`."""
    out = CustomerOut.of(await customer_in_reach(request, principal, customer_id))
    return with_etag(out, out.etag)


@router.patch(
    "/v1/admin/customers/{customer_id}",
    operation_id="updateCustomer",
    response_model=CustomerOut,
    responses=problems(400, 401, 403, 404, 409, 412, 422, 428, 503),
)
async def update_customer(
    request: Request,
    customer_id: uuid.UUID,
    body: UpdateCustomerBody,
    principal: Staff,
    once: Once,
    if_match: Annotated[str | None, Header(alias="If-Match", description="The ETag read.")] = None,
) -> Response:
    """Changes the fields given, only at the version read (`If-Match`): 412
    PRECONDITION_FAILED when someone changed it since, 428 without If-Match. Requires an
    `Idempotency-Key`."""
    version = _if_match(if_match)
    await customer_in_reach(request, principal, customer_id)

    async def call(key: str) -> Response:
        reply = await changed_at_version(
            "catalog",
            clients_of(request).catalog.UpdateCustomer(body.proto(str(customer_id), version)),
            "customer",
            stale_code="VERSION_MISMATCH",
        )
        out = CustomerOut.of(reply.customer)
        return with_etag(out, out.etag)

    return await once.run(principal, call, path=f"/v1/admin/customers/{customer_id}", body=body)


@router.get(
    "/v1/admin/customers/{customer_id}/bookings",
    operation_id="listCustomerBookings",
    response_model=StaffBookingList,
    responses=problems(400, 401, 403, 404, 503),
)
async def list_customer_bookings(
    request: Request,
    customer_id: uuid.UUID,
    principal: Staff,
    status: StatusFilter = None,
    since: FromFilter = None,
    until: ToFilter = None,
    page_size: PageSize = 50,
    page_token: PageToken = None,
) -> StaffBookingList:
    """The customer's bookings, newest first, by status and period."""
    await customer_in_reach(request, principal, customer_id)
    query = filtered(
        bookings_pb2.ListBookingsRequest(
            customer_id=str(customer_id), page_size=page_size, page_token=page_token or ""
        ),
        status,
        since,
        until,
    )
    reply = await rpc("bookings", clients_of(request).bookings.ListBookings(query))
    return StaffBookingList(
        bookings=[StaffBookingOut.of(b) for b in reply.bookings],
        next_page_token=reply.next_page_token or None,
        has_more=reply.has_more,
    )


@router.get(
    "/v1/admin/customers/{customer_id}/wallet",
    operation_id="getCustomerWallet",
    response_model=CustomerWallet,
    responses=problems(400, 401, 403, 404, 503),
)
async def get_customer_wallet(
    request: Request,
    customer_id: uuid.UUID,
    principal: Staff,
    page_size: PageSize = 50,
    page_token: PageToken = None,
) -> CustomerWallet:
    """The customer's balances and ledger (newest first), with who changed it and why."""
    customer = await customer_in_reach(request, principal, customer_id)
    wallet = clients_of(request).wallet
    balances = await wallet_in_company_currency(request, customer.company_id, customer.id)
    entries = await rpc(
        "wallet",
        wallet.ListWalletEntries(
            wallet_pb2.ListWalletEntriesRequest(
                company_id=customer.company_id,
                customer_id=customer.id,
                page_size=page_size,
                page_token=page_token or "",
            )
        ),
    )
    return CustomerWallet(
        wallet=WalletOut.of(balances),
        entries=[StaffWalletEntryOut.of(e) for e in entries.entries],
        next_page_token=entries.next_page_token or None,
        has_more=bool(entries.next_page_token),
    )


async def _change_wallet(
    request: Request,
    customer_id: uuid.UUID,
    body: WalletChangeBody,
    principal: Principal,
    once: Idempotent,
    kind: str,
) -> Response:
    customer = await customer_in_reach(request, principal, customer_id)
    wallet = clients_of(request).wallet

    async def call(key: str) -> Response:
        if kind == "credits":
            reply = await rpc(
                "wallet",
                wallet.TopUpWallet(
                    wallet_pb2.TopUpWalletRequest(
                        request_id=caller_request_id("credit", principal, key),
                        company_id=customer.company_id,
                        customer_id=customer.id,
                        amount=body.amount.proto(),
                        balance_kind=body.balance_kind,
                        reason=body.reason,
                    )
                ),
            )
            changed = reply.wallet
        else:
            debit = await rpc(
                "wallet",
                wallet.DebitWallet(
                    wallet_pb2.DebitWalletRequest(
                        request_id=caller_request_id("debit", principal, key),
                        company_id=customer.company_id,
                        customer_id=customer.id,
                        amount=body.amount.proto(),
                        balance_kind=body.balance_kind,
                        reason=body.reason,
                    )
                ),
            )
            changed = debit.wallet
        return JSONResponse(WalletOut.of(changed).model_dump(mode="json"), status_code=201)

    return await once.run(principal, call, path=f"/v1/admin/customers/{customer_id}/wallet/{kind}", body=body)


@router.post(
    "/v1/admin/customers/{customer_id}/wallet/credits",
    operation_id="creditCustomerWallet",
    status_code=201,
    response_model=WalletOut,
    responses=problems(400, 401, 403, 404, 409, 422, 428, 503),
)
async def credit_customer_wallet(
    request: Request, customer_id: uuid.UUID, body: WalletChangeBody, principal: Staff, once: Once
) -> Response:
    """Adds money to the main or bonus balance, with a reason kept in the ledger beside the
    staff member. Requires an `Idempotency-Key`."""
    return await _change_wallet(request, customer_id, body, principal, once, "credits")


@router.post(
    "/v1/admin/customers/{customer_id}/wallet/debits",
    operation_id="debitCustomerWallet",
    status_code=201,
    response_model=WalletOut,
    responses=problems(400, 401, 403, 404, 409, 422, 428, 503),
)
async def debit_customer_wallet(
    request: Request, customer_id: uuid.UUID, body: WalletChangeBody, principal: Staff, once: Once
) -> Response:
    """Takes money out of one balance, with a reason; 409 INSUFFICIENT_FUNDS when the balance
    is smaller (nothing taken). Requires an `Idempotency-Key`."""
    return await _change_wallet(request, customer_id, body, principal, once, "debits")


@router.get(
    "/v1/admin/customers/{customer_id}/passes",
    operation_id="listCustomerPasses",
    response_model=CustomerPasses,
    responses=problems(400, 401, 403, 404, 503),
)
async def list_customer_passes(request: Request, customer_id: uuid.UUID, principal: Staff) -> CustomerPasses:
    """The customer's passes with their credits, and how each was handed over."""
    customer = await customer_in_reach(request, principal, customer_id)
    reply = await rpc(
        "passes",
        clients_of(request).passes.ListEntitlements(
            passes_pb2.ListEntitlementsRequest(company_id=customer.company_id, customer_id=customer.id)
        ),
    )
    return CustomerPasses(passes=[StaffPassOut.of(e) for e in reply.entitlements])


@router.post(
    "/v1/admin/customers/{customer_id}/passes",
    operation_id="issueCustomerPass",
    status_code=201,
    response_model=StaffPassOut,
    responses=problems(400, 401, 403, 404, 409, 422, 428, 503),
)
async def issue_customer_pass(
    request: Request, customer_id: uuid.UUID, body: IssuePassBody, principal: Staff, once: Once
) -> Response:
    """Sells a pass at the desk (CASH or EXTERNAL: the product's price is recorded as paid,
    nothing moves in the wallet or on a card) or grants it free (GRANT). Requires an
    `Idempotency-Key`."""
    customer = await customer_in_reach(request, principal, customer_id)

    async def call(key: str) -> Response:
        reply = await rpc(
            "passes",
            clients_of(request).passes.GrantPass(
                passes_pb2.GrantPassRequest(
                    request_id=caller_request_id("pass", principal, key),
                    product_id=str(body.product_id),
                    customer_id=customer.id,
                    sale=body.sale_kind,
                )
            ),
        )
        return JSONResponse(StaffPassOut.of(reply.entitlement).model_dump(mode="json"), status_code=201)

    return await once.run(principal, call, path=f"/v1/admin/customers/{customer_id}/passes", body=body)
