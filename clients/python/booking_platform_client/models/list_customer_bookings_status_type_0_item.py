from enum import StrEnum


class ListCustomerBookingsStatusType0Item(StrEnum):
    CANCELLED = "CANCELLED"
    CANCELLING = "CANCELLING"
    CHECKED_IN = "CHECKED_IN"
    COMPLETED = "COMPLETED"
    CONFIRMED = "CONFIRMED"
    NO_SHOW = "NO_SHOW"
    PENDING = "PENDING"
    PENDING_PAYMENT = "PENDING_PAYMENT"
    REJECTED = "REJECTED"

    def __str__(self) -> str:
        return str(self.value)
