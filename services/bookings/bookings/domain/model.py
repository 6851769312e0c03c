"""Bookings: what was bought, for how much, and where it is in its life."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from bookings.domain.policy import refund_by_percent, refund_percent_by_windows
from plumbing import money
from plumbing.errors import FailedPrecondition, InvalidArgument


class BookingStatus(enum.StrEnum):
    PENDING = "PENDING"
    PENDING_PAYMENT = "PENDING_PAYMENT"
    CONFIRMED = "CONFIRMED"
    REJECTED = "REJECTED"
    CANCELLING = "CANCELLING"
    CANCELLED = "CANCELLED"
    CHECKED_IN = "CHECKED_IN"
    COMPLETED = "COMPLETED"
    NO_SHOW = "NO_SHOW"


class DeskPayment(enum.StrEnum):
    """Money taken at the front desk, outside the platform."""

    CASH = "CASH"
    EXTERNAL = "EXTERNAL"


class BookingModel(enum.StrEnum):
    TIME_SLOT = "TIME_SLOT"
    NIGHTLY = "NIGHTLY"
    INTERVAL = "INTERVAL"


@dataclass(frozen=True)
class PaymentPlan:
    """Sources in the order the saga uses them: pass, wallet, card."""

    entitlement_id: str = ""
    use_wallet: bool = False
    # The card, as a payment method registered with payments: bookings never sees a card token.
    payment_method_id: str = ""
    # Keep the place and bill later when the wallet lacks funds (wallet-only plans).
    pay_later: bool = False
    # Paid in full at the front desk (staff only): nothing for the saga to collect.
    desk_payment: DeskPayment | None = None

    @property
    def has_money_source(self) -> bool:
        return self.use_wallet or bool(self.payment_method_id) or self.desk_payment is not None


# How an extra is priced (catalog's PricingUnit), kept on each extra a booking bought.
PRICING_UNITS = ("PER_BOOKING", "PER_NIGHT", "PER_GUEST", "PER_HOUR", "PER_GUEST_NIGHT")


@dataclass(frozen=True)
class ExtraLine:
    """An extra as bought: its price and pricing unit are a snapshot, later catalog changes do
    not touch them (a change of the booking's period scales it by the unit it was bought with)."""

    extra_id: str
    name: str
    quantity: int
    unit_price_minor: int
    # PER_BOOKING, PER_NIGHT, PER_GUEST, PER_HOUR or PER_GUEST_NIGHT (`booking_extras.pricing_unit`).
    pricing_unit: str

    @property
    def total_minor(self) -> int:
        return self.quantity * self.unit_price_minor


@dataclass(frozen=True)
class SessionOffer:
    """What the catalog says about a session at booking time."""

    session_id: str
    company_id: str
    resource_id: str
    start_time: datetime
    end_time: datetime
    capacity: int
    price_minor: int
    currency: str
    is_open: bool
    max_places_per_booking: int
    free_cancellation_minutes: int
    lead_time_minutes: int
    cancellation_windows: tuple[tuple[int, int], ...] = ()
    check_in_deadline_minutes: int = 0
    no_show_grace_minutes: int = 0
    max_active_bookings_per_customer: int = 0
    # The catalog's back office: a suspended company and an archived resource sell nothing new.
    company_suspended: bool = False
    resource_archived: bool = False


def check_on_sale(company_suspended: bool, resource_archived: bool) -> None:
    """New bookings (and quotes) only of an active company's resources that are not archived;
    bookings made before keep running (cancel, check-in, refunds)."""
    if company_suspended:
        raise FailedPrecondition("COMPANY_SUSPENDED", "the company is suspended and takes no bookings")
    if resource_archived:
        raise FailedPrecondition("RESOURCE_ARCHIVED", "the resource is archived and takes no new bookings")


@dataclass(frozen=True)
class Quote:
    base_minor: int
    extras: tuple[ExtraLine, ...]
    currency: str

    @property
    def total_minor(self) -> int:
        return self.base_minor + sum(line.total_minor for line in self.extras)


def quote_time_slot(offer: SessionOffer, quantity: int, extras: tuple[ExtraLine, ...]) -> Quote:
    """The price of `quantity` places plus extras, in the session's currency."""
    return Quote(base_minor=offer.price_minor * quantity, extras=extras, currency=offer.currency)


def check_bookable(offer: SessionOffer, quantity: int, now: datetime) -> None:
    """The session's own rules; capacity is judged later by the database."""
    if quantity < 1:
        raise InvalidArgument("INVALID_QUANTITY", "quantity must be at least 1", field="quantity")
    money.check_quantity(quantity, "quantity", "INVALID_QUANTITY")
    if not offer.is_open:
        raise FailedPrecondition("SESSION_NOT_OPEN", "the session does not take bookings")
    if offer.start_time <= now:
        raise FailedPrecondition("SESSION_STARTED", "the session has already started")
    lead_seconds = offer.lead_time_minutes * 60
    if (offer.start_time - now).total_seconds() < lead_seconds:
        raise FailedPrecondition(
            "LEAD_TIME_NOT_MET", f"bookings close {offer.lead_time_minutes} minutes before the start"
        )
    if offer.max_places_per_booking and quantity > offer.max_places_per_booking:
        raise FailedPrecondition(
            "TOO_MANY_PLACES", f"at most {offer.max_places_per_booking} places per booking", field="quantity"
        )
    if quantity > offer.capacity:
        raise FailedPrecondition("SESSION_FULL", "the session has fewer places than asked for")


def check_payment_plan(plan: PaymentPlan, quote: Quote) -> None:
    """A plan must be able to pay: a pass covers the places only, extras need money.

    Paying later is for the wallet alone: a card would pay at once anyway.
    """
    if plan.desk_payment is not None and (
        plan.use_wallet or plan.payment_method_id or plan.entitlement_id or plan.pay_later
    ):
        raise InvalidArgument(
            "DESK_PAYMENT_EXCLUSIVE",
            "a desk payment pays the whole booking: no pass, wallet, card or pay_later with it",
            field="payment_plan.desk_payment",
        )
    if plan.pay_later and (not plan.use_wallet or plan.payment_method_id or plan.entitlement_id):
        raise InvalidArgument(
            "PAY_LATER_WALLET_ONLY", "pay_later works with the wallet alone", field="payment_plan.pay_later"
        )
    if quote.total_minor == 0:
        return
    if plan.has_money_source:
        return
    if plan.entitlement_id and quote.total_minor == quote.base_minor:
        return
    raise InvalidArgument(
        "PAYMENT_PLAN_INSUFFICIENT",
        "choose a wallet or a card for what a pass does not cover",
        field="payment_plan",
    )


@dataclass(frozen=True)
class RefundRequest:
    """What a cancellation gives back; at most one per booking."""

    saga_id: str
    percent: int
    card_minor: int
    wallet_minor: int
    credits: int
    status: str = "REQUESTED"
    created_at: datetime | None = None
    # Given back at the front desk (a desk-paid booking): no saga step moves it.
    desk_minor: int = 0


@dataclass
class Booking:
    id: str
    company_id: str
    customer_id: str
    resource_id: str
    session_id: str
    booking_model: BookingModel
    quantity: int
    start_time: datetime
    end_time: datetime
    status: BookingStatus
    total_minor: int
    base_minor: int
    currency: str
    plan: PaymentPlan
    saga_id: str
    free_cancellation_until: datetime
    extras: list[ExtraLine] = field(default_factory=list)
    wallet_debited_minor: int = 0
    bonus_debited_minor: int = 0
    pass_covered_minor: int = 0
    card_charged_minor: int = 0
    payment_id: str = ""
    reject_reason: str = ""
    refund: RefundRequest | None = None
    unit_id: str = ""
    guests: int = 1
    # (minutes before start, refund percent) of the resource's policy when booked.
    cancellation_windows: tuple[tuple[int, int], ...] = ()
    check_in_deadline: datetime | None = None
    no_show_at: datetime | None = None
    checked_in_at: datetime | None = None
    # The quote it was made with: (description, quantity, amount_minor).
    quote_lines: tuple[tuple[str, int, int], ...] = ()
    check_in_date: date | None = None
    check_out_date: date | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # Paid at the front desk (plan.desk_payment): never wallet or card money.
    desk_paid_minor: int = 0
    # The staff member who booked on the customer's behalf ("" when the customer did).
    booked_by_user_id: str = ""
    no_show_override_reason: str = ""
    cancel_reason: str = ""
    # Kept by the company from time a shortening removed (its cancellation share), out of what
    # the card and the wallet (main and bonus) paid: never refunded again.
    kept_card_minor: int = 0
    kept_wallet_minor: int = 0
    # A changed rental's stretches, each bought at once, one after the other from its start:
    # (end, amount_minor) each, summing to base_minor (domain.changes.booked_stretches). Empty
    # for a rental never changed (or changed before they were kept): one stretch at base_minor.
    rental_stretches: tuple[tuple[datetime, int], ...] = ()
    # Credits the booking's pass step took (its saga's PASSES EXECUTE succeeded), set when the
    # booking is confirmed: 0 when no pass step ran (nothing to pay, or a pass not named), so a
    # cancellation gives back only credits that were taken.
    pass_credits: int = 0
    # The change saga under way ("" when no change of the period is running): an extension's
    # card payment awaiting 3-D Secure is this saga's, which the customer's next_action names.
    changing_saga_id: str = ""

    @property
    def refundable_card_minor(self) -> int:
        """What the card paid for the booking's time now, which a refund may give back."""
        return self.card_charged_minor - self.kept_card_minor

    @property
    def refundable_wallet_minor(self) -> int:
        """What the wallet (main and bonus) paid for the booking's time now."""
        return self.wallet_debited_minor + self.bonus_debited_minor - self.kept_wallet_minor


def refund_percent(booking: Booking, now: datetime, *, by_company: bool = False) -> int:
    """The cancellation policy: in full until the free-cancellation deadline, nothing after.

    A customer cannot cancel a booking whose time has begun; when the company cancels
    (the session was called off), the customer gets everything back.
    """
    if booking.status != BookingStatus.CONFIRMED:
        raise FailedPrecondition(
            "BOOKING_NOT_CANCELLABLE", f"a {booking.status.value} booking cannot be cancelled"
        )
    if by_company:
        return 100
    if now >= booking.start_time:
        raise FailedPrecondition("BOOKING_ALREADY_STARTED", "the booked time has begun")
    if booking.cancellation_windows:
        return refund_percent_by_windows(booking.cancellation_windows, booking.start_time, now)
    return 100 if now <= booking.free_cancellation_until else 0


def check_company_cancel_replay(booking: Booking, reason: str) -> None:
    """The company's cancel of a booking already cancelled or given up answers it as it is only
    when it is a replay: the company ended it for this very reason (its `cancel_reason`).
    Cancelled by the customer (a partial refund) or by the company for another reason, the
    company's full refund and its reason would be dropped behind a success: refused."""
    if booking.cancel_reason and booking.cancel_reason == reason.strip():
        return
    raise FailedPrecondition(
        "BOOKING_NOT_CANCELLABLE",
        f"the booking is already {booking.status.value} (cancelled or given up before): "
        "the company's cancellation changes nothing",
    )


def previewed_refund(booking: Booking, now: datetime, *, by_company: bool = False) -> RefundRequest:
    """What PreviewCancellation shows: `cancellation_refund`, and for a PENDING_PAYMENT booking
    (paid later, nothing taken yet), which a cancellation gives up rather than refunds, all of
    nothing (100 % of zero) instead of a refusal the cancellation itself would not make."""
    if booking.status is BookingStatus.PENDING_PAYMENT:
        return RefundRequest(saga_id="", percent=100, card_minor=0, wallet_minor=0, credits=0)
    return cancellation_refund(booking, now, by_company=by_company)


@dataclass(frozen=True)
class CancellationPreview:
    """The refund a cancellation would ask for at `at` (a window may close right after)."""

    refund: RefundRequest
    currency: str
    at: datetime


def cancellation_refund(
    booking: Booking, now: datetime, *, by_company: bool = False, saga_id: str = ""
) -> RefundRequest:
    """What cancelling `booking` at `now` gives back, source by source: the policy's percent of
    the card and of the wallet (main and bonus), the credits the pass step took (none when no
    pass step ran: a free place named a pass and took nothing) only with a full refund, and
    the desk's share, handed back at the desk (no saga step moves desk money); what a shortening
    kept stays kept. A shortening gives back the removed time's money at the same percent
    (`domain.changes.keep_by_policy`). CancelBooking
    asks for it under its saga; PreviewCancellation shows it (no saga: `saga_id` empty)."""
    percent = refund_percent(booking, now, by_company=by_company)
    return RefundRequest(
        saga_id=saga_id,
        percent=percent,
        card_minor=refund_by_percent(booking.refundable_card_minor, percent),
        wallet_minor=refund_by_percent(booking.refundable_wallet_minor, percent),
        credits=booking.pass_credits if percent == 100 else 0,
        desk_minor=refund_by_percent(booking.desk_paid_minor, percent),
    )
