from enum import StrEnum


class SagaStateName(StrEnum):
    AWAITING_PAYMENT = "AWAITING_PAYMENT"
    COMPENSATED = "COMPENSATED"
    COMPENSATING = "COMPENSATING"
    COMPLETED = "COMPLETED"
    FINALIZING = "FINALIZING"
    RUNNING = "RUNNING"

    def __str__(self) -> str:
        return str(self.value)
