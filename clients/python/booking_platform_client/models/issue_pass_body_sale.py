from enum import StrEnum


class IssuePassBodySale(StrEnum):
    CASH = "CASH"
    EXTERNAL = "EXTERNAL"
    GRANT = "GRANT"

    def __str__(self) -> str:
        return str(self.value)
