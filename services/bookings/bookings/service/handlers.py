"""The bookings use cases: short handlers around one transaction each."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.adapters import repository as repo
from bookings.adapters.catalog_client import CatalogClient
from bookings.adapters.passes_client import PassesClient
from bookings.adapters.payments_client import PaymentsClient
from bookings.adapters.saga_messages import step_command
from bookings.domain.model import (
    Booking,
    BookingStatus,
    PaymentPlan,
    Quote,
    RefundRequest,
    check_payment_plan,
    refund_percent,
)
from bookings.domain.passes import check_entitlement
from bookings.domain.payment_methods import check_payment_method
from bookings.domain.policy import refund_by_percent
from bookings.domain.reservations import EngineQuote, parse_date
from bookings.domain.saga import (
    MAX_EXECUTE_ATTEMPTS,
    BookingChange,
    Command,
    Reply,
    Saga,
    SagaKind,
    SagaState,
)
from bookings.service.change_outcomes import apply_change_outcome
from bookings.service.planning import BookingRequest, Planner
from plumbing.db import Database
from plumbing.errors import Conflict, FailedPrecondition, InvalidArgument, NotFound
from plumbing.failpoints import failpoint
from plumbing.messaging import command_subject
from plumbing.outbox import Outbox
from plumbing.telemetry import current_trace_id

log = logging.getLogger(__name__)


# After this many attempts of a step past the pivot, the saga is flagged for an operator.
ATTENTION_AFTER_ATTEMPTS = 5


def step_timeout(attempt: int, first: float = 5.0) -> timedelta:
    """How long a step may take before it is re-sent: `first` seconds (5 s), doubling, at most
    12 times `first` (60 s)."""
    return timedelta(seconds=min(first * 2 ** max(attempt - 1, 0), 12 * first))


@dataclass(frozen=True)
class CreateBooking:
    request_id: str
    request: BookingRequest
    plan: PaymentPlan

    @property
    def customer_id(self) -> str:
        return self.request.customer_id

    def fingerprint(self) -> str:
        body = [
            {key: str(value) for key, value in vars(self.request).items() if key != "extras"},
            sorted(self.request.extras),
            [*vars(self.plan).values()],
        ]
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class SettleBooking:
    request_id: str
    booking_id: str
    customer_id: str
    payment_method_id: str


@dataclass(frozen=True)
class CancelBooking:
    request_id: str
    booking_id: str
    customer_id: str
    # The company cancelled (e.g. the session was called off): a full refund, whenever.
    by_company: bool = False


class _Duplicate(Exception):
    """Another request with the same id won the insert; its booking is the answer."""


class BookingService:
    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        catalog: CatalogClient,
        planner: Planner,
        *,
        billing_retry: timedelta = timedelta(seconds=60),
        first_step_timeout: float = 5.0,
        passes: PassesClient | None = None,
        payments: PaymentsClient | None = None,
    ) -> None:
        self.db = db
        self.outbox = outbox
        self.catalog = catalog
        self.planner = planner
        # Asked up front about the pass a payment plan names (None: no passes service wired).
        self.passes = passes
        # Asked up front whose a payment_method_id is (None: no payments service wired).
        self.payments = payments
        # How often the wallet is asked again for a PENDING_PAYMENT booking.
        self.billing_retry = billing_retry
        self.first_step_timeout = first_step_timeout

    # -- bookings ---------------------------------------------------------------------

    async def create_booking(self, command: CreateBooking) -> Booking:
        """Holds what is booked (places, unit-nights or an interval) and starts the payment
        saga in one transaction. The resource's booking model picks the rules.

        A retry with the same request id returns the first booking; the same id with a
        different request is refused.
        """
        request = command.request
        _require_uuid(request.customer_id, "customer_id")
        for value, field in ((request.session_id, "session_id"), (request.resource_id, "resource_id")):
            if value:
                _require_uuid(value, field)
        if not command.request_id:
            raise InvalidArgument("REQUEST_ID_REQUIRED", "request_id is required", field="request_id")
        if command.plan.entitlement_id:
            _require_uuid(command.plan.entitlement_id, "payment_plan.entitlement_id")
        if command.plan.payment_method_id:
            _require_uuid(command.plan.payment_method_id, "payment_plan.payment_method_id")
        existing = await self._replay(command)
        if existing is not None:
            return existing

        reservation = await self.planner.plan(request, command.plan, datetime.now(UTC))
        if command.plan.entitlement_id and self.passes is not None:
            check_entitlement(
                await self.passes.entitlement(command.plan.entitlement_id),
                customer_id=reservation.booking.customer_id,
                company_id=reservation.booking.company_id,
                now=datetime.now(UTC),
            )
        await self._check_payment_method(
            command.plan.payment_method_id, reservation.booking, "payment_plan.payment_method_id"
        )
        quote = reservation.quote
        check_payment_plan(command.plan, Quote(quote.base_minor, quote.extras, quote.currency))
        booking = reservation.booking
        saga, transition = Saga.for_booking(
            saga_id=booking.saga_id,
            booking_id=booking.id,
            currency=quote.currency,
            total_minor=quote.total_minor,
            base_minor=quote.base_minor,
            credits=booking.quantity,
            use_pass=bool(command.plan.entitlement_id),
            use_wallet=command.plan.use_wallet,
            use_card=bool(command.plan.payment_method_id),
            pay_later=command.plan.pay_later,
        )
        try:
            async with self.db.transaction() as conn:
                if not await repo.insert_booking(conn, booking, command.request_id, command.fingerprint()):
                    raise _Duplicate
                await reservation.hold(conn, booking)
                if not await repo.count_active_booking(
                    conn,
                    customer_id=booking.customer_id,
                    resource_id=booking.resource_id,
                    limit=reservation.max_active,
                ):
                    raise FailedPrecondition(
                        "MAX_ACTIVE_BOOKINGS",
                        f"at most {reservation.max_active} active bookings of this resource per customer",
                    )
                await repo.insert_saga(
                    conn, saga, company_id=booking.company_id, trace_id=current_trace_id(), deadline_in=None
                )
                await repo.log_step(
                    conn, saga.id, step="place", kind="effect", action="hold", attempt=1, outcome="HELD"
                )
                booking = await self._advance(conn, saga, booking, transition) or booking
        except _Duplicate:
            replay = await self._replay(command)
            assert replay is not None, "a duplicate request must have a booking"
            return replay
        self.outbox.wake()
        return booking

    async def _check_payment_method(self, payment_method_id: str, booking: Booking, field: str) -> None:
        """Refuses, before anything is written, a card that is not this customer's of this
        company; payments checks again when it authorizes."""
        if payment_method_id and self.payments is not None:
            check_payment_method(
                await self.payments.payment_method(payment_method_id),
                customer_id=booking.customer_id,
                company_id=booking.company_id,
                field=field,
            )

    async def quote_booking(self, request: BookingRequest) -> EngineQuote:
        """Prices a request with the same rules as a booking, holding nothing."""
        for value, field in ((request.session_id, "session_id"), (request.resource_id, "resource_id")):
            if value:
                _require_uuid(value, field)
        if request.customer_id:
            _require_uuid(request.customer_id, "customer_id")
        return (await self.planner.plan(request, PaymentPlan(), datetime.now(UTC))).quote

    async def _replay(self, command: CreateBooking) -> Booking | None:
        async with self.db.transaction() as conn:
            found = await repo.find_by_request(conn, command.customer_id, command.request_id)
        if found is None:
            return None
        booking, fingerprint = found
        if fingerprint != command.fingerprint():
            raise Conflict(
                "IDEMPOTENCY_KEY_REUSED",
                "this request id was used for a different booking",
                field="request_id",
            )
        return booking

    async def get_booking(self, booking_id: str) -> Booking:
        _require_uuid(booking_id, "booking_id")
        async with self.db.transaction() as conn:
            booking = await repo.get_booking(conn, booking_id)
        if booking is None:
            raise NotFound("BOOKING_NOT_FOUND", "no such booking")
        return booking

    async def list_bookings(
        self,
        *,
        customer_id: str = "",
        session_id: str = "",
        resource_id: str = "",
        company_id: str = "",
        day: str = "",
        page_size: int = 0,
        page_token: str = "",
    ) -> tuple[list[Booking], str]:
        """Bookings of a customer, a session, a resource or a company, newest first; `day`
        (local to the company) keeps those whose time overlaps it: the bookings of one day."""
        filters = {
            "customer_id": customer_id,
            "session_id": session_id,
            "resource_id": resource_id,
            "company_id": company_id,
        }
        given = {field: value for field, value in filters.items() if value}
        if len(given) != 1:
            raise InvalidArgument(
                "FILTER_REQUIRED", "give exactly one of customer_id, session_id, resource_id and company_id"
            )
        for field, value in given.items():
            _require_uuid(value, field)
        overlapping = await self._local_day(day, company_id, resource_id) if day else None
        limit = _page_size(page_size)
        async with self.db.transaction() as conn:
            found = await repo.list_bookings(
                conn,
                customer_id=customer_id,
                session_id=session_id,
                resource_id=resource_id,
                company_id=company_id,
                overlapping=overlapping,
                limit=limit + 1,
                after=_decode_token(page_token),
            )
        page = found[:limit]
        more = len(found) > limit
        return page, _encode_token(page[-1].created_at, page[-1].id) if more and page[-1].created_at else ""

    async def _local_day(self, day: str, company_id: str, resource_id: str) -> tuple[datetime, datetime]:
        """[midnight, next midnight) of a local date of the company, in UTC (23 or 25 h on DST days)."""
        local_date = parse_date(day, "date")
        if not company_id:
            if not resource_id:
                raise InvalidArgument(
                    "DATE_NEEDS_COMPANY", "date filters a company's or a resource's bookings"
                )
            company_id = (await self.planner.resources.resource(resource_id)).company_id
        zone = await self.planner.resources.time_zone(company_id)
        start = datetime.combine(local_date, time(0), tzinfo=zone)
        end = datetime.combine(local_date + timedelta(days=1), time(0), tzinfo=zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    async def cancel_booking(self, command: CancelBooking) -> Booking:
        """Starts the cancellation saga: refunds by the policy, then releases the place.

        Cancelling a booking that is already cancelling or cancelled returns it as it is.
        """
        booking = await self.get_booking(command.booking_id)
        if command.customer_id and booking.customer_id != command.customer_id:
            raise NotFound("BOOKING_NOT_FOUND", "no such booking")
        if booking.status in (BookingStatus.CANCELLING, BookingStatus.CANCELLED):
            return booking
        percent = refund_percent(booking, datetime.now(UTC), by_company=command.by_company)
        refund = RefundRequest(
            saga_id=str(uuid.uuid4()),
            percent=percent,
            card_minor=refund_by_percent(booking.card_charged_minor, percent),
            wallet_minor=refund_by_percent(
                booking.wallet_debited_minor + booking.bonus_debited_minor, percent
            ),
            credits=booking.quantity if booking.plan.entitlement_id and percent == 100 else 0,
        )
        saga, transition = Saga.for_cancellation(
            saga_id=refund.saga_id,
            booking_id=booking.id,
            currency=booking.currency,
            refund_card_minor=refund.card_minor,
            refund_wallet_minor=refund.wallet_minor,
            return_credits=refund.credits,
        )
        async with self.db.transaction() as conn:
            moved = await repo.transition_booking(
                conn,
                booking.id,
                from_statuses=[BookingStatus.CONFIRMED],
                to_status=BookingStatus.CANCELLING,
                only_after_saga_completed=True,
            )
            if moved is None:
                # Someone else moved it first; answer with what it is now.
                current = await repo.get_booking(conn, booking.id)
                assert current is not None
                if current.status in (BookingStatus.CANCELLING, BookingStatus.CANCELLED):
                    return current
                if current.status is BookingStatus.CONFIRMED:
                    raise Conflict(
                        "BOOKING_FINALIZING", "the booking is still being confirmed; try again shortly"
                    )
                raise FailedPrecondition(
                    "BOOKING_NOT_CANCELLABLE", f"a {current.status.value} booking cannot be cancelled"
                )
            await repo.insert_saga(
                conn, saga, company_id=moved.company_id, trace_id=current_trace_id(), deadline_in=None
            )
            await repo.insert_refund_request(conn, moved.id, refund)
            await repo.log_step(
                conn,
                saga.id,
                step="booking",
                kind="effect",
                action="cancel",
                attempt=1,
                outcome=f"REFUND_{percent}%",
            )
            await self._advance(conn, saga, moved, transition)
            booking = await repo.get_booking(conn, moved.id) or moved
        self.outbox.wake()
        return booking

    # -- saga -------------------------------------------------------------------------

    async def handle_reply(self, conn: AsyncConnection, saga_id: str, reply: Reply, message_id: str) -> None:
        """Applies a participant's reply inside the consumer's transaction (with its inbox record)."""
        locked = await repo.lock_saga(conn, saga_id)
        if locked is None:
            log.warning("reply for unknown saga %s ignored", saga_id)
            return
        saga, _company = locked
        position = (saga.action, saga.current_step)
        transition = saga.apply(reply)
        outcome = "SUCCEEDED" if reply.succeeded else (reply.reason or "FAILED")
        await repo.log_step(
            conn,
            saga.id,
            step=reply.step,
            kind="reply" if transition.applied else "ignored",
            action=reply.action.value,
            attempt=reply.attempt,
            outcome=outcome,
            message_id=message_id,
            amount_minor=reply.amount_minor,
            bonus_minor=reply.bonus_minor,
            reference=reply.reference,
        )
        if not transition.applied:
            return
        moved = position != (saga.action, saga.current_step)
        if not moved and transition.booking_change is None:
            # A forward step that failed, or a billing retry that found no money yet:
            # the step's deadline re-sends it, not this reply.
            await repo.save_saga(conn, saga, keep_deadline=True)
            return
        booking = await repo.get_booking(conn, saga.booking_id)
        assert booking is not None
        await self._advance(conn, saga, booking, transition, send_next=moved)
        failpoint("orchestrator.after_state_update_before_commit")

    async def sweep_deadlines(self, batch: int = 50) -> int:
        """Re-sends the current step of every saga past its deadline (attempt + 1).

        Before the pivot, a step that keeps timing out is given up and compensated. After
        it, the step is retried for ever and the saga flagged for an operator.
        """
        async with self.db.transaction() as conn:
            due = await repo.claim_due_sagas(conn, batch)
            for saga_id in due:
                failpoint("sweeper.mid_batch")
                locked = await repo.lock_saga(conn, saga_id)
                assert locked is not None
                saga, _company = locked
                booking = await repo.get_booking(conn, saga.booking_id)
                assert booking is not None
                step = saga.current_step or ""
                await repo.log_step(
                    conn, saga.id, step=step, kind="timeout", action=saga.action.value, attempt=saga.attempt
                )
                if saga.state is SagaState.RUNNING and saga.attempt >= MAX_EXECUTE_ATTEMPTS:
                    transition = saga.give_up_execution("STEP_TIMED_OUT")
                    await self._advance(conn, saga, booking, transition)
                    continue
                command_id = await self._send_current(conn, saga, booking)
                await repo.save_saga(
                    conn,
                    saga,
                    deadline_in=self._deadline(saga),
                    needs_attention=not saga.before_pivot and saga.attempt > ATTENTION_AFTER_ATTEMPTS,
                    command_id=command_id,
                )
        if due:
            self.outbox.wake()
        return len(due)

    # -- operator actions and settling ------------------------------------------------

    async def retry_saga_step(self, saga_id: str, reason: str) -> None:
        """Re-sends the current step now (attempt + 1); the operator's reason is logged."""
        _require_reason(reason)
        async with self.db.transaction() as conn:
            saga, booking = await self._lock_for_operator(conn, saga_id)
            if saga.current_step is None:
                raise FailedPrecondition("SAGA_FINISHED", "the saga has no step left to retry")
            await repo.log_step(
                conn,
                saga.id,
                step=saga.current_step,
                kind="operator",
                action="retry",
                attempt=saga.attempt,
                outcome=reason,
            )
            command_id = await self._send_current(conn, saga, booking)
            await repo.save_saga(
                conn, saga, deadline_in=self._deadline(saga), needs_attention=False, command_id=command_id
            )
        self.outbox.wake()

    async def force_compensate_saga(self, saga_id: str, reason: str) -> None:
        """Compensates a saga before its pivot; after it, cancel the booking instead."""
        _require_reason(reason)
        async with self.db.transaction() as conn:
            saga, booking = await self._lock_for_operator(conn, saga_id)
            transition = saga.give_up_execution("FORCED_BY_OPERATOR")
            if not transition.applied:
                raise FailedPrecondition(
                    "SAGA_PAST_PIVOT", "the saga is past its pivot (or finished): cancel the booking instead"
                )
            await repo.log_step(
                conn,
                saga.id,
                step=saga.current_step or "",
                kind="operator",
                action="force_compensate",
                attempt=saga.attempt,
                outcome=reason,
            )
            await self._advance(conn, saga, booking, transition)
        self.outbox.wake()

    async def settle_booking(self, command: SettleBooking) -> Booking:
        """Pays a PENDING_PAYMENT booking by card instead of waiting for the wallet."""
        if not command.payment_method_id:
            raise InvalidArgument(
                "PAYMENT_METHOD_REQUIRED", "payment_method_id is required", field="payment_method_id"
            )
        _require_uuid(command.payment_method_id, "payment_method_id")
        booking = await self.get_booking(command.booking_id)
        if command.customer_id and booking.customer_id != command.customer_id:
            raise NotFound("BOOKING_NOT_FOUND", "no such booking")
        await self._check_payment_method(command.payment_method_id, booking, "payment_method_id")
        async with self.db.transaction() as conn:
            locked = await repo.lock_saga(conn, booking.saga_id)
            assert locked is not None
            saga, _company = locked
            transition = saga.settle_by_card()
            if not transition.applied:
                raise FailedPrecondition(
                    "BOOKING_NOT_AWAITING_PAYMENT", "the booking has nothing left to pay"
                )
            updated = await repo.set_payment_method(conn, booking.id, command.payment_method_id)
            await repo.log_step(
                conn,
                saga.id,
                step="payments",
                kind="effect",
                action="settle_by_card",
                attempt=0,
                outcome="CARD",
            )
            booking = await self._advance(conn, saga, updated, transition) or updated
        self.outbox.wake()
        return booking

    async def _lock_for_operator(self, conn: AsyncConnection, saga_id: str) -> tuple[Saga, Booking]:
        _require_uuid(saga_id, "saga_id")
        locked = await repo.lock_saga(conn, saga_id)
        if locked is None:
            raise NotFound("SAGA_NOT_FOUND", "no such saga")
        saga, _company = locked
        booking = await repo.get_booking(conn, saga.booking_id)
        assert booking is not None
        return saga, booking

    # -- the saga's moves ---------------------------------------------------------------

    def _deadline(self, saga: Saga) -> timedelta | None:
        if saga.current_step is None:
            return None
        if saga.state is SagaState.AWAITING_PAYMENT:
            return self.billing_retry
        return step_timeout(saga.attempt, self.first_step_timeout)

    async def _advance(
        self, conn: AsyncConnection, saga: Saga, booking: Booking, transition: Any, *, send_next: bool = True
    ) -> Booking | None:
        """Applies the booking change a transition asks for, sends the next command, saves the saga."""
        updated = await self._apply_booking_change(conn, saga, booking, transition.booking_change)
        current = updated or booking
        for number, side in enumerate(transition.side_commands, start=1):
            await self._send(
                conn, saga, current, side, f"{saga.id}:{side.step}:{side.action.value}:side{number}"
            )
        command_id = None
        if saga.current_step is not None and send_next:
            saga.attempt = 0
            command_id = await self._send_current(conn, saga, current)
        await repo.save_saga(conn, saga, deadline_in=self._deadline(saga), command_id=command_id)
        return updated

    async def _send_current(self, conn: AsyncConnection, saga: Saga, booking: Booking) -> str:
        """Queues the current step's command (attempt + 1); returns its message id. Its
        deadline starts when the relay publishes it (`repo.start_step_deadlines`)."""
        command = saga.next_command()
        assert command is not None
        saga.attempt += 1
        message_id = f"{saga.id}:{command.step}:{command.action.value}:{saga.attempt}"
        await self._send(conn, saga, booking, command, message_id)
        return message_id

    async def _send(
        self, conn: AsyncConnection, saga: Saga, booking: Booking, command: Command, message_id: str
    ) -> None:
        await self.outbox.add(
            conn, command_subject(command.step), step_command(saga, booking, command), message_id=message_id
        )
        await repo.log_step(
            conn,
            saga.id,
            step=command.step,
            kind="command",
            action=command.action.value,
            attempt=saga.attempt,
            message_id=message_id,
        )

    async def _apply_booking_change(
        self, conn: AsyncConnection, saga: Saga, booking: Booking, change: BookingChange | None
    ) -> Booking | None:
        if saga.kind is SagaKind.CHANGE:
            return await apply_change_outcome(conn, saga, booking, change)
        if change is None:
            return None
        unpaid = [BookingStatus.PENDING, BookingStatus.PENDING_PAYMENT]
        if change is BookingChange.CONFIRM:
            wallet_total = saga.covered.get("wallet", 0)
            updated = await repo.transition_booking(
                conn,
                booking.id,
                from_statuses=unpaid,
                to_status=BookingStatus.CONFIRMED,
                wallet_debited_minor=wallet_total - saga.bonus_minor,
                bonus_debited_minor=saga.bonus_minor,
                pass_covered_minor=saga.covered.get("passes", 0),
                card_charged_minor=saga.covered.get("payments", 0),
                payment_id=saga.references.get("payments", ""),
            )
            outcome = "CONFIRMED"
        elif change is BookingChange.AWAIT_PAYMENT:
            updated = await repo.transition_booking(
                conn,
                booking.id,
                from_statuses=[BookingStatus.PENDING],
                to_status=BookingStatus.PENDING_PAYMENT,
            )
            outcome = "PENDING_PAYMENT"
        elif change is BookingChange.REJECT:
            updated = await repo.transition_booking(
                conn,
                booking.id,
                from_statuses=unpaid,
                to_status=BookingStatus.REJECTED,
                reject_reason=saga.reason,
            )
            outcome = f"REJECTED:{saga.reason}"
        else:
            updated = await repo.transition_booking(
                conn, booking.id, from_statuses=[BookingStatus.CANCELLING], to_status=BookingStatus.CANCELLED
            )
            await repo.complete_refund_request(conn, booking.id)
            outcome = "CANCELLED"
        if updated is None:
            log.error("booking %s was not in the state saga %s expected", booking.id, saga.id)
            return None
        if change in (BookingChange.REJECT, BookingChange.CANCEL):
            await repo.release_holds(conn, updated)
            await repo.log_step(
                conn, saga.id, step="place", kind="effect", action="release", attempt=1, outcome="RELEASED"
            )
        await repo.log_step(
            conn, saga.id, step="booking", kind="effect", action=change.value, attempt=1, outcome=outcome
        )
        return updated

    # -- saga queries -------------------------------------------------------------------

    async def get_saga(self, saga_id: str) -> tuple[Any, list[Any]]:
        _require_uuid(saga_id, "saga_id")
        async with self.db.transaction() as conn:
            row = await repo.get_saga_row(conn, saga_id)
            if row is None:
                raise NotFound("SAGA_NOT_FOUND", "no such saga")
            steps = await repo.saga_step_rows(conn, saga_id)
        return row, steps

    async def list_sagas(
        self,
        *,
        state: str,
        company_id: str,
        page_size: int,
        page_token: str,
        current_step: str = "",
        min_age_seconds: int = 0,
        needs_attention: bool = False,
    ) -> tuple[list[Any], str]:
        """Sagas for the operator dashboard, newest first, filtered by state, step, age, company."""
        if company_id:
            _require_uuid(company_id, "company_id")
        if state and state not in SagaState.__members__:
            raise InvalidArgument("INVALID_STATE", "unknown saga state", field="state")
        if min_age_seconds < 0:
            raise InvalidArgument(
                "INVALID_AGE", "min_age_seconds must not be negative", field="min_age_seconds"
            )
        limit = _page_size(page_size)
        async with self.db.transaction() as conn:
            rows = await repo.list_saga_rows(
                conn,
                state=state,
                company_id=company_id,
                limit=limit + 1,
                after=_decode_token(page_token),
                current_step=current_step,
                min_age_seconds=min_age_seconds,
                needs_attention=needs_attention,
            )
        page = rows[:limit]
        more = len(rows) > limit
        return page, _encode_token(page[-1].created_at, page[-1].id) if more else ""


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise InvalidArgument("REASON_REQUIRED", "say why, for the step log", field="reason")


def _require_uuid(value: str, field: str) -> None:
    try:
        uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        raise InvalidArgument("INVALID_ID", f"{field} must be a UUID", field=field) from None


def _page_size(requested: int) -> int:
    if requested < 0:
        raise InvalidArgument("INVALID_PAGE_SIZE", "page_size must not be negative", field="page_size")
    return min(requested or 50, 200)


def _encode_token(created_at: datetime, row_id: str) -> str:
    import base64

    return base64.urlsafe_b64encode(json.dumps([created_at.isoformat(), row_id]).encode()).decode()


def _decode_token(token: str) -> tuple[datetime, str] | None:
    if not token:
        return None
    import base64

    try:
        created, row_id = json.loads(base64.urlsafe_b64decode(token.encode()))
        return datetime.fromisoformat(created), str(uuid.UUID(row_id))
    except (ValueError, TypeError):
        raise InvalidArgument("INVALID_PAGE_TOKEN", "page_token is not valid", field="page_token") from None
