from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ChangeBookingBody")


@_attrs_define
class ChangeBookingBody:
    """The new end of a booking: `end_time` (interval rentals) or `check_out_date` (nightly stays).

    Attributes:
        check_out_date (datetime.date | None | Unset): Nightly: the new local check-out.
        end_time (datetime.datetime | None | Unset): Interval: the new end (UTC offset).
    """

    check_out_date: datetime.date | None | Unset = UNSET
    end_time: datetime.datetime | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
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

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if check_out_date is not UNSET:
            field_dict["check_out_date"] = check_out_date
        if end_time is not UNSET:
            field_dict["end_time"] = end_time

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

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

        change_booking_body = cls(
            check_out_date=check_out_date,
            end_time=end_time,
        )

        return change_booking_body
