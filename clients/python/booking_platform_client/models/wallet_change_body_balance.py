from enum import StrEnum


class WalletChangeBodyBalance(StrEnum):
    BONUS = "BONUS"
    MAIN = "MAIN"

    def __str__(self) -> str:
        return str(self.value)
