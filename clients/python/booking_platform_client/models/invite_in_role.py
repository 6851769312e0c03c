from enum import StrEnum


class InviteInRole(StrEnum):
    COMPANY_ADMIN = "COMPANY_ADMIN"
    CUSTOMER = "CUSTOMER"
    STAFF = "STAFF"

    def __str__(self) -> str:
        return str(self.value)
