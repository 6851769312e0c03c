from enum import StrEnum


class StaffBookingOutDeskPaymentType0(StrEnum):
    CASH = "CASH"
    EXTERNAL = "EXTERNAL"

    def __str__(self) -> str:
        return str(self.value)
