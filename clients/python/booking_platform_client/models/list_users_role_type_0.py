from enum import StrEnum


class ListUsersRoleType0(StrEnum):
    COMPANY_ADMIN = "COMPANY_ADMIN"
    CUSTOMER = "CUSTOMER"
    STAFF = "STAFF"

    def __str__(self) -> str:
        return str(self.value)
