"""Schemas of accounts: login and tokens, sign-up, invitations, password changes and resets,
users and API keys (routes/auth.py and routes/admin_users.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.accounts import Account, ApiKey, Invite, PendingReset
from gateway.schemas import EMAIL_PATTERN, PERSON_NAME_PATTERN
from plumbing.text import NAME_PATTERN

Email = Field(min_length=3, max_length=320, pattern=EMAIL_PATTERN, examples=["ada@example.com"])
NewPassword = Field(min_length=8, max_length=1024, description="At least 8 characters.")
Name = Field(min_length=1, max_length=200, pattern=PERSON_NAME_PATTERN, examples=["Ada Lovelace"])
TokenField = Field(min_length=1, max_length=512)


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    company_id: uuid.UUID | None = Field(
        default=None,
        description="The company of the account. Optional when the e-mail and password match one "
        "account only (400 COMPANY_REQUIRED otherwise); platform admins have none.",
    )


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_token: str = Field(description="Single use: POST /v1/auth/refresh answers the next one.")
    refresh_expires_in: int = Field(description="Seconds until the refresh token expires unused.")


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str = TokenField


class SignupRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Email
    password: str = NewPassword
    display_name: str = Name
    email_code: str | None = Field(
        default=None,
        min_length=1,
        max_length=32,
        description="The code e-mailed to the address when it is already a customer's in the company"
        " (a guest who booked): asked for by 409 `EMAIL_CODE_REQUIRED`.",
    )


class InviteAcceptRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = TokenField
    password: str = NewPassword
    display_name: str | None = Field(default=None, min_length=1, max_length=200, pattern=PERSON_NAME_PATTERN)


class PasswordChangeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = NewPassword


class PasswordResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Email
    company_id: uuid.UUID | None = Field(
        default=None, description="The account's company (none: a platform admin)."
    )


class PasswordResetAccepted(BaseModel):
    status: Literal["accepted"] = "accepted"


class PasswordResetConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = TokenField
    new_password: str = NewPassword


# ----- back office -----

InvitableRole = Literal["COMPANY_ADMIN", "STAFF", "CUSTOMER"]
KeyRole = Literal["COMPANY_ADMIN", "STAFF"]
UserRole = Literal["COMPANY_ADMIN", "STAFF", "CUSTOMER"]


class InviteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Email
    role: InvitableRole = Field(description="Staff may invite customers only.")
    display_name: str | None = Field(default=None, min_length=1, max_length=200, pattern=PERSON_NAME_PATTERN)
    company_id: uuid.UUID | None = Field(default=None, description="Platform admins name the company.")


class InviteOut(BaseModel):
    id: str
    company_id: str
    email: str
    role: str
    display_name: str | None
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, invite: Invite) -> InviteOut:
        return cls(
            id=invite.id,
            company_id=invite.company_id,
            email=invite.email,
            role=str(invite.role),
            display_name=invite.display_name,
            created_at=invite.created_at,
            expires_at=invite.expires_at,
            accepted_at=invite.accepted_at,
            revoked_at=invite.revoked_at,
        )


class InviteCreated(InviteOut):
    token: str = Field(description="Shown once: give it to the invitee for POST /v1/invites/accept.")


class InviteList(BaseModel):
    invites: list[InviteOut]
    next_page_token: str | None
    has_more: bool


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, pattern=NAME_PATTERN, examples=["booking widget"])
    role: KeyRole = Field(description="What the key may do: a company admin's or a staff member's calls.")
    company_id: uuid.UUID | None = Field(default=None, description="Platform admins name the company.")


class ApiKeyOut(BaseModel):
    id: str
    company_id: str
    name: str
    role: str
    prefix: str = Field(description="The key's public part: bpk_<prefix>_...")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyOut:
        return cls(
            id=key.id,
            company_id=key.company_id,
            name=key.name,
            role=str(key.role),
            prefix=key.prefix,
            created_at=key.created_at,
            last_used_at=key.last_used_at,
            revoked_at=key.revoked_at,
        )


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="Shown once (only its hash is kept): send it as `X-API-Key`.")


class ApiKeyList(BaseModel):
    api_keys: list[ApiKeyOut]
    next_page_token: str | None
    has_more: bool


class UserOut(BaseModel):
    id: str
    email: str
    role: str
    company_id: str | None
    customer_id: str | None
    display_name: str | None
    created_at: datetime
    active: bool = Field(description="False once deactivated: the account cannot log in or refresh.")
    etag: str = Field(description="Send it back in If-Match to change the user.")

    @classmethod
    def of(cls, account: Account) -> UserOut:
        return cls(
            id=account.id,
            email=account.email,
            role=str(account.role),
            company_id=account.company_id,
            customer_id=account.customer_id,
            display_name=account.display_name,
            created_at=account.created_at,
            active=account.active,
            etag=str(account.version),
        )


class UserPatch(BaseModel):
    """PATCH /v1/admin/users/{id}: the fields given change (at least one)."""

    model_config = ConfigDict(extra="forbid")
    role: Literal["STAFF", "COMPANY_ADMIN"] | None = Field(
        default=None, description="A staff account's new role."
    )
    active: bool | None = Field(
        default=None,
        description="false deactivates the account (its refresh tokens are revoked; it cannot log in "
        "or refresh), true reactivates it.",
    )


class UserList(BaseModel):
    users: list[UserOut]
    next_page_token: str | None
    has_more: bool


class PasswordResetOut(BaseModel):
    id: str
    user_id: str
    email: str
    role: str
    created_at: datetime
    expires_at: datetime

    @classmethod
    def of(cls, reset: PendingReset) -> PasswordResetOut:
        return cls(
            id=reset.id,
            user_id=reset.user_id,
            email=reset.email,
            role=str(reset.role),
            created_at=reset.created_at,
            expires_at=reset.expires_at,
        )


class PasswordResetList(BaseModel):
    password_resets: list[PasswordResetOut]
    next_page_token: str | None
    has_more: bool
