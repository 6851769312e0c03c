from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.booking_out import BookingOut
    from ..models.next_action_out import NextActionOut


T = TypeVar("T", bound="GuestBookingCreated")


@_attrs_define
class GuestBookingCreated:
    """
    Attributes:
        booking (BookingOut):
        manage_token (str): The booking's signed token (keep it private; it expires): `Authorization: Bearer` on GET
            manage_url, and on POST /v1/public/bookings/{id}/cancel (or in its body).
        manage_url (str): GET it with `Authorization: Bearer <manage_token>` to see the booking.
        reference (str): The booking reference to quote to the company.
        next_action (NextActionOut | None | Unset): Set while the card awaits its 3-D Secure check; else null.
    """

    booking: BookingOut
    manage_token: str
    manage_url: str
    reference: str
    next_action: NextActionOut | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.next_action_out import NextActionOut

        booking = self.booking.to_dict()

        manage_token = self.manage_token

        manage_url = self.manage_url

        reference = self.reference

        next_action: dict[str, Any] | None | Unset
        if isinstance(self.next_action, Unset):
            next_action = UNSET
        elif isinstance(self.next_action, NextActionOut):
            next_action = self.next_action.to_dict()
        else:
            next_action = self.next_action

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "booking": booking,
                "manage_token": manage_token,
                "manage_url": manage_url,
                "reference": reference,
            }
        )
        if next_action is not UNSET:
            field_dict["next_action"] = next_action

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.booking_out import BookingOut
        from ..models.next_action_out import NextActionOut

        d = dict(src_dict)
        booking = BookingOut.from_dict(d.pop("booking"))

        manage_token = d.pop("manage_token")

        manage_url = d.pop("manage_url")

        reference = d.pop("reference")

        def _parse_next_action(data: object) -> NextActionOut | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                next_action_type_0 = NextActionOut.from_dict(data)

                return next_action_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(NextActionOut | None | Unset, data)

        next_action = _parse_next_action(d.pop("next_action", UNSET))

        guest_booking_created = cls(
            booking=booking,
            manage_token=manage_token,
            manage_url=manage_url,
            reference=reference,
            next_action=next_action,
        )

        guest_booking_created.additional_properties = d
        return guest_booking_created

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
