from enum import StrEnum


class CancelSessionBodyScope(StrEnum):
    FOLLOWING = "following"
    THIS = "this"

    def __str__(self) -> str:
        return str(self.value)
