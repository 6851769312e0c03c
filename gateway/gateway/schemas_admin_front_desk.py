"""Schemas of the front desk's back-office routes (`routes/admin_customers.py`,
`routes/admin_bookings.py`) and the booking filters they share with the customer's list."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import Query
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from bookingplatform.passes.v1 import passes_pb2
from bookingplatform.wallet.v1 import wallet_pb2
from gateway.edge import EdgeDate, EdgeDateTime, WholeNumber
from gateway.problems import Problem
from gateway.schemas import (
    EMAIL_PATTERN,
    PERSON_NAME_PATTERN,
    BookingOut,
    EntitlementOut,
    Money,
    WalletEntryOut,
    WalletOut,
)
from plumbing.money import MAX_AMOUNT_MINOR
from plumbing.text import DESCRIPTION_PATTERN

# ----- booking filters (also GET /v1/bookings) -----

BookingStatusName = Literal[
    "PENDING",
    "PENDING_PAYMENT",
    "CONFIRMED",
    "REJECTED",
    "CANCELLING",
    "CANCELLED",
    "CHECKED_IN",
    "COMPLETED",
    "NO_SHOW",
]
StatusFilter = Annotated[
    list[BookingStatusName] | None,
    Query(alias="status", max_length=9, description="Only these statuses (repeat the parameter)."),
]
FromFilter = Annotated[
    EdgeDateTime | None, Query(alias="from", description="Only bookings whose time ends after this instant.")
]
ToFilter = Annotated[
    EdgeDateTime | None, Query(alias="to", description="Only bookings whose time begins before this instant.")
]


def _ts(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def filtered(
    request: bookings_pb2.ListBookingsRequest,
    statuses: list[BookingStatusName] | None,
    since: datetime | None,
    until: datetime | None,
) -> bookings_pb2.ListBookingsRequest:
    """`request` narrowed by status and period; a period that ends before it begins is a 400."""
    if since is not None and until is not None and since >= until:
        raise Problem(400, "INVALID_TIME_RANGE", "`from` must be before `to`.")
    for status in sorted(set(statuses or ())):
        request.statuses.append(bookings_pb2.BookingStatus.Value(f"BOOKING_STATUS_{status}"))
    if since is not None:
        request.start_time.CopyFrom(_ts(since))
    if until is not None:
        request.end_time.CopyFrom(_ts(until))
    return request


# ----- customers -----


class CustomerOut(BaseModel):
    id: str
    company_id: str
    display_name: str
    email: str | None
    phone: str | None
    guest: bool
    create_time: datetime | None
    etag: str = Field(description="Send it back in If-Match to change the customer.")

    @classmethod
    def of(cls, c: catalog_pb2.Customer) -> CustomerOut:
        return cls(
            id=c.id,
            company_id=c.company_id,
            display_name=c.display_name,
            email=c.email or None,
            phone=c.phone or None,
            guest=c.guest,
            create_time=c.create_time.ToDatetime(tzinfo=UTC) if c.HasField("create_time") else None,
            etag=str(c.version),
        )


class CustomerList(BaseModel):
    customers: list[CustomerOut]
    next_page_token: str | None
    has_more: bool


class CreateCustomerBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    company_id: uuid.UUID | None = Field(default=None, description="Platform admins: the company.")
    display_name: str = Field(
        min_length=1, max_length=200, pattern=PERSON_NAME_PATTERN, examples=["Ada Lovelace"]
    )
    email: str = Field(min_length=3, max_length=320, pattern=EMAIL_PATTERN, examples=["ada@example.com"])


class UpdateCustomerBody(BaseModel):
    """Only the fields given change."""

    model_config = ConfigDict(extra="forbid")
    display_name: str | None = Field(default=None, min_length=1, max_length=200, pattern=PERSON_NAME_PATTERN)
    email: str | None = Field(default=None, min_length=3, max_length=320, pattern=EMAIL_PATTERN)
    phone: str | None = Field(default=None, max_length=40, description="Empty to remove it.")

    @model_validator(mode="after")
    def _something(self) -> UpdateCustomerBody:
        if self.display_name is None and self.email is None and self.phone is None:
            raise ValueError("give display_name, email or phone")
        return self

    def proto(self, customer_id: str, version: int) -> catalog_pb2.UpdateCustomerRequest:
        given = {"display_name": self.display_name, "email": self.email, "phone": self.phone}
        request = catalog_pb2.UpdateCustomerRequest(
            customer=catalog_pb2.Customer(
                id=customer_id,
                display_name=self.display_name or "",
                email=self.email or "",
                phone=self.phone or "",
            ),
            expected_version=version,
        )
        request.update_mask.paths.extend(name for name, value in given.items() if value is not None)
        return request


# ----- wallet -----

BalanceName = Literal["MAIN", "BONUS"]
_BALANCES = {"MAIN": wallet_pb2.BALANCE_KIND_MAIN, "BONUS": wallet_pb2.BALANCE_KIND_BONUS}


class AmountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # The wallet's own bound (plumbing.money), so the published schema says what is refused.
    amount_minor: WholeNumber = Field(ge=1, le=MAX_AMOUNT_MINOR, examples=[5000])
    currency_code: str = Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])

    def proto(self) -> money_pb2.Money:
        return money_pb2.Money(amount_minor=self.amount_minor, currency_code=self.currency_code)


class WalletChangeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: AmountIn
    balance: BalanceName = Field(default="MAIN", description="MAIN or BONUS.")
    reason: str = Field(
        min_length=1,
        max_length=500,
        pattern=DESCRIPTION_PATTERN,
        examples=["Paid 50 EUR in cash at the desk"],
    )

    @property
    def balance_kind(self) -> wallet_pb2.BalanceKind.ValueType:
        return _BALANCES[self.balance]


class StaffWalletEntryOut(WalletEntryOut):
    reason: str | None = Field(description="Why, as staff wrote it.")
    actor_user_id: str | None = Field(description="The staff member who made the change.")

    @classmethod
    def of(cls, e: wallet_pb2.WalletEntry) -> StaffWalletEntryOut:
        return cls(
            **WalletEntryOut.of(e).model_dump(),
            reason=e.reason or None,
            actor_user_id=e.actor_user_id or None,
        )


class CustomerWallet(BaseModel):
    wallet: WalletOut
    entries: list[StaffWalletEntryOut] = Field(description="The ledger, newest first.")
    next_page_token: str | None
    has_more: bool


# ----- passes -----

SaleName = Literal["GRANT", "CASH", "EXTERNAL"]
_SALES = {
    "GRANT": passes_pb2.PASS_SALE_GRANT,
    "CASH": passes_pb2.PASS_SALE_CASH,
    "EXTERNAL": passes_pb2.PASS_SALE_EXTERNAL,
}


class IssuePassBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: uuid.UUID
    sale: SaleName = Field(
        description="GRANT: free. CASH or EXTERNAL: sold at the desk for the product's price, paid outside "
        "the platform (no card, no wallet)."
    )

    @property
    def sale_kind(self) -> passes_pb2.PassSale.ValueType:
        return _SALES[self.sale]


class StaffPassOut(EntitlementOut):
    sale: str | None = Field(examples=["GRANT", "CASH", "EXTERNAL"])
    paid: Money | None = Field(description="Paid at the desk; null for a grant.")
    issued_by_user_id: str | None

    @classmethod
    def of(cls, e: passes_pb2.Entitlement) -> StaffPassOut:
        return cls(
            **EntitlementOut.of(e).model_dump(),
            sale=passes_pb2.PassSale.Name(e.sale).removeprefix("PASS_SALE_") if e.sale else None,
            paid=Money.of(e.paid) if e.HasField("paid") else None,
            issued_by_user_id=e.issued_by_user_id or None,
        )


class CustomerPasses(BaseModel):
    passes: list[StaffPassOut]


# ----- bookings -----

DeskName = Literal["CASH", "EXTERNAL"]
_DESK = {"CASH": bookings_pb2.DESK_PAYMENT_CASH, "EXTERNAL": bookings_pb2.DESK_PAYMENT_EXTERNAL}


class StaffPaymentIn(BaseModel):
    """Paid at the desk (cash or external, the whole price), or from the customer's wallet and
    pass. No card at the desk."""

    model_config = ConfigDict(extra="forbid")
    desk: DeskName | None = Field(default=None, description="CASH or EXTERNAL: paid in full at the desk.")
    use_wallet: bool = False
    entitlement_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _one_way(self) -> StaffPaymentIn:
        if self.desk is not None and (self.use_wallet or self.entitlement_id is not None):
            raise ValueError("a desk payment pays the whole booking: no wallet or pass with it")
        if self.desk is None and not self.use_wallet and self.entitlement_id is None:
            raise ValueError("give desk, use_wallet or entitlement_id")
        return self

    def proto(self) -> bookings_pb2.PaymentPlan:
        return bookings_pb2.PaymentPlan(
            desk_payment=_DESK[self.desk] if self.desk else bookings_pb2.DESK_PAYMENT_UNSPECIFIED,
            use_wallet=self.use_wallet,
            entitlement_id=str(self.entitlement_id) if self.entitlement_id else "",
        )


class StaffBookingBody(BaseModel):
    """A booking on a customer's behalf: a session (time slots), or a resource with dates
    (nightly stays) or times (interval rentals)."""

    model_config = ConfigDict(extra="forbid")
    customer_id: uuid.UUID
    session_id: uuid.UUID | None = None
    resource_id: uuid.UUID | None = None
    quantity: WholeNumber = Field(default=1, ge=1, le=1000)
    unit_id: uuid.UUID | None = None
    check_in_date: EdgeDate | None = None
    check_out_date: EdgeDate | None = None
    start_time: EdgeDateTime | None = None
    end_time: EdgeDateTime | None = None
    guests: WholeNumber = Field(default=1, ge=1, le=1000)
    payment: StaffPaymentIn

    @model_validator(mode="after")
    def _target(self) -> StaffBookingBody:
        if (self.session_id is None) == (self.resource_id is None):
            raise ValueError("give exactly one of session_id and resource_id")
        return self

    def proto(self, request_id: str) -> bookings_pb2.CreateBookingRequest:
        request = bookings_pb2.CreateBookingRequest(
            request_id=request_id,
            customer_id=str(self.customer_id),
            session_id=str(self.session_id) if self.session_id else "",
            resource_id=str(self.resource_id) if self.resource_id else "",
            quantity=self.quantity,
            unit_id=str(self.unit_id) if self.unit_id else "",
            check_in_date=self.check_in_date.isoformat() if self.check_in_date else "",
            check_out_date=self.check_out_date.isoformat() if self.check_out_date else "",
            guests=self.guests,
            payment_plan=self.payment.proto(),
        )
        if self.start_time is not None:
            request.start_time.CopyFrom(_ts(self.start_time))
        if self.end_time is not None:
            request.end_time.CopyFrom(_ts(self.end_time))
        return request


class ReasonBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(
        min_length=1, max_length=500, pattern=DESCRIPTION_PATTERN, examples=["Instructor is ill"]
    )


class NoShowBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    no_show: bool = Field(
        description="true: the customer did not come (a started CONFIRMED booking becomes NO_SHOW); "
        "false: they came after all (a NO_SHOW becomes CHECKED_IN)."
    )
    reason: str = Field(
        min_length=1, max_length=500, pattern=DESCRIPTION_PATTERN, examples=["Arrived late, seen at the door"]
    )


class StaffBookingOut(BookingOut):
    desk_payment: DeskName | None = Field(description="Paid in full at the desk: CASH or EXTERNAL.")
    desk_paid: Money = Field(description="Paid at the desk (never wallet or card money).")
    refund_at_desk: Money | None = Field(description="To give back at the desk after a cancellation.")
    booked_by_user_id: str | None = Field(description="The staff member who booked on the customer's behalf.")
    no_show_override_reason: str | None
    cancel_reason: str | None = Field(description="Why the company cancelled.")

    @classmethod
    def of(cls, b: bookings_pb2.Booking) -> StaffBookingOut:
        currency = b.total_price.currency_code
        desk = b.payment_plan.desk_payment
        return cls(
            **BookingOut.of(b).model_dump(),
            desk_payment="CASH"
            if desk == bookings_pb2.DESK_PAYMENT_CASH
            else "EXTERNAL"
            if desk == bookings_pb2.DESK_PAYMENT_EXTERNAL
            else None,
            desk_paid=Money(amount_minor=b.desk_paid_minor, currency_code=currency),
            refund_at_desk=Money(amount_minor=b.refund.desk_minor, currency_code=currency)
            if b.HasField("refund")
            else None,
            booked_by_user_id=b.booked_by_user_id or None,
            no_show_override_reason=b.no_show_override_reason or None,
            cancel_reason=b.cancel_reason or None,
        )


class StaffBookingList(BaseModel):
    bookings: list[StaffBookingOut]
    next_page_token: str | None
    has_more: bool
