from enum import StrEnum


class UpdateEndpointBodyEventTypesType0Item(StrEnum):
    BOOKING_CANCELLED = "booking.cancelled"
    BOOKING_CANCELLING = "booking.cancelling"
    BOOKING_CHANGED = "booking.changed"
    BOOKING_CHANGE_FAILED = "booking.change_failed"
    BOOKING_CONFIRMED = "booking.confirmed"
    BOOKING_NO_SHOW = "booking.no_show"
    BOOKING_NO_SHOW_OVERTURNED = "booking.no_show_overturned"
    BOOKING_PAYMENT_DUE = "booking.payment_due"
    BOOKING_REJECTED = "booking.rejected"
    REFUND_COMPLETED = "refund.completed"

    def __str__(self) -> str:
        return str(self.value)
