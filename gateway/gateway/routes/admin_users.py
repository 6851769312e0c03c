"""Back office: a company's users, invitations, password resets and API keys
(`/v1/admin/users`, `/v1/admin/invites`, `/v1/admin/password-resets`, `/v1/admin/api-keys`).

Who: company admins for their company (platform admins for any, naming `company_id`); staff
see and invite customers only, and read customers' pending password resets. What hands out a
person's credentials or changes a person's role is done by people only (`_people_only`): an
API key cannot invite, read password resets, change users, mint or revoke keys; it may read
users, invitations (no tokens) and keys (no secrets). Another company's ids answer 404, as if
they did not exist."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from gateway import accounts
from gateway.auth import CompanyAdmin, Principal, Staff, company_in_reach
from gateway.idempotency import check_key
from gateway.invitations import invitation_mail
from gateway.problems import Problem
from gateway.routes.common import (
    IdempotencyKey,
    IfMatch,
    Once,
    PageSize,
    PageToken,
    if_match_etag,
    problems,
    with_etag,
)
from gateway.schemas_admin_users import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyList,
    ApiKeyOut,
    InviteCreated,
    InviteIn,
    InviteList,
    InviteOut,
    PasswordResetList,
    PasswordResetOut,
    UserList,
    UserOut,
    UserPatch,
    UserRole,
)
from gateway.users import normalize_email
from plumbing.db import Database
from plumbing.errors import InvalidArgument
from plumbing.paging import decode_page_token, encode_page_token
from plumbing.principal import Role

router = APIRouter(tags=["admin"])

CompanyQuery = Annotated[uuid.UUID | None, Query(description="Platform admins name the company.")]
# What each role may see and invite.
_ADMIN_ROLES = frozenset({Role.COMPANY_ADMIN, Role.STAFF, Role.CUSTOMER})
_STAFF_ROLES = frozenset({Role.CUSTOMER})


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _company(principal: Principal, company_id: uuid.UUID | None) -> str:
    """The company the call is about: the principal's own, or the one a platform admin names."""
    if company_id is not None:
        return company_in_reach(principal, company_id)
    if principal.company_id is None:
        raise Problem(400, "COMPANY_REQUIRED", "A platform admin names the company_id.")
    return principal.company_id


def _visible_roles(principal: Principal) -> frozenset[Role]:
    return _STAFF_ROLES if principal.role is Role.STAFF else _ADMIN_ROLES


def _after(page_token: str | None) -> tuple[datetime, str] | None:
    try:
        key = decode_page_token(page_token or "", datetime, uuid.UUID)
    except InvalidArgument:
        raise Problem(400, "INVALID_PAGE_TOKEN", "The page token is not valid.") from None
    return (key[0], str(key[1])) if key else None


def _page(rows: list, page_size: int) -> tuple[list, str | None, bool]:  # type: ignore[type-arg]
    shown, more = rows[:page_size], len(rows) > page_size
    token = encode_page_token(shown[-1].created_at, uuid.UUID(shown[-1].id)) if more else None
    return shown, token, more


def _creator(principal: Principal) -> str:
    return principal.subject


def _people_only(
    principal: Principal, detail: str = "API keys are managed by people, not by API keys."
) -> None:
    """403 `PERMISSION_DENIED` for an API key: whatever hands out a person's credentials
    (an invitation, a password reset, a key) or changes a person's role is done by people,
    so that a key can never make itself, or anyone, a person of its company."""
    if principal.api_key_id is not None:
        raise Problem(403, "PERMISSION_DENIED", detail)


# ----- users -----


@router.get(
    "/v1/admin/users",
    response_model=UserList,
    operation_id="listUsers",
    responses=problems(400, 401, 403, 404),
)
async def list_users(
    request: Request,
    principal: Staff,
    company_id: CompanyQuery = None,
    role: Annotated[UserRole | None, Query(description="Only users of this role.")] = None,
    email: Annotated[str | None, Query(max_length=320, description="Only the user of this e-mail.")] = None,
    page_size: PageSize = 50,
    page_token: PageToken = None,
) -> UserList:
    """The company's accounts, newest first (staff: customers only)."""
    company = _company(principal, company_id)
    roles = _visible_roles(principal)
    if role is not None:
        roles = roles & {Role(role)}
    rows = await accounts.list_users(
        _db(request),
        company,
        roles=roles,
        email=normalize_email(email) if email else None,
        after=_after(page_token),
        limit=page_size + 1,
    )
    shown, token, more = _page(rows, page_size)
    return UserList(users=[UserOut.of(row) for row in shown], next_page_token=token, has_more=more)


@router.get(
    "/v1/admin/users/{user_id}",
    response_model=UserOut,
    operation_id="getUser",
    responses=problems(400, 401, 403, 404),
)
async def get_user(request: Request, user_id: uuid.UUID, principal: Staff) -> Response:
    """One account of the company (staff: a customer's); 404 `USER_NOT_FOUND` otherwise."""
    account = await accounts.get_account(_db(request), str(user_id))
    if (
        account is None
        or account.company_id is None
        or not (principal.role is Role.PLATFORM_ADMIN or account.company_id == principal.company_id)
        or account.role not in _visible_roles(principal)
    ):
        raise Problem(404, "USER_NOT_FOUND", "No such user.")
    out = UserOut.of(account)
    return with_etag(out, out.etag)


_USER_REFUSALS = {
    "NOT_FOUND": (404, "USER_NOT_FOUND", "No such user."),
    "NOT_A_STAFF_ACCOUNT": (
        409,
        "NOT_A_STAFF_ACCOUNT",
        "Only staff and company admin accounts are changed here.",
    ),
    "STALE": (412, "PRECONDITION_FAILED", "The user changed since it was read: read it again."),
    "LAST_COMPANY_ADMIN": (
        409,
        "LAST_COMPANY_ADMIN",
        "The company would have no active company admin left: make another admin first.",
    ),
}


@router.patch(
    "/v1/admin/users/{user_id}",
    response_model=UserOut,
    operation_id="updateUser",
    responses=problems(400, 401, 403, 404, 409, 412, 422, 428),
)
async def update_user(
    request: Request,
    user_id: uuid.UUID,
    body: UserPatch,
    principal: CompanyAdmin,
    once: Once,
    if_match: IfMatch = None,
) -> Response:
    """Changes a staff account of the company at the version read (`If-Match`): its `role`
    (STAFF or COMPANY_ADMIN) or `active` (false: deactivated, signed out everywhere, it can no
    longer log in or refresh). Its access tokens issued before a deactivation or a role change
    are refused from then on (401 `TOKEN_REVOKED`, every gateway process within a second).
    409 `LAST_COMPANY_ADMIN` when it would leave the company without an active company admin,
    409 `NOT_A_STAFF_ACCOUNT` for a customer's account. Company admins (people, not API keys)
    of the user's company, platform admins for any. Requires an `Idempotency-Key`."""
    _people_only(principal, "Users are managed by people, not by API keys.")
    etag = if_match_etag(if_match, "user")
    if body.role is None and body.active is None:
        raise Problem(400, "VALIDATION_FAILED", "Give at least one field to change.")
    version = int(etag) if etag.isdigit() and len(etag) <= 18 else -1  # never issued: stale
    scope = None if principal.role is Role.PLATFORM_ADMIN else principal.company_id

    async def call(_key: str) -> Response:
        try:
            changed = await accounts.update_user(
                _db(request),
                company_id=scope,
                user_id=str(user_id),
                expected_version=version,
                role=Role(body.role) if body.role else None,
                active=body.active,
            )
        except accounts.UserChangeRefused as refused:
            status, code, detail = _USER_REFUSALS[refused.reason]
            raise Problem(status, code, detail) from None
        request.app.state.token_revocations.forget()
        out = UserOut.of(changed)
        return with_etag(out, out.etag)

    return await once.run(principal, call, path=f"/v1/admin/users/{user_id}?if-match={etag}", body=body)


# ----- invitations -----


@router.post(
    "/v1/admin/invites",
    response_model=InviteCreated,
    status_code=201,
    operation_id="createInvite",
    responses=problems(400, 401, 403, 404, 422),
)
async def create_invite(
    request: Request, body: InviteIn, principal: Staff, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Invites someone into the company with a role (staff: customers only). The token is in
    this answer and in the invitation e-mail to the invitee (written with the invitation: who
    invites, the company, the role, the expiry, the console's accept page `/ops/invite` and the
    code to type there); it is accepted there or at `POST /v1/invites/accept` within 7 days.
    People only: an API key gets 403 `PERMISSION_DENIED` (its holder would become a person
    of the company, an admin even, through the token). Requires an `Idempotency-Key`: a
    retry answers the same invitation with a new token (the first one stops working) and
    e-mails it, since no token is stored to be replayed."""
    _people_only(principal, "Invitations are made by people, not by API keys.")
    key = check_key(idempotency_key)
    company = _company(principal, body.company_id)
    role = Role(body.role)
    if role not in _visible_roles(principal):
        raise Problem(403, "PERMISSION_DENIED", "Staff may invite customers only.")
    made = await accounts.create_invite(
        _db(request),
        company_id=company,
        email=normalize_email(body.email),
        role=role,
        display_name=body.display_name,
        invited_by=_creator(principal),
        request_key=key,
        mail=await invitation_mail(request, _creator(principal), company),
    )
    if made is None:
        raise Problem(
            422,
            "IDEMPOTENCY_KEY_REUSED",
            "This Idempotency-Key was used for another request (or its invitation is used or revoked).",
        )
    invite, created = made
    out = InviteCreated(**InviteOut.of(invite).model_dump(), token=created.secret)
    return JSONResponse(
        out.model_dump(mode="json"),
        status_code=201 if created.inserted else 200,
        headers={"Location": f"/v1/admin/invites?company_id={invite.company_id}"},
    )


@router.get(
    "/v1/admin/invites",
    response_model=InviteList,
    operation_id="listInvites",
    responses=problems(400, 401, 403, 404),
)
async def list_invites(
    request: Request,
    principal: Staff,
    company_id: CompanyQuery = None,
    page_size: PageSize = 50,
    page_token: PageToken = None,
) -> InviteList:
    """The company's invitations, newest first (staff: invitations of customers)."""
    company = _company(principal, company_id)
    rows = await accounts.list_invites(_db(request), company, after=_after(page_token), limit=page_size + 1)
    shown, token, more = _page(rows, page_size)
    visible = _visible_roles(principal)
    return InviteList(
        invites=[InviteOut.of(row) for row in shown if row.role in visible],
        next_page_token=token,
        has_more=more,
    )


@router.post(
    "/v1/admin/invites/{invite_id}/revoke",
    response_model=InviteOut,
    operation_id="revokeInvite",
    responses=problems(400, 401, 403, 404, 409, 422),
)
async def revoke_invite(request: Request, invite_id: uuid.UUID, principal: Staff, once: Once) -> Response:
    """Revokes a pending invitation at once (a mistyped address, someone who left): its code is
    refused from then on (`INVITE_NOT_FOUND` at the accept page and `POST /v1/invites/accept`);
    revoking again answers the invitation as it is. 409 `INVITE_ALREADY_ACCEPTED` once it was
    accepted (deactivate the account instead). 404 `INVITE_NOT_FOUND` for another company's
    invitation, and for staff an invitation of staff or an admin (staff revoke customers'
    only). People only, as inviting is. Requires an `Idempotency-Key`."""
    _people_only(principal, "Invitations are revoked by people, not by API keys.")

    async def call(_key: str) -> Response:
        scope = None if principal.role is Role.PLATFORM_ADMIN else principal.company_id
        invite = await accounts.revoke_invite(_db(request), scope, str(invite_id), _visible_roles(principal))
        if invite is None:
            raise Problem(404, "INVITE_NOT_FOUND", "No such invitation.")
        if invite.revoked_at is None:  # accepted before it could be revoked
            raise Problem(
                409, "INVITE_ALREADY_ACCEPTED", "The invitation was accepted: deactivate the account instead."
            )
        return JSONResponse(InviteOut.of(invite).model_dump(mode="json"))

    return await once.run(principal, call, path=f"/v1/admin/invites/{invite_id}/revoke")


# ----- password resets -----


@router.get(
    "/v1/admin/password-resets",
    response_model=PasswordResetList,
    operation_id="listPasswordResets",
    responses=problems(400, 401, 403, 404),
)
async def list_password_resets(
    request: Request,
    principal: Staff,
    company_id: CompanyQuery = None,
    page_size: PageSize = 50,
    page_token: PageToken = None,
) -> PasswordResetList:
    """Pending password resets of the company's accounts (staff: customers' only): who asked,
    when, until when. Never their tokens: each goes by e-mail to its account's address alone.
    An API key may not read them."""
    _people_only(principal, "Password resets are read by people, not API keys.")
    company = _company(principal, company_id)
    rows = await accounts.pending_resets(
        _db(request), company, roles=_visible_roles(principal), after=_after(page_token), limit=page_size + 1
    )
    shown, token, more = _page(rows, page_size)
    return PasswordResetList(
        password_resets=[PasswordResetOut.of(row) for row in shown],
        next_page_token=token,
        has_more=more,
    )


# ----- API keys -----


@router.post(
    "/v1/admin/api-keys",
    response_model=ApiKeyCreated,
    status_code=201,
    operation_id="createApiKey",
    responses=problems(400, 401, 403, 404, 422),
)
async def create_api_key(
    request: Request, body: ApiKeyIn, principal: CompanyAdmin, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Creates an API key of the company for server-to-server calls, scoped to a role. The
    key is in this answer only (its SHA-256 is kept); send it as `X-API-Key` or
    `Authorization: ApiKey <key>`. Requires an `Idempotency-Key`: a retry answers the same key
    record with a new secret while the key is unused."""
    _people_only(principal)
    key = check_key(idempotency_key)
    company = _company(principal, body.company_id)
    made = await accounts.create_api_key(
        _db(request),
        company_id=company,
        role=Role(body.role),
        name=body.name,
        created_by=_creator(principal),
        request_key=key,
    )
    if made is None:
        raise Problem(
            422,
            "IDEMPOTENCY_KEY_REUSED",
            "This Idempotency-Key was used for another request (or its API key is in use or revoked).",
        )
    api_key, created = made
    out = ApiKeyCreated(**ApiKeyOut.of(api_key).model_dump(), key=created.secret)
    return JSONResponse(
        out.model_dump(mode="json"),
        status_code=201 if created.inserted else 200,
        headers={"Location": f"/v1/admin/api-keys?company_id={api_key.company_id}"},
    )


@router.get(
    "/v1/admin/api-keys",
    response_model=ApiKeyList,
    operation_id="listApiKeys",
    responses=problems(400, 401, 403, 404),
)
async def list_api_keys(
    request: Request,
    principal: CompanyAdmin,
    company_id: CompanyQuery = None,
    page_size: PageSize = 50,
    page_token: PageToken = None,
) -> ApiKeyList:
    """The company's API keys (prefix, role, last use; never the secret), newest first."""
    company = _company(principal, company_id)
    rows = await accounts.list_api_keys(_db(request), company, after=_after(page_token), limit=page_size + 1)
    shown, token, more = _page(rows, page_size)
    return ApiKeyList(api_keys=[ApiKeyOut.of(row) for row in shown], next_page_token=token, has_more=more)


@router.post(
    "/v1/admin/api-keys/{api_key_id}/revoke",
    response_model=ApiKeyOut,
    operation_id="revokeApiKey",
    responses=problems(400, 401, 403, 404, 409, 422),
)
async def revoke_api_key(
    request: Request, api_key_id: uuid.UUID, principal: CompanyAdmin, once: Once
) -> Response:
    """Revokes the key at once (its next call is 401); revoking again answers the key as it is.
    404 `API_KEY_NOT_FOUND` for another company's key. Requires an `Idempotency-Key`."""
    _people_only(principal)

    async def call(_key: str) -> Response:
        scope = None if principal.role is Role.PLATFORM_ADMIN else principal.company_id
        revoked = await accounts.revoke_api_key(_db(request), scope, str(api_key_id))
        if revoked is None:
            raise Problem(404, "API_KEY_NOT_FOUND", "No such API key.")
        return JSONResponse(ApiKeyOut.of(revoked).model_dump(mode="json"))

    return await once.run(principal, call, path=f"/v1/admin/api-keys/{api_key_id}/revoke")
