"""The bookings use cases: create, quote, read, list, cancel, settle. Each is a short handler
around one transaction; the saga it starts or moves is carried out by the orchestrator."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bookings.adapters import repository as repo
from bookings.adapters.catalog_resources import ResourceCatalog
from bookings.adapters.passes_client import PassesClient
from bookings.adapters.payments_client import PaymentsClient
from bookings.domain import step_log
from bookings.domain.commands import (
    BookingRequest,
    CancelBooking,
    CreateBooking,
    ListBookings,
    PreviewCancellation,
    PreviewCompanyCancellations,
    SettleBooking,
)
from bookings.domain.model import (
    Booking,
    BookingStatus,
    CancellationPreview,
    PaymentPlan,
    Quote,
    cancellation_refund,
    check_company_cancel_replay,
    check_payment_plan,
    previewed_refund,
)
from bookings.domain.passes import check_entitlement
from bookings.domain.payment_methods import check_payment_method
from bookings.domain.reservations import EngineQuote, parse_date
from bookings.domain.saga import CANCELLED_BY_COMPANY, CANCELLED_BY_CUSTOMER, PAYMENTS, Saga, SagaState
from bookings.domain.step_log import BOOKING, PLACE, Effect
from bookings.service.create_groups import (
    Created,
    CreateGroups,
    PendingCreate,
    replayed,
    session_full,
    too_many_active,
)
from bookings.service.orchestrator import NewSaga, Orchestrator
from bookings.service.planning import Planner, Reservation
from bookings.service.saga_backlog import SagaBacklog
from plumbing import audit
from plumbing.db import Database
from plumbing.errors import Conflict, FailedPrecondition, InvalidArgument, NotFound, ServiceError
from plumbing.ids import parse_id
from plumbing.outbox import Outbox
from plumbing.paging import decode_page_token, encode_page_token, page_size
from plumbing.principal import (
    BUSINESS_ROLES,
    Role,
    check_tenant,
    current_principal,
    require_role,
    tenant_scope,
)
from plumbing.telemetry import current_trace_id

MAX_REASON_LENGTH = 500
# The most bookings PreviewCompanyCancellations previews in one call (a day view shows fewer).
MAX_PREVIEWS = 200


def audited(booking: Booking) -> dict[str, object]:
    """What the audit log shows of a booking."""
    return {
        "status": booking.status.value,
        "customer_id": booking.customer_id,
        "resource_id": booking.resource_id,
        "session_id": booking.session_id,
        "quantity": booking.quantity,
        "start_time": booking.start_time,
        "end_time": booking.end_time,
        "total_minor": booking.total_minor,
        "desk_payment": booking.plan.desk_payment,
        "desk_paid_minor": booking.desk_paid_minor,
    }


def _create_audited(booking: Booking) -> dict[str, Any]:
    """The audit entry of a create: a customer's own booking or staff booking on a customer's
    behalf (the saga's own moves, by the service principal, are not recorded)."""
    return {
        "company_id": booking.company_id,
        "entity_type": "booking",
        "entity_id": booking.id,
        "action": "create_on_behalf" if booking.booked_by_user_id else "create",
        "after": audited(booking),
    }


def _scoped(company_id: str, customer_id: str) -> tuple[str, str]:
    """The company and customer filters of a list narrowed to the caller (`tenant_scope`): its
    company, and for a customer or guest its own bookings, in the SQL whatever else is asked.
    A filter naming another company or customer is refused as not found."""
    scope_company, scope_customer = tenant_scope()
    company = parse_id(company_id, "company_id") if company_id else scope_company or ""
    customer = parse_id(customer_id, "customer_id") if customer_id else scope_customer or ""
    if scope_company is not None and company != scope_company:
        raise NotFound("COMPANY_NOT_FOUND", "no such company")
    if scope_customer is not None and customer != scope_customer:
        raise NotFound("CUSTOMER_NOT_FOUND", "no such customer")
    return company, customer


class BookingCommands:
    def __init__(
        self,
        db: Database,
        outbox: Outbox,
        orchestrator: Orchestrator,
        planner: Planner,
        resources: ResourceCatalog,
        *,
        passes: PassesClient | None = None,
        payments: PaymentsClient | None = None,
    ) -> None:
        self.db = db
        # Woken after a commit that queued a command, so the relay publishes it at once.
        self.outbox = outbox
        self.orchestrator = orchestrator
        self.planner = planner
        self.resources = resources
        # Asked up front about the pass a payment plan names (None: no passes service wired).
        self.passes = passes
        # Asked up front whose a payment_method_id is (None: no payments service wired).
        self.payments = payments
        # Time-slot creates are written in groups (group commit); the others one by one.
        self.groups = CreateGroups(db, outbox)
        # Refuses creates while the saga's queues are too long (None: never; set by bootstrap).
        self.backlog: SagaBacklog | None = None

    async def create_booking(self, command: CreateBooking) -> Created:
        """Holds what is booked (places, unit-nights or an interval) and starts the payment
        saga in one transaction. The resource's booking model picks the rules.

        A retry with the same request id returns the first booking; the same id with a
        different request is refused. Refused at once, before anything is planned or written,
        while the saga's queues are too long for its payment plan (SAGA_BACKLOG).
        """
        if self.backlog is None:
            return await self._create_booking(command)
        hold_back = self.backlog.admit(command.plan)
        created = await self._create_booking(command)
        return replace(created, hold_back_seconds=hold_back) if hold_back is not None else created

    async def _create_booking(self, command: CreateBooking) -> Created:
        request = command.request
        parse_id(request.customer_id, "customer_id")
        for value, field in ((request.session_id, "session_id"), (request.resource_id, "resource_id")):
            if value:
                parse_id(value, field)
        if not command.request_id:
            raise InvalidArgument("REQUEST_ID_REQUIRED", "request_id is required", field="request_id")
        if command.plan.entitlement_id:
            parse_id(command.plan.entitlement_id, "payment_plan.entitlement_id")
        if command.plan.payment_method_id:
            parse_id(command.plan.payment_method_id, "payment_plan.payment_method_id")
        if command.plan.desk_payment is not None:
            # Money taken at the desk is the staff's word: a customer cannot claim to have paid.
            require_role(*BUSINESS_ROLES)
        # No read of the request id up front (a transaction per booking): the first request
        # plans and inserts; a retry finds its booking when the insert meets the
        # (customer, request_id) key, or, when planning refuses it now (the session has
        # started, been cancelled, ...), right after that refusal.
        try:
            reservation = await self._plan(command)
        except ServiceError:
            existing = await self._replay(command)
            if existing is not None:
                return existing
            raise
        quote = reservation.quote
        booking = reservation.booking
        principal = current_principal()
        if principal.role in BUSINESS_ROLES:
            booking.booked_by_user_id = principal.user_id or ""
        if command.plan.desk_payment is not None:
            booking.desk_paid_minor = quote.total_minor
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
            desk_minor=booking.desk_paid_minor,
        )
        held = transition.after(step_log.effect(PLACE, Effect.HOLD, "HELD"))
        first = NewSaga(company_id=booking.company_id, trace_id=current_trace_id())
        if reservation.session_capacity is not None and held.booking_change is None:
            # A place in a session, paid by a saga step: written with the creates beside it.
            return await self.groups.create(
                PendingCreate(
                    command=command,
                    booking=booking,
                    capacity=reservation.session_capacity,
                    active_limit=reservation.max_active,
                    start=self.orchestrator.start(saga, booking, held, first),
                    audit_entry=audit.entry(self.db.schema or "bookings", **_create_audited(booking)),
                )
            )
        async with self.db.transaction() as conn:
            if not await self._insert_and_hold(conn, command, reservation, booking):
                # Another request with this id committed its booking (the insert waited for it):
                # that booking is the answer, read in this transaction; nothing was written.
                return replayed(
                    command, await repo.find_by_request(conn, command.customer_id, command.request_id)
                )
            booking = await self.orchestrator.carry_out(conn, saga, booking, held, new_saga=first) or booking
            await audit.record(conn, **_create_audited(booking))
        self.outbox.wake()
        return Created(booking)

    async def _insert_and_hold(
        self, conn: AsyncConnection, command: CreateBooking, reservation: Reservation, booking: Booking
    ) -> bool:
        """Inserts the booking, holds what it books and counts it as the customer's active
        booking of the resource; False (nothing written) when its request id has a booking
        already. A refusal raises: the caller's transaction rolls back what was written."""
        if reservation.session_capacity is not None:
            taken = await repo.insert_booking_taking_places(
                conn,
                booking,
                command.request_id,
                command.fingerprint(),
                capacity=reservation.session_capacity,
                active_limit=reservation.max_active,
            )
            if taken is repo.Taken.FULL:
                raise session_full()
            if taken is repo.Taken.OVER_LIMIT:
                raise too_many_active(reservation.max_active)
            return taken is repo.Taken.BOOKED
        if not await repo.insert_booking(conn, booking, command.request_id, command.fingerprint()):
            return False
        assert reservation.hold is not None, "a stay or a rental holds what it books"
        await reservation.hold(conn, booking)
        if not await repo.count_active_booking(
            conn,
            customer_id=booking.customer_id,
            resource_id=booking.resource_id,
            limit=reservation.max_active,
        ):
            raise too_many_active(reservation.max_active)
        return True

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
                parse_id(value, field)
        if request.customer_id:
            parse_id(request.customer_id, "customer_id")
        return (await self.planner.plan(request, PaymentPlan(), datetime.now(UTC))).quote

    async def _plan(self, command: CreateBooking) -> Reservation:
        """The reservation, priced and checked (pass, card, payment plan) before anything is held."""
        reservation = await self.planner.plan(command.request, command.plan, datetime.now(UTC))
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
        return reservation

    async def _replay(self, command: CreateBooking) -> Created | None:
        """The booking this request id already made, if any (a refused retry's slow path)."""
        async with self.db.transaction() as conn:
            found = await repo.find_by_request(conn, command.customer_id, command.request_id)
        return None if found is None else replayed(command, found)

    async def get_booking(self, booking_id: str) -> Booking:
        parse_id(booking_id, "booking_id")
        async with self.db.transaction() as conn:
            booking = await repo.get_booking(conn, booking_id)
        if booking is None:
            raise NotFound("BOOKING_NOT_FOUND", "no such booking")
        return booking

    async def list_bookings(self, query: ListBookings) -> tuple[list[Booking], str]:
        """Bookings of a customer, a session, a resource or a company, newest first; `day`
        (local to the company) keeps those whose time overlaps it: the bookings of one day."""
        filters = {
            "customer_id": query.customer_id,
            "session_id": query.session_id,
            "resource_id": query.resource_id,
            "company_id": query.company_id,
        }
        given = {field: value for field, value in filters.items() if value}
        if len(given) != 1:
            raise InvalidArgument(
                "FILTER_REQUIRED", "give exactly one of customer_id, session_id, resource_id and company_id"
            )
        for field, value in given.items():
            parse_id(value, field)
        company_id, customer_id = _scoped(query.company_id, query.customer_id)
        if query.since is not None and query.until is not None and query.since >= query.until:
            raise InvalidArgument(
                "INVALID_TIME_RANGE", "start_time must be before end_time", field="start_time"
            )
        overlapping = (
            await self._local_day(query.day, query.company_id, query.resource_id) if query.day else None
        )
        limit = page_size(query.page_size)
        async with self.db.transaction() as conn:
            found = await repo.list_bookings(
                conn,
                customer_id=customer_id,
                session_id=query.session_id,
                resource_id=query.resource_id,
                company_id=company_id,
                overlapping=overlapping,
                limit=limit + 1,
                after=decode_page_token(query.page_token, datetime, uuid.UUID),
                statuses=query.statuses,
                since=query.since,
                until=query.until,
            )
        page = found[:limit]
        more = len(found) > limit
        last = page[-1] if page else None
        return page, encode_page_token(last.created_at, last.id) if more and last and last.created_at else ""

    async def _local_day(self, day: str, company_id: str, resource_id: str) -> tuple[datetime, datetime]:
        """[midnight, next midnight) of a local date of the company, in UTC (23 or 25 h on DST days)."""
        local_date = parse_date(day, "date")
        if not company_id:
            if not resource_id:
                raise InvalidArgument(
                    "DATE_NEEDS_COMPANY", "date filters a company's or a resource's bookings"
                )
            company_id = (await self.resources.resource(resource_id)).company_id
        zone = await self.resources.time_zone(company_id)
        start = datetime.combine(local_date, time(0), tzinfo=zone)
        end = datetime.combine(local_date + timedelta(days=1), time(0), tzinfo=zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    async def preview_cancellation(self, query: PreviewCancellation) -> CancellationPreview:
        """What cancel_booking would give back now (the refund, its currency, the moment it is
        for), by the same rule and the same checks; it writes nothing."""
        booking = await self.get_booking(query.booking_id)
        if query.customer_id and booking.customer_id != query.customer_id:
            raise NotFound("BOOKING_NOT_FOUND", "no such booking")
        if query.by_company:
            require_role(*BUSINESS_ROLES)
            check_tenant(booking.company_id, NotFound("BOOKING_NOT_FOUND", "no such booking"))
        now = datetime.now(UTC)
        refund = previewed_refund(booking, now, by_company=query.by_company)
        return CancellationPreview(refund=refund, currency=booking.currency, at=now)

    async def preview_company_cancellations(
        self, query: PreviewCompanyCancellations
    ) -> list[tuple[str, CancellationPreview | ServiceError]]:
        """`preview_cancellation` by the company for each of its bookings named (at most
        MAX_PREVIEWS; another company's or an unknown one is left out), in one read: each
        booking's preview, or the refusal its cancellation would meet."""
        require_role(*BUSINESS_ROLES)
        company_id = parse_id(query.company_id, "company_id")
        if len(query.booking_ids) > MAX_PREVIEWS:
            raise InvalidArgument(
                "TOO_MANY_BOOKINGS", f"at most {MAX_PREVIEWS} bookings at a time", field="booking_ids"
            )
        ids = sorted({parse_id(booking_id, "booking_ids") for booking_id in query.booking_ids})
        if not ids:
            return []
        async with self.db.transaction() as conn:
            found = await repo.get_company_bookings(conn, company_id, ids)
        now = datetime.now(UTC)
        previews: list[tuple[str, CancellationPreview | ServiceError]] = []
        for booking in found:
            try:
                refund = previewed_refund(booking, now, by_company=True)
            except ServiceError as refused:
                previews.append((booking.id, refused))
            else:
                previews.append(
                    (booking.id, CancellationPreview(refund=refund, currency=booking.currency, at=now))
                )
        return previews

    async def cancel_booking(self, command: CancelBooking) -> Booking:
        """Starts the cancellation saga: refunds by the policy, then releases the place.

        Cancelling a booking that is already cancelling or cancelled returns it as it is.
        """
        booking = await self.get_booking(command.booking_id)
        if command.customer_id and booking.customer_id != command.customer_id:
            raise NotFound("BOOKING_NOT_FOUND", "no such booking")
        if command.by_company:
            # A full refund whenever: the company's people only, and they say why.
            require_role(*BUSINESS_ROLES)
            check_tenant(booking.company_id, NotFound("BOOKING_NOT_FOUND", "no such booking"))
            if not command.reason.strip() and current_principal().role is not Role.SERVICE:
                raise InvalidArgument(
                    "REASON_REQUIRED", "say why the company cancels the booking", field="reason"
                )
            if len(command.reason) > MAX_REASON_LENGTH:
                raise InvalidArgument(
                    "INVALID_REASON", f"reason is at most {MAX_REASON_LENGTH} characters", field="reason"
                )
        if booking.status is BookingStatus.PENDING_PAYMENT:
            # Nothing was paid: the saga gives up (the wallet step compensated) and the booking
            # ends REJECTED CANCELLED_BY_CUSTOMER (CANCELLED_BY_COMPANY, the staff's reason kept
            # as cancel_reason), its place released. Paid meanwhile: cancelled below as any
            # confirmed booking.
            given_up = await self.orchestrator.cancel_unpaid(
                booking.saga_id, by_company=command.by_company, reason=command.reason.strip()
            ) or await self.orchestrator.cancel_awaiting_card(
                # Settled by a card that still awaits its 3-D Secure check: given up the same way.
                booking.saga_id,
                by_company=command.by_company,
                reason=command.reason.strip(),
            )
            booking = await self.get_booking(booking.id)
            if booking.status is BookingStatus.PENDING_PAYMENT:
                if given_up:
                    return booking  # REJECTED once the wallet's compensation answers
                raise Conflict(
                    "BOOKING_FINALIZING", "the booking is being paid or given up; try again shortly"
                )
        elif booking.status is BookingStatus.PENDING and booking.saga_id:
            # Its card's authorization still awaited (the 3-D Secure check pending): nothing is
            # charged before the pivot, so the saga gives up (every step compensated: the
            # waiting payment cancelled at the provider, the wallet refunded, the pass released)
            # and the booking ends REJECTED CANCELLED_BY_CUSTOMER (or _BY_COMPANY). Confirmed
            # meanwhile: cancelled below as any confirmed booking. Still at an earlier step (the
            # wallet, the pass): not cancellable, as before.
            given_up = await self.orchestrator.cancel_awaiting_card(
                booking.saga_id, by_company=command.by_company, reason=command.reason.strip()
            )
            booking = await self.get_booking(booking.id)
            if booking.status is BookingStatus.PENDING and given_up:
                return booking  # REJECTED once the compensation is done
        if booking.status in (BookingStatus.CANCELLING, BookingStatus.CANCELLED) or (
            booking.status is BookingStatus.REJECTED
            and booking.reject_reason in (CANCELLED_BY_CUSTOMER, CANCELLED_BY_COMPANY)
        ):
            if command.by_company:
                check_company_cancel_replay(booking, command.reason)
            return booking
        refund = cancellation_refund(
            booking, datetime.now(UTC), by_company=command.by_company, saga_id=str(uuid.uuid4())
        )
        percent = refund.percent
        saga, transition = Saga.for_cancellation(
            saga_id=refund.saga_id,
            booking_id=booking.id,
            currency=booking.currency,
            refund_card_minor=refund.card_minor,
            refund_wallet_minor=refund.wallet_minor,
            return_credits=refund.credits,
        )
        reason: dict[str, Any] = (
            {"cancel_reason": command.reason.strip()} if command.by_company and command.reason.strip() else {}
        )
        async with self.db.transaction() as conn:
            moved = await repo.transition_booking(
                conn,
                booking.id,
                from_statuses=[BookingStatus.CONFIRMED],
                to_status=BookingStatus.CANCELLING,
                only_after_saga_completed=True,
                **reason,
            )
            if moved is None:
                # Someone else moved it first; answer with what it is now.
                current = await repo.get_booking(conn, booking.id)
                assert current is not None
                if current.status in (BookingStatus.CANCELLING, BookingStatus.CANCELLED):
                    if command.by_company:
                        check_company_cancel_replay(current, command.reason)
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
            asked = transition.after(step_log.effect(BOOKING, Effect.CANCEL, f"REFUND_{percent}%"))
            await self.orchestrator.carry_out(conn, saga, moved, asked)
            booking = await repo.get_booking(conn, moved.id) or moved
            await audit.record(
                conn,
                company_id=booking.company_id,
                entity_type="booking",
                entity_id=booking.id,
                action="cancel_by_company" if command.by_company else "cancel",
                before={"status": BookingStatus.CONFIRMED.value},
                after={
                    "status": booking.status.value,
                    "refund_percent": percent,
                    "desk_refund_minor": refund.desk_minor,
                },
                reason=command.reason.strip() or None,
            )
        self.outbox.wake()
        return booking

    async def settle_booking(self, command: SettleBooking) -> Booking:
        """Pays a PENDING_PAYMENT booking by card instead of waiting for the wallet."""
        if not command.payment_method_id:
            raise InvalidArgument(
                "PAYMENT_METHOD_REQUIRED", "payment_method_id is required", field="payment_method_id"
            )
        parse_id(command.payment_method_id, "payment_method_id")
        booking = await self.get_booking(command.booking_id)
        if command.customer_id and booking.customer_id != command.customer_id:
            raise NotFound("BOOKING_NOT_FOUND", "no such booking")
        await self._check_payment_method(command.payment_method_id, booking, "payment_method_id")
        async with self.db.transaction() as conn:
            locked = await repo.lock_saga(conn, booking.saga_id)
            assert locked is not None
            saga, _company = locked
            if saga.state is SagaState.AWAITING_PAYMENT and booking.start_time <= datetime.now(UTC):
                raise FailedPrecondition(
                    "BOOKING_ALREADY_STARTED", "the booked time has begun: an unpaid booking is given up"
                )
            transition = saga.settle_by_card()
            if not transition.applied:
                raise FailedPrecondition(
                    "BOOKING_NOT_AWAITING_PAYMENT", "the booking has nothing left to pay"
                )
            updated = await repo.set_payment_method(conn, booking.id, command.payment_method_id)
            await audit.record(
                conn,
                company_id=booking.company_id,
                entity_type="booking",
                entity_id=booking.id,
                action="settle_by_card",
                before={"payment_method_id": booking.plan.payment_method_id or None},
                after={"payment_method_id": command.payment_method_id},
            )
            by_card = transition.after(step_log.effect(PAYMENTS, Effect.SETTLE_BY_CARD, "CARD", attempt=0))
            booking = await self.orchestrator.carry_out(conn, saga, updated, by_card) or updated
        self.outbox.wake()
        return booking
