"""Accounts over HTTP: login (e-mail, password and, for a company's account, the company),
refresh with rotation and reuse detection, logout, password change and reset, customer
sign-up into a company and the acceptance of an invitation.

Access tokens are short-lived JWTs; a refresh token (`<id>.<secret>`, only its hash stored)
is single use: each refresh answers the next one of the same family, and a used one presented
again revokes the whole family (a copy is in someone else's hands). Logging out, changing or
resetting a password revoke refresh tokens too (gateway.accounts)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncConnection

from bookingplatform.catalog.v1 import catalog_pb2, guest_customers_pb2
from gateway import accounts
from gateway.auth import AnyPrincipal, TokenIssuer
from gateway.deps import clients_of, rpc, tokens_of, users_of
from gateway.invitations import public_address
from gateway.notifications.delivery import write_password_reset, write_signup_code
from gateway.problems import Problem, RpcProblem
from gateway.ratelimit import client_address, limiter_of
from gateway.routes.common import problems
from gateway.schemas_admin_users import (
    InviteAcceptRequest,
    PasswordChangeRequest,
    PasswordResetAccepted,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    SignupRequest,
    TokenRequest,
    TokenResponse,
)
from gateway.users import CompanyRequired, User, hash_password, insert_user, normalize_email
from plumbing import audit
from plumbing.db import Database
from plumbing.principal import Principal, Role, acting_as

log = logging.getLogger(__name__)

router = APIRouter(tags=["auth"])

T = TypeVar("T")

# Catalog request ids of sign-ups: one per (company, e-mail), so a retry finds the first one.
_SIGNUP_NAMESPACE = uuid.UUID("7d7c36a4-3b8e-4f53-9a57-6c2f0b1d2e11")


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def _token_pair(request: Request, user: User, refresh: accounts.IssuedRefresh) -> TokenResponse:
    tokens: TokenIssuer = tokens_of(request)
    return TokenResponse(
        access_token=tokens.issue(user, login=refresh.login),
        expires_in=tokens.ttl_seconds,
        refresh_token=refresh.token,
        refresh_expires_in=int(accounts.REFRESH_TTL.total_seconds()),
    )


def _invalid_refresh() -> Problem:
    return Problem(
        401, "INVALID_REFRESH_TOKEN", "The refresh token is not valid (unknown, used, revoked or expired)."
    )


@router.post(
    "/v1/auth/token",
    response_model=TokenResponse,
    operation_id="issueToken",
    responses=problems(400, 401, 429),
)
async def issue_token(request: Request, body: TokenRequest) -> TokenResponse:
    """Exchanges e-mail and password for an access token (JWT HS256) and a refresh token.

    A company's account names its `company_id` (the same e-mail may be a customer of two
    companies); without it, the one account whose password matches is taken, and 400
    `COMPANY_REQUIRED` answers when several do. 429 `RATE_LIMITED` (with `Retry-After`) past the
    per-address or per-account login limit."""
    try:
        user = await limiter_of(request).authenticate(
            users_of(request),
            client_address(request),
            body.email,
            body.password,
            company_id=str(body.company_id) if body.company_id else None,
        )
    except CompanyRequired:
        raise Problem(
            400, "COMPANY_REQUIRED", "This e-mail has accounts in several companies: name the company_id."
        ) from None
    if user is None:
        raise Problem(401, "INVALID_CREDENTIALS", "The e-mail or the password is wrong.")
    async with _db(request).transaction() as conn:
        refresh = await accounts.issue_refresh_token(conn, user.id)
    return await _token_pair(request, user, refresh)


@router.post(
    "/v1/auth/refresh",
    response_model=TokenResponse,
    operation_id="refreshToken",
    responses=problems(400, 401),
)
async def refresh_token(request: Request, body: RefreshRequest) -> TokenResponse:
    """Uses a refresh token once for a new access token and the next refresh token. A refresh
    token used before revokes its whole family and the access tokens of that login: 401
    `REFRESH_TOKEN_REUSED`, log in again."""
    try:
        rotated = await accounts.rotate_refresh_token(_db(request), body.refresh_token)
    except accounts.RefreshTokenReused:
        request.app.state.token_revocations.forget()
        raise Problem(
            401,
            "REFRESH_TOKEN_REUSED",
            "This refresh token was used before: every token of its login is revoked.",
        ) from None
    if rotated is None:
        raise _invalid_refresh()
    return await _token_pair(request, rotated.user, rotated.refresh)


@router.post("/v1/auth/logout", status_code=204, operation_id="logout", responses=problems(400))
async def logout(request: Request, body: RefreshRequest) -> Response:
    """Revokes the refresh token's whole family (this login and every refresh of it) and the
    access tokens issued with it (they name their login); the account's other logins go on.
    Unknown or already revoked tokens answer 204 as well."""
    if await accounts.revoke_family_of(_db(request), body.refresh_token):
        request.app.state.token_revocations.forget()
    return Response(status_code=204)


@router.post(
    "/v1/auth/password",
    status_code=204,
    operation_id="changePassword",
    responses=problems(400, 401, 403, 429),
)
async def change_password(request: Request, body: PasswordChangeRequest, principal: AnyPrincipal) -> Response:
    """Changes the caller's password (the current one is checked) and signs the account out
    everywhere: its refresh tokens, console sessions and access tokens (this one included: log
    in again with the new password). 403 for an API key (it has no password). The current
    password is tried under the login's limits (per address, and per account for wrong ones):
    429 `RATE_LIMITED` with `Retry-After`, argon2 not run."""
    if principal.user_id is None:
        raise Problem(403, "PERMISSION_DENIED", "An API key has no password.")
    user = await users_of(request).get(principal.user_id)
    if user is None or not await limiter_of(request).check_current_password(
        users_of(request), client_address(request), user, body.current_password
    ):
        raise Problem(401, "INVALID_CREDENTIALS", "The current password is wrong.")
    await accounts.change_password(_db(request), user, body.new_password, action="change_password")
    request.app.state.token_revocations.forget()
    return Response(status_code=204)


@router.post(
    "/v1/auth/password-reset",
    status_code=202,
    response_model=PasswordResetAccepted,
    operation_id="requestPasswordReset",
    responses=problems(400, 429),
)
async def request_password_reset(request: Request, body: PasswordResetRequest) -> PasswordResetAccepted:
    """Starts a password reset (a token valid one hour), e-mailed to the account's address.
    Always 202, whether the account exists or not, and as soon either way: the account is
    looked up, and its reset opened, after the answer."""
    await start_password_reset(request, body.email, str(body.company_id) if body.company_id else None)
    return PasswordResetAccepted()


async def start_password_reset(request: Request, email: str, company_id: str | None) -> None:
    """The reset's limits (429 `RATE_LIMITED`), then the account looked up and its reset opened
    after the answer (this route's and the site's "forgot password")."""
    await limiter_of(request).take_reset(client_address(request), email)
    after_the_answer(request, _reset_if_known(request, email, company_id), name="password-reset")


def after_the_answer(request: Request, work: Coroutine[Any, Any, None], *, name: str) -> None:
    """Runs `work` on its own, the answer not waiting for it: what an account's existence would
    change is done off the request, so the time of the answer says nothing of it. The app
    keeps the task (waited for at shutdown); a failure is logged."""
    tasks: set[asyncio.Task[None]] = request.app.state.account_tasks

    async def logged() -> None:
        try:
            await work
        except Exception:
            log.exception("%s failed", name)

    task = asyncio.create_task(logged(), name=name)
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def _reset_if_known(request: Request, email: str, company_id: str | None) -> None:
    user = await users_of(request).get_by_email(email, company_id=company_id)
    if user is not None:
        await _open_reset(request, user)


# Where a reset's code is typed: a customer on the company's site (gateway.site.signup), staff
# and admins on the console (gateway.pages.account). Named in the e-mail, never with the code.
SITE_RESET_CODE_PATH = "/site/{company_id}/account/password-reset/code"
CONSOLE_RESET_CODE_PATH = "/ops/password-reset/confirm"


def reset_code_url(request: Request, user: User) -> str:
    """The page the reset e-mail sends `user` to, under GATEWAY_PUBLIC_URL (as the invitation's)."""
    if user.role is Role.CUSTOMER and user.company_id is not None:
        return public_address(request, SITE_RESET_CODE_PATH.format(company_id=user.company_id))
    return public_address(request, CONSOLE_RESET_CODE_PATH)


async def _open_reset(request: Request, user: User) -> None:
    """The reset and its e-mail, in one transaction. The token reaches the account's own
    mailbox only: shown to staff, it let them take over any customer's account. A platform
    admin belongs to no company, whose mail this is: no e-mail goes out for them (they are
    made, and their passwords set, in the database: gateway/README.md "Accounts")."""
    name = (await _company(request, user.company_id)).name if user.company_id else ""
    code_url = reset_code_url(request, user)
    async with _db(request).transaction() as conn:
        reset_id = await accounts.open_password_reset(conn, user)
        if user.company_id is not None:
            await write_password_reset(
                conn,
                company_id=user.company_id,
                company=name,
                email=user.email,
                audience="CUSTOMER" if user.role is Role.CUSTOMER else "STAFF",
                reset_id=reset_id,
                token=accounts.reset_token(tokens_of(request).secret, reset_id),
                code_url=code_url,
            )


async def _company(request: Request, company_id: str) -> catalog_pb2.Company:
    reply = await rpc(
        "catalog",
        clients_of(request).catalog.GetCompany(catalog_pb2.GetCompanyRequest(company_id=company_id)),
    )
    return reply.company


@router.post(
    "/v1/auth/password-reset/confirm",
    status_code=204,
    operation_id="confirmPasswordReset",
    responses=problems(400, 429),
)
async def confirm_password_reset(request: Request, body: PasswordResetConfirm) -> Response:
    """Sets a new password with a reset token (once); the account is signed out everywhere
    (refresh tokens, console sessions, access tokens). 400 `INVALID_RESET_TOKEN` for a wrong,
    used or expired token; 429 `RATE_LIMITED` past the typed codes' per-address limit (the
    console's and the site's code forms count in the same bucket)."""
    await limiter_of(request).take_code(client_address(request))
    if await finish_password_reset(request, body.token, body.new_password) is None:
        raise Problem(400, "INVALID_RESET_TOKEN", "The reset token is wrong, used or expired.")
    return Response(status_code=204)


async def finish_password_reset(request: Request, token: str, new_password: str) -> User | None:
    """The new password set with a reset token (once), the account signed out everywhere; None
    for a wrong, used or expired token (this route's and the site's)."""
    user = await accounts.confirm_password_reset(_db(request), tokens_of(request).secret, token, new_password)
    if user is not None:
        request.app.state.token_revocations.forget()
    return user


async def customer_for(request: Request, company_id: str, email: str, display_name: str) -> str:
    """The catalog customer of this e-mail in the company, registered: a guest who booked
    before is converted (same id, so their bookings, wallet and passes are the account's), else
    a new one is created; a registered customer of the address (made by staff) is 409
    `CUSTOMER_EMAIL_TAKEN`. The caller has proven the address (an invitation, a sign-up code)."""
    clients = clients_of(request)
    email = normalize_email(email)

    async def converted() -> str | None:
        try:
            reply = await rpc(
                "catalog",
                clients.guest_customers.ConvertGuestCustomer(
                    guest_customers_pb2.ConvertGuestCustomerRequest(
                        company_id=company_id, email=email, display_name=display_name
                    )
                ),
            )
        except RpcProblem as problem:
            if problem.status == 404:
                return None
            raise
        return reply.customer.id

    known = await converted()
    if known is not None:
        return known
    created = await _new_customer(request, company_id, email, display_name)
    if created is not None:
        return created
    # Taken meanwhile (a guest booking of the same address): that customer is the one.
    known = await converted()
    if known is None:  # a registered customer of this address, without an account
        raise Problem(
            409, "CUSTOMER_EMAIL_TAKEN", "A customer of the company has this e-mail; ask the company."
        )
    return known


async def _company_open(request: Request, company_id: str) -> str:
    """The company's name; 404 for no such company, 409 for a suspended one."""
    try:
        company = await _company(request, company_id)
    except RpcProblem as problem:
        if problem.status in (400, 404):
            raise Problem(404, "COMPANY_NOT_FOUND", "No such company.") from None
        raise
    if company.state == catalog_pb2.COMPANY_STATE_SUSPENDED:
        raise Problem(409, "COMPANY_SUSPENDED", "The company is suspended.")
    return company.name


async def _new_customer(request: Request, company_id: str, email: str, display_name: str) -> str | None:
    """A new registered customer of the company with this e-mail; None when the e-mail is a
    customer's there already (a guest who booked)."""
    try:
        created = await rpc(
            "catalog",
            clients_of(request).catalog.CreateCustomer(
                catalog_pb2.CreateCustomerRequest(
                    request_id=str(uuid.uuid5(_SIGNUP_NAMESPACE, f"{company_id}:{email}")),
                    company_id=company_id,
                    display_name=display_name,
                    email=email,
                    guest=False,
                )
            ),
        )
    except RpcProblem as problem:
        if problem.status == 409:
            return None
        raise
    return created.customer.id


async def _proven_customer(request: Request, company_id: str, company: str, body: SignupRequest) -> str:
    """The company's customer of this e-mail, for an account asked for by someone who proves
    the address is theirs: the code e-mailed to it. Without one, the code is sent and the
    sign-up refused (409 `EMAIL_CODE_REQUIRED`): an account made on the word of whoever types
    an address would own that customer's bookings, wallet, passes and cards."""
    email = normalize_email(body.email)
    # Each code sent and each code tried counts like a reset: no mailbox flood, no guessing.
    await limiter_of(request).take_reset(client_address(request), email)
    secret = tokens_of(request).secret
    if body.email_code is None:
        code = accounts.signup_code(secret, company_id, email)
        async with _db(request).transaction() as conn:
            await write_signup_code(conn, company_id=company_id, company=company, email=email, code=code)
        raise Problem(
            409,
            "EMAIL_CODE_REQUIRED",
            "This e-mail already has bookings with this company: a code was sent to it; sign up"
            " again with the code in `email_code`.",
        )
    if not accounts.signup_code_matches(secret, company_id, email, body.email_code):
        raise Problem(
            400,
            "EMAIL_CODE_INVALID",
            "The code is wrong or expired; sign up without it to get a new one.",
        )
    return await customer_for(request, company_id, email, body.display_name)


def _email_taken() -> Problem:
    return Problem(409, "EMAIL_TAKEN", "This e-mail already has an account in this company.")


@router.post(
    "/v1/companies/{company_id}/signup",
    response_model=TokenResponse,
    status_code=201,
    operation_id="signUp",
    responses=problems(400, 404, 409, 429, 503),
)
async def sign_up(request: Request, company_id: uuid.UUID, body: SignupRequest) -> JSONResponse:
    """Creates a customer account in the company and logs it in. An e-mail that is already a
    customer's in the company (a guest who booked) must be proven first: the sign-up is
    refused 409 `EMAIL_CODE_REQUIRED` and a code is e-mailed to the address; the same sign-up
    with `email_code` then makes the account, whose customer that is, so their bookings are
    theirs (400 `EMAIL_CODE_INVALID` for a wrong or expired code). 409 `EMAIL_TAKEN` when the
    e-mail has an account there already. Every attempt counts against the client's address
    (the login's per-address limit, a bucket of its own): 429 `RATE_LIMITED` past it."""
    user, refresh = await sign_up_customer(
        request, str(company_id), body, lambda conn, user: accounts.issue_refresh_token(conn, user.id)
    )
    pair = await _token_pair(request, user, refresh)
    return JSONResponse(pair.model_dump(mode="json"), status_code=201)


async def sign_up_customer(
    request: Request,
    company: str,
    body: SignupRequest,
    then: Callable[[AsyncConnection, User], Awaitable[T]],
) -> tuple[User, T]:
    """A new customer account of the company, under the sign-up's limits and proofs (the
    Problems `sign_up` answers), and `then` in the transaction that makes it: the API's refresh
    token, the site's session (so neither is left without the other)."""
    await limiter_of(request).take_signup(client_address(request))
    email = normalize_email(body.email)
    company_name = await _company_open(request, company)
    if await users_of(request).get_by_email(email, company_id=company) is not None:
        raise _email_taken()
    customer_id = await _new_customer(request, company, email, body.display_name)
    if customer_id is None:
        customer_id = await _proven_customer(request, company, company_name, body)
    password_hash = await hash_password(body.password)
    async with _db(request).transaction() as conn:
        user = await insert_user(
            conn,
            email=email,
            password_hash=password_hash,
            role=Role.CUSTOMER,
            company_id=company,
            customer_id=customer_id,
            display_name=body.display_name,
        )
        if user is None:
            raise _email_taken()
        with acting_as(Principal(Role.CUSTOMER, company, user.id, customer_id)):
            await audit.record(
                conn,
                company_id=company,
                entity_type="user",
                entity_id=user.id,
                action="sign_up",
                after={"email": email, "role": str(Role.CUSTOMER), "customer_id": customer_id},
            )
        done = await then(conn, user)
    return user, done


def _invite_not_found() -> Problem:
    return Problem(404, "INVITE_NOT_FOUND", "The invitation is wrong, used, revoked or expired.")


async def accept_invitation(
    request: Request,
    token: str,
    password: str,
    display_name: str | None,
    *,
    then: Callable[[AsyncConnection, str], Awaitable[T]],
) -> tuple[User, T]:
    """Creates the invitation's account (a customer's with its catalog customer), uses the
    invitation and runs `then(conn, user id)` in the same transaction (the API's refresh token);
    shared by the API and the console's accept page. 404 `INVITE_NOT_FOUND`, 409 `EMAIL_TAKEN`."""
    invite = await accounts.open_invite(_db(request), token)
    if invite is None:
        raise _invite_not_found()
    name = display_name or invite.display_name or invite.email
    customer_id = None
    if invite.role is Role.CUSTOMER:
        customer_id = await customer_for(request, invite.company_id, invite.email, name)
    password_hash = await hash_password(password)
    async with _db(request).transaction() as conn:
        user = await insert_user(
            conn,
            email=invite.email,
            password_hash=password_hash,
            role=invite.role,
            company_id=invite.company_id,
            customer_id=customer_id,
            display_name=name,
        )
        if user is None:
            raise _email_taken()
        if not await accounts.mark_invite_accepted(conn, token, user.id):
            # Accepted by a concurrent request first: this transaction (and its user) rolls back.
            raise _invite_not_found()
        with acting_as(Principal(invite.role, invite.company_id, user.id, customer_id)):
            await audit.record(
                conn,
                company_id=invite.company_id,
                entity_type="invite",
                entity_id=invite.id,
                action="accept",
                after={"user_id": user.id},
            )
            await audit.record(
                conn,
                company_id=invite.company_id,
                entity_type="user",
                entity_id=user.id,
                action="create",
                after={"email": invite.email, "role": str(invite.role), "customer_id": customer_id},
            )
        done = await then(conn, user.id)
    return user, done


@router.post(
    "/v1/invites/accept",
    response_model=TokenResponse,
    status_code=201,
    operation_id="acceptInvite",
    responses=problems(400, 404, 409, 429, 503),
)
async def accept_invite(request: Request, body: InviteAcceptRequest) -> JSONResponse:
    """Accepts an invitation with its token: creates the account (a customer's with its
    catalog customer) and logs it in. 404 `INVITE_NOT_FOUND` for a wrong, used, revoked or
    expired token; 409 `EMAIL_TAKEN` when the e-mail has an account in the company; 429
    `RATE_LIMITED` past the typed codes' per-address limit (as `/ops/invite`, same bucket)."""
    await limiter_of(request).take_code(client_address(request))
    user, refresh = await accept_invitation(
        request, body.token, body.password, body.display_name, then=accounts.issue_refresh_token
    )
    pair = await _token_pair(request, user, refresh)
    return JSONResponse(pair.model_dump(mode="json"), status_code=201)
