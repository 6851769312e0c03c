from enum import StrEnum


class UserPatchRoleType0(StrEnum):
    COMPANY_ADMIN = "COMPANY_ADMIN"
    STAFF = "STAFF"

    def __str__(self) -> str:
        return str(self.value)
