from enum import StrEnum


class StaffPaymentInDeskType0(StrEnum):
    CASH = "CASH"
    EXTERNAL = "EXTERNAL"

    def __str__(self) -> str:
        return str(self.value)
