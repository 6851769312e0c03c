"""JSON shapes of guest booking (no account): the guest, the bodies of the three booking
models, and the answers with the manage link and the 3-D Secure next action."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.edge import EdgeDate, EdgeDateTime, WholeNumber
from gateway.schemas import (
    GUEST_EMAIL_PATTERN,
    MAX_EXTRAS,
    MAX_GUESTS,
    MAX_QUANTITY,
    PERSON_NAME_PATTERN,
    BookingOut,
    BookingTarget,
    ExtraIn,
)


class GuestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(
        min_length=1, max_length=200, pattern=PERSON_NAME_PATTERN, description="The guest's full name."
    )
    email: str = Field(
        min_length=3,
        max_length=320,
        pattern=GUEST_EMAIL_PATTERN,
        description="One guest customer per company and address: booking again is the same customer.",
    )


CardToken = Field(
    min_length=1,
    max_length=256,
    description="A card token from the card provider: registered with payments, never stored elsewhere.",
)


class GuestSessionBookingBody(BaseModel):
    """Places in a session (classes, tours), paid by card."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "guest": {"name": "Ada Lovelace", "email": "ada@example.com"},
                    "quantity": 2,
                    "card_token": "tok_visa",
                }
            ]
        },
    )
    guest: GuestIn
    quantity: WholeNumber = Field(default=1, ge=1, le=MAX_QUANTITY, description="Places.")
    extras: list[ExtraIn] = Field(default_factory=list, max_length=MAX_EXTRAS)
    card_token: str = CardToken

    def target(self, session_id: uuid.UUID) -> BookingTarget:
        return BookingTarget(session_id=session_id, quantity=self.quantity, extras=self.extras)


class GuestResourceBookingBody(BaseModel):
    """Nights in a room type (check-in and check-out dates) or an interval of equipment (start
    and end times): the resource's booking model decides which fields apply."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "guest": {"name": "Ada Lovelace", "email": "ada@example.com"},
                    "check_in_date": "2030-03-27",
                    "check_out_date": "2030-03-29",
                    "guests": 2,
                    "card_token": "tok_visa",
                },
                {
                    "guest": {"name": "Ada Lovelace", "email": "ada@example.com"},
                    "start_time": "2030-03-27T09:00:00Z",
                    "end_time": "2030-03-27T11:30:00Z",
                    "card_token": "tok_visa",
                },
            ]
        },
    )
    guest: GuestIn
    unit_id: uuid.UUID | None = Field(
        default=None, description="Nightly: a specific unit (any free one if unset)."
    )
    check_in_date: EdgeDate | None = Field(default=None, description="Nightly: local check-in date.")
    check_out_date: EdgeDate | None = Field(default=None, description="Nightly: local check-out date.")
    guests: WholeNumber = Field(default=1, ge=1, le=MAX_GUESTS, description="Nightly: guests.")
    start_time: EdgeDateTime | None = Field(default=None, description="Interval: start (with a UTC offset).")
    end_time: EdgeDateTime | None = Field(default=None, description="Interval: end (with a UTC offset).")
    extras: list[ExtraIn] = Field(default_factory=list, max_length=MAX_EXTRAS)
    card_token: str = CardToken

    def target(self, resource_id: uuid.UUID) -> BookingTarget:
        return BookingTarget(
            resource_id=resource_id,
            unit_id=self.unit_id,
            check_in_date=self.check_in_date,
            check_out_date=self.check_out_date,
            guests=self.guests,
            start_time=self.start_time,
            end_time=self.end_time,
            extras=self.extras,
        )


class NextActionOut(BaseModel):
    type: Literal["AUTHENTICATE_CARD"] = Field(
        description="The card holder must pass the card's 3-D Secure check before the booking can confirm."
    )
    url: str = Field(
        description="The challenge page: open it with `Authorization: Bearer <token>` (never in the address)."
    )
    token: str = Field(description="The signed token of this check (keep it private; it expires).")
    expire_time: datetime | None = Field(
        default=None,
        description="Past it the check times out: the booking is REJECTED `AUTHENTICATION_TIMEOUT`, "
        "nothing charged.",
    )


class GuestBookingOut(BaseModel):
    booking: BookingOut
    reference: str = Field(description="The booking reference to quote to the company.")
    next_action: NextActionOut | None = Field(
        default=None, description="Set while the card awaits its 3-D Secure check; else null."
    )


class GuestBookingCreated(GuestBookingOut):
    manage_url: str = Field(
        description="GET it with `Authorization: Bearer <manage_token>` to see the booking."
    )
    manage_token: str = Field(
        description=(
            "The booking's signed token (keep it private; it expires): `Authorization: Bearer` on GET"
            " manage_url, and on POST /v1/public/bookings/{id}/cancel (or in its body)."
        )
    )


class GuestCancelBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str | None = Field(
        default=None,
        min_length=1,
        max_length=2048,
        description="The manage token; or send it as `Authorization: Bearer <token>`.",
    )


class CardActionOut(BaseModel):
    payment_id: str
    booking_id: str
    status: str = Field(
        examples=["REQUIRES_ACTION"],
        description="Still REQUIRES_ACTION: the card provider confirms a moment later; follow the booking.",
    )
