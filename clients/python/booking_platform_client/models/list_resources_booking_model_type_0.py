from enum import StrEnum


class ListResourcesBookingModelType0(StrEnum):
    INTERVAL = "INTERVAL"
    NIGHTLY = "NIGHTLY"
    TIME_SLOT = "TIME_SLOT"

    def __str__(self) -> str:
        return str(self.value)
