"""The console's pages for people without a session: accepting an invitation (`/ops/invite`)
and a forgotten password (`/ops/password-reset`, then `/ops/password-reset/confirm`).

Codes are typed, never taken from the address (an address ends up in browser history, proxies
and logs): the invitation e-mail links to `/ops/invite` and gives the code to type there, as
the reset e-mail gives its token. The forms are guarded against cross-site posts as the login
is (the browser's `Sec-Fetch-Site`, else `Origin` or `Referer`: gateway.pages.origin), and each
typed code counts against the client's address like a login attempt. The logic is the API's:
`POST /v1/invites/accept`, `POST /v1/auth/password-reset` and `/confirm` (gateway.routes.auth).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from gateway.auth import CONSOLE_ROLES
from gateway.console.rendering import page_response
from gateway.invitations import ACCEPT_PATH
from gateway.pages.html import read_form
from gateway.pages.login import MAX_EMAIL_LENGTH, MAX_PASSWORD_LENGTH
from gateway.pages.origin import cross_site
from gateway.problems import Problem
from gateway.ratelimit import client_address, limiter_of
from gateway.routes.auth import _open_reset, accept_invitation, after_the_answer, finish_password_reset
from gateway.sessions import HOME_PATH, LOGIN_PATH, landing_path, sessions_of, set_session_cookie
from gateway.tables import users
from gateway.users import USER_COLUMNS, _user, normalize_email
from plumbing.ids import is_uuid
from plumbing.text import is_email, is_name

router = APIRouter()

RESET_PATH = "/ops/password-reset"
RESET_CONFIRM_PATH = "/ops/password-reset/confirm"
MAX_CODE_LENGTH = 512
MAX_NAME_LENGTH = 200
MIN_PASSWORD_LENGTH = 8  # as the API's (schemas_admin_users.NewPassword)
# Console accounts of one e-mail reset at once (one per company it is staff of).
MAX_RESETS = 20

Errors = dict[str, str]


async def _noop(_conn: object, _user_id: str) -> None:
    return None


def _password_errors(password: str, confirm: str, field: str = "password") -> Errors:
    if len(password) < MIN_PASSWORD_LENGTH:
        return {field: f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters."}
    if len(password) > MAX_PASSWORD_LENGTH:
        return {field: f"A password is at most {MAX_PASSWORD_LENGTH} characters."}
    if password != confirm:
        return {f"{field}_confirm": "The two passwords differ: type the same one twice."}
    return {}


def _raise_unless_rate_limited(problem: Problem) -> None:
    """A refusal by the limits is answered on the page (429); any other problem as usual."""
    if problem.code != "RATE_LIMITED":
        raise problem


# ----- accepting an invitation -----


def _invite_page(
    request: Request,
    *,
    values: dict[str, str] | None = None,
    errors: Errors | None = None,
    message: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    return page_response(
        request,
        "invite_accept.html",
        status_code=status_code,
        values=values or {},
        errors=errors or {},
        message=message,
        max_code=MAX_CODE_LENGTH,
        max_name=MAX_NAME_LENGTH,
        min_password=MIN_PASSWORD_LENGTH,
        max_password=MAX_PASSWORD_LENGTH,
    )


@router.get(ACCEPT_PATH, response_class=HTMLResponse, include_in_schema=False)
async def invite_page(request: Request) -> HTMLResponse:
    return _invite_page(request)


@router.post(ACCEPT_PATH, include_in_schema=False)
async def accept_invite(request: Request) -> Response:
    """Creates the invited account from the typed code, name and password (as
    `POST /v1/invites/accept`); staff and admins are logged in to the console with the login's
    session cookie and land on their home page, a customer is sent to the company site's login.
    Anything wrong re-shows the form with what was typed, passwords aside."""
    form = await read_form(request)
    code = "".join(form.get("code", "").split())[:MAX_CODE_LENGTH]
    name = " ".join(form.get("display_name", "").split())[:MAX_NAME_LENGTH]
    password, confirm = form.get("password", ""), form.get("password_confirm", "")
    values = {"code": code, "display_name": name}

    def again(
        status: int, errors: Errors, message: str, headers: dict[str, str] | None = None
    ) -> HTMLResponse:
        response = _invite_page(request, values=values, errors=errors, message=message, status_code=status)
        response.headers.update(headers or {})
        return response

    if cross_site(request):
        return again(403, {}, "Accept the invitation from this page.")
    errors: Errors = {}
    if not code:
        errors["code"] = "Enter the invitation code from the e-mail."
    if name and not is_name(name):
        errors["display_name"] = "Enter a name with letters, or leave it empty."
    errors.update(_password_errors(password, confirm))
    if errors:
        return again(400, errors, "Check the fields marked below.")
    try:
        await limiter_of(request).take_code(client_address(request))
        user, _ = await accept_invitation(request, code, password, name or None, then=_noop)
    except Problem as problem:
        if problem.code == "INVITE_NOT_FOUND":
            wrong = "This invitation code is wrong, used, revoked or expired: check the e-mail or ask again."
            return again(404, {"code": wrong}, "The invitation could not be accepted.")
        if problem.code == "EMAIL_TAKEN":
            taken = "This e-mail address already has an account here: log in, or reset its password."
            return again(409, {"code": taken}, "The invitation could not be accepted.")
        _raise_unless_rate_limited(problem)
        return again(429, {}, "Too many attempts: wait a minute and try again.", problem.headers)
    if user.role not in CONSOLE_ROLES:
        # A customer's account is for the company's site, not the console.
        return page_response(
            request, "invite_done.html", site_login=f"/site/{user.company_id}/account/login", email=user.email
        )
    sessions = sessions_of(request)
    token = await sessions.open(user)
    response = RedirectResponse(landing_path(user.role, HOME_PATH), status_code=303)
    set_session_cookie(request, response, token, sessions.ttl_seconds)
    return response


# ----- a forgotten password -----


def _reset_page(
    request: Request,
    template: str,
    *,
    values: dict[str, str] | None = None,
    errors: Errors | None = None,
    message: str = "",
    status_code: int = 200,
    sent_to: str = "",
) -> HTMLResponse:
    return page_response(
        request,
        template,
        status_code=status_code,
        sent_to=sent_to,
        values=values or {},
        errors=errors or {},
        message=message,
        max_email=MAX_EMAIL_LENGTH,
        max_code=MAX_CODE_LENGTH,
        min_password=MIN_PASSWORD_LENGTH,
        max_password=MAX_PASSWORD_LENGTH,
    )


@router.get(RESET_PATH, response_class=HTMLResponse, include_in_schema=False)
async def reset_request_page(request: Request) -> HTMLResponse:
    return _reset_page(request, "password_reset.html")


@router.post(RESET_PATH, include_in_schema=False)
async def request_reset(request: Request) -> Response:
    """Starts a reset as `POST /v1/auth/password-reset` does: the same answer, as soon, whether
    or not the account exists (it is looked up after the answer), then the code's page."""
    form = await read_form(request)
    email = form.get("email", "").strip()[:MAX_EMAIL_LENGTH]
    company_id = form.get("company_id", "").strip()
    values = {"email": email, "company_id": company_id}

    def again(
        status: int, errors: Errors, message: str, headers: dict[str, str] | None = None
    ) -> HTMLResponse:
        response = _reset_page(
            request, "password_reset.html", values=values, errors=errors, message=message, status_code=status
        )
        response.headers.update(headers or {})
        return response

    if cross_site(request):
        return again(403, {}, "Ask for the reset from this page.")
    if not is_email(email):
        return again(
            400, {"email": "Enter the e-mail address of your account."}, "Check the fields marked below."
        )
    if company_id and not is_uuid(company_id):
        return again(400, {"company_id": "The company id is not valid: leave it empty if unsure."}, "")
    try:
        await limiter_of(request).take_reset(client_address(request), email)
    except Problem as problem:
        _raise_unless_rate_limited(problem)
        return again(429, {}, "Too many attempts: wait a minute and try again.", problem.headers)
    after_the_answer(request, _console_resets(request, email, company_id or None), name="password-reset")
    # The code's page, saying where the code went if there is such an account: the same for any.
    return _reset_page(request, "password_reset_confirm.html", sent_to=email)


async def _console_resets(request: Request, email: str, company_id: str | None) -> None:
    """A reset for each console account of this e-mail (in `company_id` when named): people do
    not know their company's id, and each e-mail names its company. Each goes to the account's
    own address (gateway.routes.auth._open_reset), so no one learns whether an account exists."""
    where = [
        users.c.email == normalize_email(email),
        users.c.role.in_([str(role) for role in CONSOLE_ROLES]),
        users.c.deactivated_at.is_(None),
    ]
    if company_id is not None:
        where.append(users.c.company_id == company_id)
    async with request.app.state.db.transaction() as conn:
        rows = (await conn.execute(select(*USER_COLUMNS).where(*where).limit(MAX_RESETS))).all()
    for row in rows:
        await _open_reset(request, _user(row))


@router.get(RESET_CONFIRM_PATH, response_class=HTMLResponse, include_in_schema=False)
async def reset_confirm_page(request: Request) -> HTMLResponse:
    return _reset_page(request, "password_reset_confirm.html")


@router.post(RESET_CONFIRM_PATH, include_in_schema=False)
async def confirm_reset(request: Request) -> Response:
    """Sets the new password with the e-mailed code, as `POST /v1/auth/password-reset/confirm`
    (the account is signed out everywhere), then the login page says so."""
    form = await read_form(request)
    code = "".join(form.get("code", "").split())[:MAX_CODE_LENGTH]
    password, confirm = form.get("password", ""), form.get("password_confirm", "")
    values = {"code": code}

    def again(
        status: int, errors: Errors, message: str, headers: dict[str, str] | None = None
    ) -> HTMLResponse:
        response = _reset_page(
            request,
            "password_reset_confirm.html",
            values=values,
            errors=errors,
            message=message,
            status_code=status,
        )
        response.headers.update(headers or {})
        return response

    if cross_site(request):
        return again(403, {}, "Set the password from this page.")
    errors: Errors = {} if code else {"code": "Enter the reset code from the e-mail."}
    errors.update(_password_errors(password, confirm))
    if errors:
        return again(400, errors, "Check the fields marked below.")
    try:
        await limiter_of(request).take_code(client_address(request))
    except Problem as problem:
        _raise_unless_rate_limited(problem)
        return again(429, {}, "Too many attempts: wait a minute and try again.", problem.headers)
    if await finish_password_reset(request, code, password) is None:
        wrong = (
            "This reset code is wrong, used or expired (a code works once, for one hour): ask for a new one."
        )
        return again(400, {"code": wrong}, "The password was not changed.")
    return RedirectResponse(f"{LOGIN_PATH}?reset=done", status_code=303)
