"""Customers making an account on the public site, and resetting a forgotten password, through
the functions the API's routes use (gateway.routes.auth: the same limits, proofs and e-mails;
no HTTP call to the gateway itself).

- Sign-up (`.../account/signup`): e-mail, name, password twice. An address that is already a
  customer's of the company (a guest who booked) is proven by the code the API e-mails to it:
  the form comes back with a code field. The account made, the customer is signed in (the
  site's session, recorded in the transaction that makes the account) and goes back to `next`,
  a page of this company's site only (`account.safe_next`).
- Forgot password (`.../account/password-reset`): answers the same page whether the account
  exists or not (the API's reset, opened after the answer), the page to type the code.
- The code and a new password (`.../account/password-reset/code`): posted, never in an address
  (an address ends up in histories and logs); then the sign-in form.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from bookingplatform.catalog.v1 import catalog_pb2
from gateway.accounts import open_session_row
from gateway.problems import Problem
from gateway.ratelimit import client_address, limiter_of
from gateway.routes.auth import finish_password_reset, sign_up_customer, start_password_reset
from gateway.schemas_admin_users import PasswordResetConfirm, PasswordResetRequest, SignupRequest
from gateway.site.account import (
    MAX_EMAIL_LENGTH,
    MAX_NEXT_LENGTH,
    NextParam,
    login_page_after_reset,
    safe_next,
    signed_in_to,
)
from gateway.site.common import company_context, guarded, load_company, rate_limited
from gateway.site.rendering import SITE_PATH, check_csrf, first, page, read_form
from gateway.site.sessions import SESSION_SECONDS, SiteCustomer, active_customer, session_token

router = APIRouter(include_in_schema=False)

MAX_NAME_LENGTH = 200
MAX_FIELD_LENGTH = 1024
# What each field must be, in words, for a value the API's schema refuses.
FIELD_RULES = {
    "email": "Enter an e-mail address, like name@example.com.",
    "display_name": "Enter your name (up to 200 characters).",
    "password": "Choose a password of at least 8 characters.",
    "new_password": "Choose a password of at least 8 characters.",
    "email_code": "Enter the code from the e-mail (XXXX-XXXX).",
    "token": "Paste the code from the e-mail.",
}
PASSWORDS_DIFFER = "The two passwords are not the same."


def _field_errors(error: ValidationError) -> dict[str, str]:
    """The API schema's refusals, one sentence per field of the form."""
    found: dict[str, str] = {}
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else ""
        found.setdefault(name, FIELD_RULES.get(name, "This value is not valid."))
    return found


def _refused_by_limit(response: HTMLResponse, problem: Problem) -> HTMLResponse:
    response.headers.update(problem.headers or {})
    return response


# ----- sign up -----


def _signup_page(
    request: Request,
    company: catalog_pb2.Company,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str = "",
    notice: str = "",
    code_step: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "signup.html",
        status_code=status_code,
        values={"email": "", "display_name": "", "next": "", "email_code": "", **(values or {})},
        errors=errors or {},
        message=message,
        notice=notice,
        code_step=code_step,
        max_email=MAX_EMAIL_LENGTH,
        max_name=MAX_NAME_LENGTH,
        **company_context(company, request),
    )


@router.get(SITE_PATH + "/{company_id}/account/signup", response_class=HTMLResponse)
async def signup_page(request: Request, company_id: str, next: NextParam = "") -> Response:
    async def call() -> Response:
        company = await load_company(request, company_id)
        if await active_customer(request, company.id) is not None:
            return RedirectResponse(safe_next(company.id, next), status_code=303)
        return _signup_page(request, company, values={"next": safe_next(company.id, next) if next else ""})

    return await guarded(request, call)


@router.post(SITE_PATH + "/{company_id}/account/signup", response_class=HTMLResponse)
async def sign_up(request: Request, company_id: str) -> Response:
    async def call() -> Response:
        form = await read_form(request)
        check_csrf(request, form)
        company = await load_company(request, company_id)
        values = {
            "email": first(form, "email").strip()[:MAX_EMAIL_LENGTH],
            "display_name": first(form, "display_name").strip()[:MAX_NAME_LENGTH],
            "next": first(form, "next")[:MAX_NEXT_LENGTH],
        }
        password = first(form, "password")[:MAX_FIELD_LENGTH]
        code = first(form, "email_code").strip()[:MAX_FIELD_LENGTH]
        values["email_code"] = code
        code_step = first(form, "code_step") == "1" or bool(code)

        def again(status_code: int, errors: dict[str, str], message: str = "") -> HTMLResponse:
            message = message or "Please check what is marked below."
            return _signup_page(
                request,
                company,
                values=values,
                errors=errors,
                message=message,
                code_step=code_step,
                status_code=status_code,
            )

        errors: dict[str, str] = {}
        try:
            body = SignupRequest(
                email=values["email"],
                password=password,
                display_name=values["display_name"],
                email_code=code or None,
            )
        except ValidationError as error:
            errors = _field_errors(error)
        if password != first(form, "password_confirm") and "password" not in errors:
            errors["password_confirm"] = PASSWORDS_DIFFER
        if errors:
            return again(400, errors)
        try:
            user, session_id = await sign_up_customer(
                request,
                company.id,
                body,
                lambda conn, user: open_session_row(conn, user.id, SESSION_SECONDS),
            )
        except Problem as problem:
            return _signup_refused(request, company, problem, values, again)
        customer = SiteCustomer(
            user_id=user.id,
            company_id=company.id,
            customer_id=user.customer_id or "",
            email=user.email,
            token_epoch=user.token_epoch,
            session_id=session_id,
        )
        token = session_token(request, customer, session_id)
        return signed_in_to(request, company.id, token, safe_next(company.id, values["next"]))

    return await guarded(request, call)


def _signup_refused(
    request: Request, company: catalog_pb2.Company, problem: Problem, values: dict[str, str], again: Any
) -> HTMLResponse:
    """The API's refusals of a sign-up as the form again, tied to the field they are about."""
    match problem.code:
        case "RATE_LIMITED":
            return _refused_by_limit(
                again(429, {}, rate_limited(problem, "Too many sign-up attempts from here")), problem
            )
        case "EMAIL_TAKEN":
            return again(
                409, {"email": "This e-mail already has an account here: sign in, or reset the password."}
            )
        case "CUSTOMER_EMAIL_TAKEN":
            return again(409, {"email": "A customer of the company has this e-mail: ask the company."})
        case "EMAIL_CODE_REQUIRED":
            # Not a mistake: the address has booked here before; its owner proves it with the code.
            return _signup_page(
                request,
                company,
                values=values,
                notice=f"This e-mail has booked with {company.name} before. We have sent a code to it:"
                " type it below with your password again to make your account.",
                code_step=True,
            )
        case "EMAIL_CODE_INVALID":
            wrong = "This code is wrong or expired. Leave it empty and send the form for a new one."
            values["email_code"] = ""  # not offered again
            return again(400, {"email_code": wrong})
    raise problem


# ----- forgot password -----


@router.get(SITE_PATH + "/{company_id}/account/password-reset", response_class=HTMLResponse)
async def forgot_page(request: Request, company_id: str) -> Response:
    async def call() -> Response:
        company = await load_company(request, company_id)
        return page(
            request,
            "forgot.html",
            email="",
            errors={},
            message="",
            max_email=MAX_EMAIL_LENGTH,
            **company_context(company, request),
        )

    return await guarded(request, call)


@router.post(SITE_PATH + "/{company_id}/account/password-reset", response_class=HTMLResponse)
async def forgot(request: Request, company_id: str) -> Response:
    async def call() -> Response:
        form = await read_form(request)
        check_csrf(request, form)
        company = await load_company(request, company_id)
        email = first(form, "email").strip()[:MAX_EMAIL_LENGTH]

        def again(status_code: int, errors: dict[str, str], message: str = "") -> HTMLResponse:
            return page(
                request,
                "forgot.html",
                status_code=status_code,
                email=email,
                errors=errors,
                message=message,
                max_email=MAX_EMAIL_LENGTH,
                **company_context(company, request),
            )

        try:
            PasswordResetRequest(email=email)
        except ValidationError:
            return again(400, {"email": FIELD_RULES["email"]})
        try:
            await start_password_reset(request, email, company.id)
        except Problem as problem:
            if problem.code != "RATE_LIMITED":
                raise
            return _refused_by_limit(
                again(429, {}, rate_limited(problem, "Too many reset requests")), problem
            )
        # The same answer whether the account exists or not (its reset is opened after it).
        return _reset_page(
            request,
            company,
            notice=f"If {email} has an account at {company.name}, a code to reset its password is on its way"
            " to it. It is good for one hour.",
        )

    return await guarded(request, call)


# ----- the code and a new password -----


def _reset_page(
    request: Request,
    company: catalog_pb2.Company,
    *,
    errors: dict[str, str] | None = None,
    code: str = "",
    message: str = "",
    notice: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "reset.html",
        status_code=status_code,
        errors=errors or {},
        code=code,
        message=message,
        notice=notice,
        **company_context(company, request),
    )


@router.get(SITE_PATH + "/{company_id}/account/password-reset/code", response_class=HTMLResponse)
async def reset_page(request: Request, company_id: str) -> Response:
    async def call() -> Response:
        return _reset_page(request, await load_company(request, company_id))

    return await guarded(request, call)


@router.post(SITE_PATH + "/{company_id}/account/password-reset/code", response_class=HTMLResponse)
async def reset(request: Request, company_id: str) -> Response:
    async def call() -> Response:
        form = await read_form(request)
        check_csrf(request, form)
        company = await load_company(request, company_id)
        # Pasted from the e-mail: spaces and line breaks around or inside it are no part of it.
        code = "".join(first(form, "code").split())[:MAX_FIELD_LENGTH]
        password = first(form, "password")[:MAX_FIELD_LENGTH]
        errors: dict[str, str] = {}
        try:
            body = PasswordResetConfirm(token=code, new_password=password)
        except ValidationError as error:
            errors = {
                "code" if name == "token" else "password": rule for name, rule in _field_errors(error).items()
            }
        if password != first(form, "password_confirm") and "password" not in errors:
            errors["password_confirm"] = PASSWORDS_DIFFER
        if not errors:
            # Each typed code counts against the address, in the console's and the API's bucket.
            try:
                await limiter_of(request).take_code(client_address(request))
            except Problem as problem:
                if problem.code != "RATE_LIMITED":
                    raise
                refused = _reset_page(
                    request,
                    company,
                    code=code,
                    message=rate_limited(problem, "Too many attempts"),
                    status_code=429,
                )
                return _refused_by_limit(refused, problem)
            user = await finish_password_reset(request, body.token, body.new_password)
            if user is not None:
                shown = user.email if user.company_id == company.id else ""
                return login_page_after_reset(request, company, shown)
            errors["code"] = (
                "This code is wrong, used or expired (it is good for one hour, once). Ask for a new one."
            )
        return _reset_page(
            request,
            company,
            errors=errors,
            code="" if "code" in errors else code,  # a code found wrong is not offered again
            message="Please check what is marked below.",
            status_code=400,
        )

    return await guarded(request, call)
