from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.extra_in import ExtraIn
    from ..models.payment_in import PaymentIn


T = TypeVar("T", bound="CreateBookingBody")


@_attrs_define
class CreateBookingBody:
    """
    Attributes:
        check_in_date (datetime.date | None | Unset): Nightly: local check-in date.
        check_out_date (datetime.date | None | Unset): Nightly: local check-out date.
        end_time (datetime.datetime | None | Unset): Interval: end (with a UTC offset).
        extras (list[ExtraIn] | Unset):
        guests (int | Unset): Nightly: guests. Default: 1.
        payment (PaymentIn | Unset):
        quantity (int | Unset): Time slots: places. Default: 1.
        resource_id (None | Unset | UUID): Nightly stays and interval rentals.
        session_id (None | Unset | UUID): Time slots: the session.
        start_time (datetime.datetime | None | Unset): Interval: start (with a UTC offset).
        unit_id (None | Unset | UUID): Nightly: a specific unit (any free one if unset).
    """

    check_in_date: datetime.date | None | Unset = UNSET
    check_out_date: datetime.date | None | Unset = UNSET
    end_time: datetime.datetime | None | Unset = UNSET
    extras: list[ExtraIn] | Unset = UNSET
    guests: int | Unset = 1
    payment: PaymentIn | Unset = UNSET
    quantity: int | Unset = 1
    resource_id: None | Unset | UUID = UNSET
    session_id: None | Unset | UUID = UNSET
    start_time: datetime.datetime | None | Unset = UNSET
    unit_id: None | Unset | UUID = UNSET

    def to_dict(self) -> dict[str, Any]:
        check_in_date: None | str | Unset
        if isinstance(self.check_in_date, Unset):
            check_in_date = UNSET
        elif isinstance(self.check_in_date, datetime.date):
            check_in_date = self.check_in_date.isoformat()
        else:
            check_in_date = self.check_in_date

        check_out_date: None | str | Unset
        if isinstance(self.check_out_date, Unset):
            check_out_date = UNSET
        elif isinstance(self.check_out_date, datetime.date):
            check_out_date = self.check_out_date.isoformat()
        else:
            check_out_date = self.check_out_date

        end_time: None | str | Unset
        if isinstance(self.end_time, Unset):
            end_time = UNSET
        elif isinstance(self.end_time, datetime.datetime):
            end_time = self.end_time.isoformat()
        else:
            end_time = self.end_time

        extras: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.extras, Unset):
            extras = []
            for extras_item_data in self.extras:
                extras_item = extras_item_data.to_dict()
                extras.append(extras_item)

        guests = self.guests

        payment: dict[str, Any] | Unset = UNSET
        if not isinstance(self.payment, Unset):
            payment = self.payment.to_dict()

        quantity = self.quantity

        resource_id: None | str | Unset
        if isinstance(self.resource_id, Unset):
            resource_id = UNSET
        elif isinstance(self.resource_id, UUID):
            resource_id = str(self.resource_id)
        else:
            resource_id = self.resource_id

        session_id: None | str | Unset
        if isinstance(self.session_id, Unset):
            session_id = UNSET
        elif isinstance(self.session_id, UUID):
            session_id = str(self.session_id)
        else:
            session_id = self.session_id

        start_time: None | str | Unset
        if isinstance(self.start_time, Unset):
            start_time = UNSET
        elif isinstance(self.start_time, datetime.datetime):
            start_time = self.start_time.isoformat()
        else:
            start_time = self.start_time

        unit_id: None | str | Unset
        if isinstance(self.unit_id, Unset):
            unit_id = UNSET
        elif isinstance(self.unit_id, UUID):
            unit_id = str(self.unit_id)
        else:
            unit_id = self.unit_id

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if check_in_date is not UNSET:
            field_dict["check_in_date"] = check_in_date
        if check_out_date is not UNSET:
            field_dict["check_out_date"] = check_out_date
        if end_time is not UNSET:
            field_dict["end_time"] = end_time
        if extras is not UNSET:
            field_dict["extras"] = extras
        if guests is not UNSET:
            field_dict["guests"] = guests
        if payment is not UNSET:
            field_dict["payment"] = payment
        if quantity is not UNSET:
            field_dict["quantity"] = quantity
        if resource_id is not UNSET:
            field_dict["resource_id"] = resource_id
        if session_id is not UNSET:
            field_dict["session_id"] = session_id
        if start_time is not UNSET:
            field_dict["start_time"] = start_time
        if unit_id is not UNSET:
            field_dict["unit_id"] = unit_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.extra_in import ExtraIn
        from ..models.payment_in import PaymentIn

        d = dict(src_dict)

        def _parse_check_in_date(data: object) -> datetime.date | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                check_in_date_type_0 = datetime.date.fromisoformat(data)

                return check_in_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None | Unset, data)

        check_in_date = _parse_check_in_date(d.pop("check_in_date", UNSET))

        def _parse_check_out_date(data: object) -> datetime.date | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                check_out_date_type_0 = datetime.date.fromisoformat(data)

                return check_out_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None | Unset, data)

        check_out_date = _parse_check_out_date(d.pop("check_out_date", UNSET))

        def _parse_end_time(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                end_time_type_0 = datetime.datetime.fromisoformat(data)

                return end_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        end_time = _parse_end_time(d.pop("end_time", UNSET))

        _extras = d.pop("extras", UNSET)
        extras: list[ExtraIn] | Unset = UNSET
        if _extras is not UNSET:
            extras = []
            for extras_item_data in _extras:
                extras_item = ExtraIn.from_dict(extras_item_data)

                extras.append(extras_item)

        guests = d.pop("guests", UNSET)

        _payment = d.pop("payment", UNSET)
        payment: PaymentIn | Unset
        if isinstance(_payment, Unset):
            payment = UNSET
        else:
            payment = PaymentIn.from_dict(_payment)

        quantity = d.pop("quantity", UNSET)

        def _parse_resource_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                resource_id_type_0 = UUID(data)

                return resource_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        resource_id = _parse_resource_id(d.pop("resource_id", UNSET))

        def _parse_session_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                session_id_type_0 = UUID(data)

                return session_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        session_id = _parse_session_id(d.pop("session_id", UNSET))

        def _parse_start_time(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                start_time_type_0 = datetime.datetime.fromisoformat(data)

                return start_time_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        start_time = _parse_start_time(d.pop("start_time", UNSET))

        def _parse_unit_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                unit_id_type_0 = UUID(data)

                return unit_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        unit_id = _parse_unit_id(d.pop("unit_id", UNSET))

        create_booking_body = cls(
            check_in_date=check_in_date,
            check_out_date=check_out_date,
            end_time=end_time,
            extras=extras,
            guests=guests,
            payment=payment,
            quantity=quantity,
            resource_id=resource_id,
            session_id=session_id,
            start_time=start_time,
            unit_id=unit_id,
        )

        return create_booking_body
