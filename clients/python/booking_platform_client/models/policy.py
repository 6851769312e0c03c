from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.cancellation_window import CancellationWindow


T = TypeVar("T", bound="Policy")


@_attrs_define
class Policy:
    """The booking rules (catalog's README, Policy): 0 = no limit / not used. Rules of another
    booking model (e.g. `min_nights` on an INTERVAL resource) are refused (400 INVALID_POLICY).

        Attributes:
            buffer_after_minutes (int | Unset):  Default: 0.
            buffer_before_minutes (int | Unset):  Default: 0.
            cancellation_windows (list[CancellationWindow] | Unset): Refund steps; none: free cancellation until the start.
                Replies list the effective ones.
            check_in_deadline_minutes (int | Unset):  Default: 0.
            check_in_time (None | str | Unset): NIGHTLY: local check-in time.
            check_out_time (None | str | Unset): NIGHTLY: local check-out time.
            granularity_minutes (int | Unset):  Default: 0.
            horizon_days (int | Unset):  Default: 365.
            lead_time_minutes (int | Unset):  Default: 0.
            max_active_bookings_per_customer (int | Unset):  Default: 0.
            max_duration_minutes (int | Unset):  Default: 0.
            max_guests_per_unit (int | Unset):  Default: 0.
            max_nights (int | Unset):  Default: 0.
            max_places_per_booking (int | Unset):  Default: 0.
            min_duration_minutes (int | Unset):  Default: 0.
            min_nights (int | Unset):  Default: 0.
            no_show_grace_minutes (int | Unset):  Default: 0.
    """

    buffer_after_minutes: int | Unset = 0
    buffer_before_minutes: int | Unset = 0
    cancellation_windows: list[CancellationWindow] | Unset = UNSET
    check_in_deadline_minutes: int | Unset = 0
    check_in_time: None | str | Unset = UNSET
    check_out_time: None | str | Unset = UNSET
    granularity_minutes: int | Unset = 0
    horizon_days: int | Unset = 365
    lead_time_minutes: int | Unset = 0
    max_active_bookings_per_customer: int | Unset = 0
    max_duration_minutes: int | Unset = 0
    max_guests_per_unit: int | Unset = 0
    max_nights: int | Unset = 0
    max_places_per_booking: int | Unset = 0
    min_duration_minutes: int | Unset = 0
    min_nights: int | Unset = 0
    no_show_grace_minutes: int | Unset = 0

    def to_dict(self) -> dict[str, Any]:
        buffer_after_minutes = self.buffer_after_minutes

        buffer_before_minutes = self.buffer_before_minutes

        cancellation_windows: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.cancellation_windows, Unset):
            cancellation_windows = []
            for cancellation_windows_item_data in self.cancellation_windows:
                cancellation_windows_item = cancellation_windows_item_data.to_dict()
                cancellation_windows.append(cancellation_windows_item)

        check_in_deadline_minutes = self.check_in_deadline_minutes

        check_in_time: None | str | Unset
        if isinstance(self.check_in_time, Unset):
            check_in_time = UNSET
        else:
            check_in_time = self.check_in_time

        check_out_time: None | str | Unset
        if isinstance(self.check_out_time, Unset):
            check_out_time = UNSET
        else:
            check_out_time = self.check_out_time

        granularity_minutes = self.granularity_minutes

        horizon_days = self.horizon_days

        lead_time_minutes = self.lead_time_minutes

        max_active_bookings_per_customer = self.max_active_bookings_per_customer

        max_duration_minutes = self.max_duration_minutes

        max_guests_per_unit = self.max_guests_per_unit

        max_nights = self.max_nights

        max_places_per_booking = self.max_places_per_booking

        min_duration_minutes = self.min_duration_minutes

        min_nights = self.min_nights

        no_show_grace_minutes = self.no_show_grace_minutes

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if buffer_after_minutes is not UNSET:
            field_dict["buffer_after_minutes"] = buffer_after_minutes
        if buffer_before_minutes is not UNSET:
            field_dict["buffer_before_minutes"] = buffer_before_minutes
        if cancellation_windows is not UNSET:
            field_dict["cancellation_windows"] = cancellation_windows
        if check_in_deadline_minutes is not UNSET:
            field_dict["check_in_deadline_minutes"] = check_in_deadline_minutes
        if check_in_time is not UNSET:
            field_dict["check_in_time"] = check_in_time
        if check_out_time is not UNSET:
            field_dict["check_out_time"] = check_out_time
        if granularity_minutes is not UNSET:
            field_dict["granularity_minutes"] = granularity_minutes
        if horizon_days is not UNSET:
            field_dict["horizon_days"] = horizon_days
        if lead_time_minutes is not UNSET:
            field_dict["lead_time_minutes"] = lead_time_minutes
        if max_active_bookings_per_customer is not UNSET:
            field_dict["max_active_bookings_per_customer"] = (
                max_active_bookings_per_customer
            )
        if max_duration_minutes is not UNSET:
            field_dict["max_duration_minutes"] = max_duration_minutes
        if max_guests_per_unit is not UNSET:
            field_dict["max_guests_per_unit"] = max_guests_per_unit
        if max_nights is not UNSET:
            field_dict["max_nights"] = max_nights
        if max_places_per_booking is not UNSET:
            field_dict["max_places_per_booking"] = max_places_per_booking
        if min_duration_minutes is not UNSET:
            field_dict["min_duration_minutes"] = min_duration_minutes
        if min_nights is not UNSET:
            field_dict["min_nights"] = min_nights
        if no_show_grace_minutes is not UNSET:
            field_dict["no_show_grace_minutes"] = no_show_grace_minutes

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.cancellation_window import CancellationWindow

        d = dict(src_dict)
        buffer_after_minutes = d.pop("buffer_after_minutes", UNSET)

        buffer_before_minutes = d.pop("buffer_before_minutes", UNSET)

        _cancellation_windows = d.pop("cancellation_windows", UNSET)
        cancellation_windows: list[CancellationWindow] | Unset = UNSET
        if _cancellation_windows is not UNSET:
            cancellation_windows = []
            for cancellation_windows_item_data in _cancellation_windows:
                cancellation_windows_item = CancellationWindow.from_dict(
                    cancellation_windows_item_data
                )

                cancellation_windows.append(cancellation_windows_item)

        check_in_deadline_minutes = d.pop("check_in_deadline_minutes", UNSET)

        def _parse_check_in_time(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        check_in_time = _parse_check_in_time(d.pop("check_in_time", UNSET))

        def _parse_check_out_time(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        check_out_time = _parse_check_out_time(d.pop("check_out_time", UNSET))

        granularity_minutes = d.pop("granularity_minutes", UNSET)

        horizon_days = d.pop("horizon_days", UNSET)

        lead_time_minutes = d.pop("lead_time_minutes", UNSET)

        max_active_bookings_per_customer = d.pop(
            "max_active_bookings_per_customer", UNSET
        )

        max_duration_minutes = d.pop("max_duration_minutes", UNSET)

        max_guests_per_unit = d.pop("max_guests_per_unit", UNSET)

        max_nights = d.pop("max_nights", UNSET)

        max_places_per_booking = d.pop("max_places_per_booking", UNSET)

        min_duration_minutes = d.pop("min_duration_minutes", UNSET)

        min_nights = d.pop("min_nights", UNSET)

        no_show_grace_minutes = d.pop("no_show_grace_minutes", UNSET)

        policy = cls(
            buffer_after_minutes=buffer_after_minutes,
            buffer_before_minutes=buffer_before_minutes,
            cancellation_windows=cancellation_windows,
            check_in_deadline_minutes=check_in_deadline_minutes,
            check_in_time=check_in_time,
            check_out_time=check_out_time,
            granularity_minutes=granularity_minutes,
            horizon_days=horizon_days,
            lead_time_minutes=lead_time_minutes,
            max_active_bookings_per_customer=max_active_bookings_per_customer,
            max_duration_minutes=max_duration_minutes,
            max_guests_per_unit=max_guests_per_unit,
            max_nights=max_nights,
            max_places_per_booking=max_places_per_booking,
            min_duration_minutes=min_duration_minutes,
            min_nights=min_nights,
            no_show_grace_minutes=no_show_grace_minutes,
        )

        return policy
