from enum import StrEnum


class CreateExtraBodyPricingUnit(StrEnum):
    PER_BOOKING = "PER_BOOKING"
    PER_GUEST = "PER_GUEST"
    PER_GUEST_NIGHT = "PER_GUEST_NIGHT"
    PER_HOUR = "PER_HOUR"
    PER_NIGHT = "PER_NIGHT"

    def __str__(self) -> str:
        return str(self.value)
