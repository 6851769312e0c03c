from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.booking_extra_out import BookingExtraOut
    from ..models.customer_next_action_out import CustomerNextActionOut
    from ..models.money import Money
    from ..models.payment_plan_out import PaymentPlanOut
    from ..models.refund_out import RefundOut


T = TypeVar("T", bound="CustomerBookingOut")


@_attrs_define
class CustomerBookingOut:
    """One of my bookings, with what I must do next for it.

    Attributes:
        amount_due (Money | None): Still to pay; set while PENDING_PAYMENT, else null.
        bonus_debited (Money):
        booking_model (str):
        card_charged (Money):
        company_id (str):
        create_time (datetime.datetime | None):
        customer_id (str):
        end_time (datetime.datetime | None):
        extras (list[BookingExtraOut]):
        id (str):
        pass_covered (Money):
        payment_id (None | str):
        payment_plan (PaymentPlanOut):
        quantity (int):
        refund (None | RefundOut): The refund of a cancellation, else null.
        reject_reason (None | str):
        resource_id (None | str):
        saga_id (None | str):
        session_id (None | str):
        start_time (datetime.datetime | None):
        status (str):
        total_price (Money):
        update_time (datetime.datetime | None):
        wallet_debited (Money):
        check_in_deadline_time (datetime.datetime | None | Unset): Check in by then (plus the resource's no-show grace)
            or the booking becomes NO_SHOW; null when no check-in is needed.
        checked_in_time (datetime.datetime | None | Unset): When the customer checked in.
        next_action (CustomerNextActionOut | None | Unset): Set while the booking's card payment awaits its 3-D Secure
            check; else null. On a new booking's first answer it is null (the card is asked a moment later): follow `GET
            /v1/bookings/{id}`.
    """

    amount_due: Money | None
    bonus_debited: Money
    booking_model: str
    card_charged: Money
    company_id: str
    create_time: datetime.datetime | None
    customer_id: str
    end_time: datetime.datetime | None
    extras: list[BookingExtraOut]
    id: str
    pass_covered: Money
    payment_id: None | str
    payment_plan: PaymentPlanOut
    quantity: int
    refund: None | RefundOut
    reject_reason: None | str
    resource_id: None | str
    saga_id: None | str
    session_id: None | str
    start_time: datetime.datetime | None
    status: str
    total_price: Money
    update_time: datetime.datetime | None
    wallet_debited: Money
    check_in_deadline_time: datetime.datetime | None | Unset = UNSET
    checked_in_time: datetime.datetime | None | Unset = UNSET
    next_action: CustomerNextActionOut | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.customer_next_action_out import CustomerNextActionOut
        from ..models.money import Money
        from ..models.refund_out import RefundOut

        amount_due: dict[str, Any] | None
        if isinstance(self.amount_due, Money):
            amount_due = self.amount_due.to_dict()
        else:
            amount_due = self.amount_due

        bonus_debited = self.bonus_debited.to_dict()

        booking_model = self.booking_model

        card_charged = self.card_charged.to_dict()

        company_id = self.company_id

        create_time: None | str
        if isinstance(self.create_time, datetime.datetime):
            create_time = self.create_time.isoformat()
        else:
            create_time = self.create_time

        customer_id = self.customer_id

        end_time: None | str
        if isinstance(self.end_time, datetime.datetime):
            end_time = self.end_time.isoformat()
        else:
            end_time = self.end_time

        extras = []
        for extras_item_data in self.extras:
            extras_item = extras_item_data.to_dict()
            extras.append(extras_item)

        id = self.id

        pass_covered = self.pass_covered.to_dict()

        payment_id: None | str
        payment_id = self.payment_id

        payment_plan = self.payment_plan.to_dict()

        quantity = self.quantity

        refund: dict[str, Any] | None
        if isinstance(self.refund, RefundOut):
            refund = self.refund.to_dict()
        else:
            refund = self.refund

        reject_reason: None | str
        reject_reason = self.reject_reason

        resource_id: None | str
        resource_id = self.resource_id

        saga_id: None | str
        saga_id = self.saga_id

        session_id: None | str
        session_id = self.session_id

        start_time: None | str
        if isinstance(self.start_time, datetime.datetime):
            start_time = self.start_time.isoformat()
        else:
            start_time = self.start_time

        status = self.status

        total_price = self.total_price.to_dict()

        update_time: None | str
        if isinstance(self.update_time, datetime.datetime):
            update_time = self.update_time.isoformat()
        else:
            update_time = self.update_time

        wallet_debited = self.wallet_debited.to_dict()

        check_in_deadline_time: None | str | Unset
        if isinstance(self.check_in_deadline_time, Unset):
            check_in_deadline_time = UNSET
        elif isinstance(self.check_in_deadline_time, datetime.datetime):
            check_in_deadline_time = self.check_in_deadline_time.isoformat()
        else:
            check_in_deadline_time = self.check_in_deadline_time

        checked_in_time: None | str | Unset
        if isinstance(self.checked_in_time, Unset):
            checked_in_time = UNSET
        elif isinstance(self.checked_in_time, datetime.datetime):
            checked_in_time = self.checked_in_time.isoformat()
        else:
            checked_in_time = self.checked_in_time

        next_action: dict[str, Any] | None | Unset
        if isinstance(self.next_action, Unset):
            next_action = UNSET
        elif isinstance(self.next_action, CustomerNextActionOut):
            next_action = self.next_action.to_dict()
        else:
            next_action = self.next_action

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount_due": amount_due,
                "bonus_debited": bonus_debited,
                "booking_model": booking_model,
                "card_charged": card_charged,
                "company_id": company_id,
                "create_time": create_time,
                "customer_id": customer_id,
                "end_time": end_time,
                "extras": extras,
                "id": id,
                "pass_covered": pass_covered,
                "payment_id": payment_id,
                "payment_plan": payment_plan,
                "quantity": quantity,
                "refund": refund,
                "reject_reason": reject_reason,
                "resource_id": resource_id,
                "saga_id": saga_id,
                "session_id": session_id,
                "start_time": start_time,
                "status": status,
                "total_price": total_price,
                "update_time": update_time,
                "wallet_debited": wallet_debited,
            }
        )
        if check_in_deadline_time is not UNSET:
            field_dict["check_in_deadline_time"] = check_in_deadline_time
        if checked_in_time is not UNSET:
            field_dict["checked_in_time"] = checked_in_time
        if next_action is not UNSET:
            field_dict["next_action"] = next_action

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.booking_extra_out import BookingExtraOut
        from ..models.customer_next_action_out import CustomerNextActionOut
        from ..models.money import Money
        from ..models.payment_plan_out import PaymentPlanOut
        from ..models.refund_out import RefundOut

        d = dict(src_dict)

        def _parse_amount_due(data: object) -> Money | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                amount_due_type_0 = Money.from_dict(data)

                return amount_due_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Money | None, data)

        amount_due = _parse_amount_due(d.pop("amount_due"))

        bonus_debited = Money.from_dict(d.pop("bonus_debited"))

        booking_model = d.pop("booking_model")

        card_charged = Money.from_dict(d.pop("card_charged"))

        company_id = d.pop("company_id")

        def _parse_create_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                create_time_type_0 = datetime.datetime.fromisoformat(data)

                return create_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        create_time = _parse_create_time(d.pop("create_time"))

        customer_id = d.pop("customer_id")

        def _parse_end_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                end_time_type_0 = datetime.datetime.fromisoformat(data)

                return end_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        end_time = _parse_end_time(d.pop("end_time"))

        extras = []
        _extras = d.pop("extras")
        for extras_item_data in _extras:
            extras_item = BookingExtraOut.from_dict(extras_item_data)

            extras.append(extras_item)

        id = d.pop("id")

        pass_covered = Money.from_dict(d.pop("pass_covered"))

        def _parse_payment_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        payment_id = _parse_payment_id(d.pop("payment_id"))

        payment_plan = PaymentPlanOut.from_dict(d.pop("payment_plan"))

        quantity = d.pop("quantity")

        def _parse_refund(data: object) -> None | RefundOut:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                refund_type_0 = RefundOut.from_dict(data)

                return refund_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RefundOut, data)

        refund = _parse_refund(d.pop("refund"))

        def _parse_reject_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reject_reason = _parse_reject_reason(d.pop("reject_reason"))

        def _parse_resource_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        resource_id = _parse_resource_id(d.pop("resource_id"))

        def _parse_saga_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        saga_id = _parse_saga_id(d.pop("saga_id"))

        def _parse_session_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        session_id = _parse_session_id(d.pop("session_id"))

        def _parse_start_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                start_time_type_0 = datetime.datetime.fromisoformat(data)

                return start_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        start_time = _parse_start_time(d.pop("start_time"))

        status = d.pop("status")

        total_price = Money.from_dict(d.pop("total_price"))

        def _parse_update_time(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                update_time_type_0 = datetime.datetime.fromisoformat(data)

                return update_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        update_time = _parse_update_time(d.pop("update_time"))

        wallet_debited = Money.from_dict(d.pop("wallet_debited"))

        def _parse_check_in_deadline_time(
            data: object,
        ) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                check_in_deadline_time_type_0 = datetime.datetime.fromisoformat(data)

                return check_in_deadline_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        check_in_deadline_time = _parse_check_in_deadline_time(
            d.pop("check_in_deadline_time", UNSET)
        )

        def _parse_checked_in_time(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                checked_in_time_type_0 = datetime.datetime.fromisoformat(data)

                return checked_in_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        checked_in_time = _parse_checked_in_time(d.pop("checked_in_time", UNSET))

        def _parse_next_action(data: object) -> CustomerNextActionOut | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                next_action_type_0 = CustomerNextActionOut.from_dict(data)

                return next_action_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CustomerNextActionOut | None | Unset, data)

        next_action = _parse_next_action(d.pop("next_action", UNSET))

        customer_booking_out = cls(
            amount_due=amount_due,
            bonus_debited=bonus_debited,
            booking_model=booking_model,
            card_charged=card_charged,
            company_id=company_id,
            create_time=create_time,
            customer_id=customer_id,
            end_time=end_time,
            extras=extras,
            id=id,
            pass_covered=pass_covered,
            payment_id=payment_id,
            payment_plan=payment_plan,
            quantity=quantity,
            refund=refund,
            reject_reason=reject_reason,
            resource_id=resource_id,
            saga_id=saga_id,
            session_id=session_id,
            start_time=start_time,
            status=status,
            total_price=total_price,
            update_time=update_time,
            wallet_debited=wallet_debited,
            check_in_deadline_time=check_in_deadline_time,
            checked_in_time=checked_in_time,
            next_action=next_action,
        )

        customer_booking_out.additional_properties = d
        return customer_booking_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
