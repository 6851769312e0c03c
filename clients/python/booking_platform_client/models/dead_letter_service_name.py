from enum import StrEnum


class DeadLetterServiceName(StrEnum):
    BOOKINGS = "bookings"
    PASSES = "passes"
    PAYMENTS = "payments"
    WALLET = "wallet"

    def __str__(self) -> str:
        return str(self.value)
