"""JSON shapes of the API (pydantic, so OpenAPI documents them) and proto -> JSON.

Money is {amount_minor, currency_code}; times are ISO-8601 UTC; enums are their short
names ("CONFIRMED", not "BOOKING_STATUS_CONFIRMED"); unset ids and times are null.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    computed_field,
    model_validator,
)

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from bookingplatform.passes.v1 import passes_pb2
from bookingplatform.wallet.v1 import wallet_pb2
from gateway.edge import EdgeDate, EdgeDateTime, WholeNumber
from plumbing import text
from plumbing.text import DESCRIPTION_PATTERN, NAME_PATTERN

INT32_MAX = 2**31 - 1
# Business bounds of request fields (the OpenAPI states them; gateway README explains them).
MAX_QUANTITY = 1000  # places, units of an extra
MAX_GUESTS = 1000
MAX_EXTRAS = 50
# Names and labels, descriptions: one pattern of each, shared with the services (plumbing.text
# says what each refuses). A person's name is a name.
PERSON_NAME_PATTERN = NAME_PATTERN
# An e-mail address: one plain addr-spec, nothing a To: header reads as something else (an
# encoded word, a quote, a list; plumbing.text). A guest's also needs a dot in its domain (a
# guest's booking is e-mailed there).
EMAIL_PATTERN = text.EMAIL_PATTERN
GUEST_EMAIL_PATTERN = text.DOTTED_EMAIL_PATTERN


def short_name(enum: Any, value: int, prefix: str) -> str:
    """BOOKING_STATUS_CONFIRMED -> CONFIRMED; an unknown number stays a number as text."""
    try:
        name: str = enum.Name(value)
    except ValueError:
        return str(value)
    return name.removeprefix(prefix)


def time_of(message: Message, field: str) -> datetime | None:
    if not message.HasField(field):
        return None
    stamp: Timestamp = getattr(message, field)
    return stamp.ToDatetime(tzinfo=UTC)


def or_none(value: str) -> str | None:
    return value or None


# ----- shared -----


class Money(BaseModel):
    amount_minor: int = Field(description="Amount in minor units (cents).", examples=[1250])
    currency_code: str = Field(description="ISO 4217 code.", examples=["EUR"])

    @classmethod
    def of(cls, money: money_pb2.Money) -> Money:
        return cls(amount_minor=money.amount_minor, currency_code=money.currency_code)


class FieldError(BaseModel):
    field: str
    message: str


class ProblemDetails(BaseModel):
    """RFC 9457 problem details, served as application/problem+json."""

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable UPPER_SNAKE error code.", examples=["SESSION_FULL"])
    instance: str | None = None
    errors: list[FieldError] | None = None


# ----- auth -----


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")


# ----- bookings -----


class ExtraIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    extra_id: uuid.UUID
    quantity: WholeNumber = Field(ge=1, le=MAX_QUANTITY)


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entitlement_id: uuid.UUID | None = None
    use_wallet: bool = False
    card_token: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        description="A card token from the card provider: registered with payments, never stored elsewhere.",
    )
    payment_method_id: uuid.UUID | None = Field(
        default=None, description="Instead of card_token: a payment method registered before."
    )
    pay_later: bool = Field(
        default=False,
        description=(
            "Wallet-only plans: when the wallet lacks funds, keep the place and bill later "
            "(the booking becomes PENDING_PAYMENT; pay it with POST /v1/bookings/{id}/settle)."
        ),
    )

    @model_validator(mode="after")
    def _one_card(self) -> PaymentIn:
        if self.card_token is not None and self.payment_method_id is not None:
            raise ValueError("give card_token or payment_method_id, not both")
        return self


class BookingTarget(BaseModel):
    """What is booked: a session (time slots), or a resource with dates (nightly stays) or
    times (interval rentals). The resource's booking model decides which rules apply."""

    model_config = ConfigDict(extra="forbid")
    session_id: uuid.UUID | None = Field(default=None, description="Time slots: the session.")
    resource_id: uuid.UUID | None = Field(default=None, description="Nightly stays and interval rentals.")
    quantity: WholeNumber = Field(default=1, ge=1, le=MAX_QUANTITY, description="Time slots: places.")
    unit_id: uuid.UUID | None = Field(
        default=None, description="Nightly: a specific unit (any free one if unset)."
    )
    check_in_date: EdgeDate | None = Field(default=None, description="Nightly: local check-in date.")
    check_out_date: EdgeDate | None = Field(default=None, description="Nightly: local check-out date.")
    start_time: EdgeDateTime | None = Field(default=None, description="Interval: start (with a UTC offset).")
    end_time: EdgeDateTime | None = Field(default=None, description="Interval: end (with a UTC offset).")
    guests: WholeNumber = Field(default=1, ge=1, le=MAX_GUESTS, description="Nightly: guests.")
    extras: list[ExtraIn] = Field(default_factory=list, max_length=MAX_EXTRAS)

    @model_validator(mode="after")
    def _one_target(self) -> BookingTarget:
        if (self.session_id is None) == (self.resource_id is None):
            raise ValueError("give session_id (time slots) or resource_id (nightly stays, interval rentals)")
        return self

    def fill(self, message: Any) -> None:
        """Sets the target fields shared by CreateBookingRequest and QuoteBookingRequest."""
        message.session_id = str(self.session_id) if self.session_id else ""
        message.resource_id = str(self.resource_id) if self.resource_id else ""
        message.quantity = self.quantity
        message.check_in_date = self.check_in_date.isoformat() if self.check_in_date else ""
        message.check_out_date = self.check_out_date.isoformat() if self.check_out_date else ""
        message.guests = self.guests
        if self.start_time is not None:
            message.start_time.FromDatetime(self.start_time.astimezone(UTC))
        if self.end_time is not None:
            message.end_time.FromDatetime(self.end_time.astimezone(UTC))
        message.extras.extend(
            bookings_pb2.ExtraRequest(extra_id=str(e.extra_id), quantity=e.quantity) for e in self.extras
        )


class CreateBookingBody(BookingTarget):
    payment: PaymentIn = Field(default_factory=PaymentIn)

    def to_proto(
        self, *, request_id: str, customer_id: str, payment_method_id: str = ""
    ) -> bookings_pb2.CreateBookingRequest:
        """`payment_method_id`: the card's payment method (the gateway registers a card_token first)."""
        message = bookings_pb2.CreateBookingRequest(
            request_id=request_id,
            customer_id=customer_id,
            unit_id=str(self.unit_id) if self.unit_id else "",
            payment_plan=bookings_pb2.PaymentPlan(
                entitlement_id=str(self.payment.entitlement_id) if self.payment.entitlement_id else "",
                use_wallet=self.payment.use_wallet,
                payment_method_id=payment_method_id,
                pay_later=self.payment.pay_later,
            ),
        )
        self.fill(message)
        return message


class QuoteBody(BookingTarget):
    def to_proto(self) -> bookings_pb2.QuoteBookingRequest:
        message = bookings_pb2.QuoteBookingRequest()
        self.fill(message)
        return message


class QuoteLineOut(BaseModel):
    description: str
    quantity: int
    amount: Money


class QuoteOut(BaseModel):
    lines: list[QuoteLineOut]
    total: Money
    start_time: datetime | None
    end_time: datetime | None

    @classmethod
    def of(cls, quote: bookings_pb2.Quote) -> QuoteOut:
        return cls(
            lines=[
                QuoteLineOut(
                    description=line.description, quantity=line.quantity, amount=Money.of(line.amount)
                )
                for line in quote.lines
            ],
            total=Money.of(quote.total),
            start_time=time_of(quote, "start_time"),
            end_time=time_of(quote, "end_time"),
        )


class DayOut(BaseModel):
    date: str
    capacity: int
    booked: int


class ResourceAvailabilityOut(BaseModel):
    resource_id: str
    days: list[DayOut]


class AvailabilityOut(BaseModel):
    resources: list[ResourceAvailabilityOut]


class SettleBookingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    card_token: str | None = Field(
        default=None, min_length=1, max_length=256, description="Card token to charge the amount due."
    )
    payment_method_id: uuid.UUID | None = Field(
        default=None, description="Instead of card_token: a payment method registered before."
    )

    @model_validator(mode="after")
    def _one_card(self) -> SettleBookingBody:
        if (self.card_token is None) == (self.payment_method_id is None):
            raise ValueError("give card_token or payment_method_id")
        return self


class ChangeBookingBody(BaseModel):
    """The new end of a booking: `end_time` (interval rentals) or `check_out_date` (nightly stays)."""

    model_config = ConfigDict(extra="forbid")
    end_time: EdgeDateTime | None = Field(default=None, description="Interval: the new end (UTC offset).")
    check_out_date: EdgeDate | None = Field(default=None, description="Nightly: the new local check-out.")

    @model_validator(mode="after")
    def _one_end(self) -> ChangeBookingBody:
        if (self.end_time is None) == (self.check_out_date is None):
            raise ValueError("give end_time (interval rentals) or check_out_date (nightly stays)")
        return self

    def to_proto(self, *, request_id: str, booking_id: str, customer_id: str) -> Any:
        message = bookings_pb2.ChangeBookingPeriodRequest(
            request_id=request_id,
            booking_id=booking_id,
            customer_id=customer_id,
            check_out_date=self.check_out_date.isoformat() if self.check_out_date else "",
        )
        if self.end_time is not None:
            message.end_time.FromDatetime(self.end_time.astimezone(UTC))
        return message


class BookingExtraOut(BaseModel):
    extra_id: str
    name: str
    quantity: int
    unit_price: Money


class PaymentPlanOut(BaseModel):
    entitlement_id: str | None
    use_wallet: bool
    use_card: bool = Field(description="True when a card token was given (the token is not echoed).")
    pay_later: bool


class RefundOut(BaseModel):
    """What a cancellation gives back, by the policy in force when it was asked for."""

    percent: int = Field(description="Percentage of the price refunded (0-100).", examples=[100])
    card: Money = Field(description="Refunded to the card.")
    wallet: Money = Field(description="Refunded to the wallet (main and bonus).")
    credits: int = Field(description="Pass credits given back.")
    status: str = Field(examples=["REQUESTED", "REFUNDED"])
    create_time: datetime | None


class CancellationPreviewOut(BaseModel):
    """What cancelling the booking now would give back: bookings' own answer, by the rule its
    cancellation uses (the refund steps the booking saved when it was made)."""

    percent: int = Field(description="Percentage refunded if cancelled now (0-100).", examples=[50])
    card: Money = Field(description="Back to the card.")
    wallet: Money = Field(description="Back to the wallet (main and bonus).")
    credits: int = Field(description="Pass credits given back (only with a full refund).")
    at_desk: Money = Field(description="To collect at the front desk (a booking paid there).")
    preview_time: datetime | None = Field(
        description="The moment this was computed for: a refund step may close right after it."
    )

    @classmethod
    def of(cls, p: bookings_pb2.PreviewCancellationResponse) -> CancellationPreviewOut:
        def money(amount: int) -> Money:
            return Money(amount_minor=amount, currency_code=p.currency_code)

        return cls(
            percent=p.percent,
            card=money(p.card_minor),
            wallet=money(p.wallet_minor),
            credits=p.credits,
            at_desk=money(p.desk_minor),
            preview_time=time_of(p, "preview_time"),
        )


class BookingOut(BaseModel):
    id: str
    company_id: str
    customer_id: str
    resource_id: str | None
    session_id: str | None
    booking_model: str = Field(examples=["TIME_SLOT"])
    quantity: int
    start_time: datetime | None
    end_time: datetime | None
    status: str = Field(
        examples=[
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
    )
    total_price: Money
    amount_due: Money | None = Field(description="Still to pay; set while PENDING_PAYMENT, else null.")
    extras: list[BookingExtraOut]
    payment_plan: PaymentPlanOut
    wallet_debited: Money
    bonus_debited: Money
    pass_covered: Money
    card_charged: Money
    payment_id: str | None
    reject_reason: str | None
    saga_id: str | None
    refund: RefundOut | None = Field(description="The refund of a cancellation, else null.")
    create_time: datetime | None
    update_time: datetime | None
    checked_in_time: datetime | None = Field(default=None, description="When the customer checked in.")
    check_in_deadline_time: datetime | None = Field(
        default=None,
        description="Check in by then (plus the resource's no-show grace) or the booking becomes NO_SHOW; "
        "null when no check-in is needed.",
    )

    @classmethod
    def of(cls, b: bookings_pb2.Booking) -> Self:
        currency = b.total_price.currency_code

        def money(amount: int) -> Money:
            return Money(amount_minor=amount, currency_code=currency)

        return cls(
            id=b.id,
            company_id=b.company_id,
            customer_id=b.customer_id,
            resource_id=or_none(b.resource_id),
            session_id=or_none(b.session_id),
            booking_model=short_name(catalog_pb2.BookingModel, b.booking_model, "BOOKING_MODEL_"),
            quantity=b.quantity,
            start_time=time_of(b, "start_time"),
            end_time=time_of(b, "end_time"),
            status=short_name(bookings_pb2.BookingStatus, b.status, "BOOKING_STATUS_"),
            total_price=Money.of(b.total_price),
            amount_due=(
                money(b.amount_due_minor) if b.status == bookings_pb2.BOOKING_STATUS_PENDING_PAYMENT else None
            ),
            extras=[
                BookingExtraOut(
                    extra_id=e.extra_id, name=e.name, quantity=e.quantity, unit_price=Money.of(e.unit_price)
                )
                for e in b.extras
            ],
            payment_plan=PaymentPlanOut(
                entitlement_id=or_none(b.payment_plan.entitlement_id),
                use_wallet=b.payment_plan.use_wallet,
                use_card=bool(b.payment_plan.payment_method_id),
                pay_later=b.payment_plan.pay_later,
            ),
            wallet_debited=money(b.wallet_debited_minor),
            bonus_debited=money(b.bonus_debited_minor),
            pass_covered=money(b.pass_covered_minor),
            card_charged=money(b.card_charged_minor),
            payment_id=or_none(b.payment_id),
            reject_reason=or_none(b.reject_reason),
            saga_id=or_none(b.saga_id),
            refund=(
                RefundOut(
                    percent=b.refund.percent,
                    card=money(b.refund.card_minor),
                    wallet=money(b.refund.wallet_minor),
                    credits=b.refund.credits,
                    status=short_name(bookings_pb2.RefundStatus, b.refund.status, "REFUND_STATUS_"),
                    create_time=time_of(b.refund, "create_time"),
                )
                if b.HasField("refund")
                else None
            ),
            create_time=time_of(b, "create_time"),
            update_time=time_of(b, "update_time"),
            checked_in_time=time_of(b, "checked_in_time"),
            check_in_deadline_time=time_of(b, "check_in_deadline_time"),
        )


class CustomerNextActionOut(BaseModel):
    """What the customer must do before the booking can go on: pass the card's 3-D Secure check."""

    type: Literal["AUTHENTICATE_CARD"] = Field(
        description="The card holder must pass the card's 3-D Secure check before the booking can confirm."
    )
    url: str = Field(
        description=(
            'POST `{"approve": true}` (or `false` to refuse) to it with your own access token: '
            "`/v1/bookings/{id}/authenticate`. No other token: nothing secret is in the answer or an address."
        )
    )
    payment_id: str = Field(description="The card payment waiting for the check.")
    expire_time: datetime | None = Field(
        description="Past it the check times out: the booking is REJECTED `AUTHENTICATION_TIMEOUT`, "
        "nothing charged."
    )


class CustomerBookingOut(BookingOut):
    """One of my bookings, with what I must do next for it."""

    next_action: CustomerNextActionOut | None = Field(
        default=None,
        description="Set while the booking's card payment awaits its 3-D Secure check; else null. "
        "On a new booking's first answer it is null (the card is asked a moment later): follow "
        "`GET /v1/bookings/{id}`.",
    )


class CardAuthenticationBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"approve": True}]})
    approve: StrictBool = Field(description="true: pass the 3-D Secure check; false: refuse it.")


class BookingList(BaseModel):
    bookings: list[BookingOut]
    next_page_token: str | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def has_more(self) -> bool:
        """True when there is a next page."""
        return self.next_page_token is not None


# ----- wallet and passes -----


class WalletOut(BaseModel):
    company_id: str
    customer_id: str
    main_balance: Money
    bonus_balance: Money

    @classmethod
    def of(cls, w: wallet_pb2.Wallet) -> WalletOut:
        return cls(
            company_id=w.company_id,
            customer_id=w.customer_id,
            main_balance=Money.of(w.main_balance),
            bonus_balance=Money.of(w.bonus_balance),
        )


class WalletEntryOut(BaseModel):
    transaction_id: str
    kind: str = Field(examples=["TOP_UP", "DEBIT", "REFUND"])
    balance_kind: str = Field(examples=["MAIN", "BONUS"])
    amount: Money = Field(description="Signed: negative when money left the wallet.")
    reference: str | None
    create_time: datetime | None

    @classmethod
    def of(cls, e: wallet_pb2.WalletEntry) -> WalletEntryOut:
        return cls(
            transaction_id=e.transaction_id,
            kind=short_name(wallet_pb2.EntryKind, e.kind, "ENTRY_KIND_"),
            balance_kind=short_name(wallet_pb2.BalanceKind, e.balance_kind, "BALANCE_KIND_"),
            amount=Money.of(e.amount),
            reference=or_none(e.reference),
            create_time=time_of(e, "create_time"),
        )


class WalletEntryList(BaseModel):
    entries: list[WalletEntryOut]
    next_page_token: str | None


class EntitlementOut(BaseModel):
    id: str
    company_id: str
    customer_id: str
    product_id: str
    credits_total: int
    credits_used: int
    credits_held: int
    credits_available: int = Field(description="credits_total - credits_used - credits_held")
    valid_from_time: datetime | None
    valid_until_time: datetime | None

    @classmethod
    def of(cls, e: passes_pb2.Entitlement) -> EntitlementOut:
        return cls(
            id=e.id,
            company_id=e.company_id,
            customer_id=e.customer_id,
            product_id=e.product_id,
            credits_total=e.credits_total,
            credits_used=e.credits_used,
            credits_held=e.credits_held,
            credits_available=e.credits_total - e.credits_used - e.credits_held,
            valid_from_time=time_of(e, "valid_from_time"),
            valid_until_time=time_of(e, "valid_until_time"),
        )


class EntitlementList(BaseModel):
    entitlements: list[EntitlementOut]


# ----- catalog -----


class SessionOut(BaseModel):
    id: str
    company_id: str
    resource_id: str
    start_time: datetime | None
    end_time: datetime | None
    capacity: int
    price: Money
    status: str = Field(examples=["OPEN", "CANCELLED"])
    places_left: int | None = Field(
        default=None,
        description="Places still free in an OPEN session (0: full); null where not told (cancelled).",
        examples=[3],
    )

    @classmethod
    def of(cls, s: catalog_pb2.Session, places: bookings_pb2.SessionPlaces | None = None) -> SessionOut:
        """`places`: what bookings holds in it (GetSessionPlaces); places left are told for an
        OPEN session only."""
        left = None
        if s.status == catalog_pb2.SESSION_STATUS_OPEN and places is not None:
            left = places_left(s.capacity, places)
        return cls(
            id=s.id,
            company_id=s.company_id,
            resource_id=s.resource_id,
            start_time=time_of(s, "start_time"),
            end_time=time_of(s, "end_time"),
            capacity=s.capacity,
            price=Money.of(s.price),
            status=short_name(catalog_pb2.SessionStatus, s.status, "SESSION_STATUS_"),
            places_left=left,
        )


def places_left(capacity: int, held: bookings_pb2.SessionPlaces | None) -> int:
    """A session's free places: the capacity its places are held against once anyone booked
    (else the catalog's `capacity`), less the places held (bookings' GetSessionPlaces)."""
    if held is None:
        return capacity
    return max(0, (held.capacity or capacity) - held.booked)


class SessionList(BaseModel):
    sessions: list[SessionOut]
    next_page_token: str | None


# ----- sagas -----


class SagaStateName(StrEnum):
    RUNNING = "RUNNING"
    FINALIZING = "FINALIZING"
    COMPLETED = "COMPLETED"
    COMPENSATING = "COMPENSATING"
    COMPENSATED = "COMPENSATED"
    AWAITING_PAYMENT = "AWAITING_PAYMENT"

    def to_proto(self) -> int:
        value: int = bookings_pb2.SagaState.Value("SAGA_STATE_" + self.value)
        return value


class SagaStepOut(BaseModel):
    step: str
    kind: str
    action: str
    attempt: int
    outcome: str
    message_id: str | None
    create_time: datetime | None
    amount_minor: int = Field(0, description="Replies: what the participant covered, in minor units.")
    bonus_minor: int = Field(0, description="Wallet replies: the bonus part of amount_minor.")
    reference: str | None = Field(None, description="Replies: the participant's record id.")

    @classmethod
    def of(cls, s: bookings_pb2.SagaStep) -> SagaStepOut:
        return cls(
            step=s.step,
            kind=s.kind,
            action=s.action,
            attempt=s.attempt,
            outcome=s.outcome,
            message_id=or_none(s.message_id),
            create_time=time_of(s, "create_time"),
            amount_minor=s.amount_minor,
            bonus_minor=s.bonus_minor,
            reference=or_none(s.reference),
        )


class SagaOut(BaseModel):
    id: str
    booking_id: str
    company_id: str | None
    kind: str = Field(examples=["booking", "cancellation"])
    state: str = Field(examples=["RUNNING", "COMPLETED", "AWAITING_PAYMENT"])
    current_step: str | None
    attempt: int
    needs_attention: bool = Field(
        description="A step after the pivot keeps failing: an operator should look."
    )
    reason: str | None = Field(
        description="Why the saga compensated (reason code), or the operator's last note.",
        examples=["CARD_DECLINED", "FORCED_BY_OPERATOR"],
    )
    deadline_time: datetime | None
    create_time: datetime | None
    update_time: datetime | None
    steps: list[SagaStepOut] = Field(description="The step log, oldest first (empty in lists).")
    trace_id: str | None = Field(
        default=None,
        description="The OpenTelemetry trace of the request that started the saga (32 hex digits).",
        examples=["4bf92f3577b34da6a3ce929d0e0e4736"],
    )

    @classmethod
    def of(cls, s: bookings_pb2.Saga) -> SagaOut:
        return cls(
            id=s.id,
            booking_id=s.booking_id,
            company_id=or_none(s.company_id),
            kind=s.kind,
            state=short_name(bookings_pb2.SagaState, s.state, "SAGA_STATE_"),
            current_step=or_none(s.current_step),
            attempt=s.attempt,
            needs_attention=s.needs_attention,
            reason=or_none(s.reason),
            deadline_time=time_of(s, "deadline_time"),
            create_time=time_of(s, "create_time"),
            update_time=time_of(s, "update_time"),
            steps=[SagaStepOut.of(step) for step in s.steps],
            trace_id=or_none(s.trace_id),
        )


class SagaList(BaseModel):
    sagas: list[SagaOut]
    next_page_token: str | None


MAX_REASON_LENGTH = 500

Reason = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=MAX_REASON_LENGTH, pattern=DESCRIPTION_PATTERN
    ),
]


class OperatorActionBody(BaseModel):
    """An operator's action on a saga: the reason goes to the saga's step log."""

    model_config = ConfigDict(extra="forbid")
    reason: Reason = Field(description="Why (required, not blank); recorded in the step log.")


class HealthOut(BaseModel):
    status: str
    checks: dict[str, str] = Field(default_factory=dict)
