"""The console's Team page (HTML under /ops/team, company admins): the company's staff and
admins, its pending invitations of staff and admins, and a form to invite one more. The data and
the invitation are the API's own (`accounts.list_users`, `accounts.list_invites`,
`accounts.create_invite` with its e-mail, as `GET /v1/admin/users`, `GET /v1/admin/invites` and
`POST /v1/admin/invites`). The invitation's code goes to the invitee's mailbox only: the page
never shows it. Each pending invitation has a Revoke button (asked to confirm, CSRF), the API's
`POST /v1/admin/invites/{id}/revoke` handler itself: its code stops working at once."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway import accounts
from gateway.auth import Principal
from gateway.console.rendering import page_response
from gateway.invitations import invitation_mail
from gateway.pages.html import read_form
from gateway.pages.sagas import Notice, check_csrf, page_csrf
from gateway.routes import admin_users as users_api
from gateway.routes.common import Idempotent
from gateway.sessions import PageOperator, form_operator
from gateway.users import normalize_email
from plumbing.db import Database
from plumbing.ids import is_uuid
from plumbing.principal import Role, acting_as
from plumbing.text import is_email, is_name

router = APIRouter()

TEAM_PATH = "/ops/team"
MAX_SHOWN = 200
MAX_EMAIL = 320
MAX_NAME = 200
TEAM_ROLES = frozenset({Role.STAFF, Role.COMPANY_ADMIN})
ROLE_LABELS = {"STAFF": "Staff", "COMPANY_ADMIN": "Company admin"}


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def _page(
    request: Request,
    principal: Principal,
    *,
    notice: Notice | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    people: list[accounts.Account] = []
    pending: list[accounts.Invite] = []
    if principal.company_id:
        db, company = _db(request), principal.company_id
        people = await accounts.list_users(
            db, company, roles=TEAM_ROLES, email=None, after=None, limit=MAX_SHOWN
        )
        now = datetime.now(UTC)
        pending = [
            i
            for i in await accounts.list_invites(db, company, after=None, limit=MAX_SHOWN)
            if i.role in TEAM_ROLES and i.accepted_at is None and i.revoked_at is None and i.expires_at > now
        ]
    return page_response(
        request,
        "team.html",
        status_code=status_code,
        operator=principal,
        section="team",
        people=people,
        pending=pending,
        roles=ROLE_LABELS,
        values=values or {"role": "STAFF"},
        errors=errors or {},
        form_id=str(uuid.uuid4()),
        max_email=MAX_EMAIL,
        max_name=MAX_NAME,
        csrf=page_csrf(request),
        notice=notice,
    )


@router.get(TEAM_PATH, response_class=HTMLResponse, include_in_schema=False)
async def team_page(
    request: Request,
    principal: PageOperator,
    done: Annotated[str | None, Query(max_length=16)] = None,
) -> HTMLResponse:
    notice = None
    if done == "invited":
        notice = Notice("ok", "Invited: the invitation e-mail is on its way (see Pending invitations).")
    elif done == "revoked":
        notice = Notice("ok", "Invitation revoked: its code no longer works.")
    return await _page(request, principal, notice=notice)


@router.post(TEAM_PATH, response_class=HTMLResponse, include_in_schema=False)
async def invite_form(request: Request) -> Response:
    """Invites a staff member or a company admin (as `POST /v1/admin/invites`, the form's own id
    as the Idempotency-Key: the same form sent twice is one invitation), then shows the page."""
    principal, session_token = await form_operator(request)
    with acting_as(principal.as_plumbing()):
        form = await read_form(request)
        check_csrf(request, session_token, form)
        email = form.get("email", "").strip()[:MAX_EMAIL]
        role = form.get("role", "")
        name = " ".join(form.get("display_name", "").split())[:MAX_NAME]
        form_id = form.get("form_id", "")
        values = {"email": email, "role": role, "display_name": name}
        errors: dict[str, str] = {}
        if not is_email(email):
            errors["email"] = "Enter the e-mail address to send the invitation to."
        if role not in ROLE_LABELS:
            errors["role"] = "Choose Staff or Company admin."
        if name and not is_name(name):
            errors["display_name"] = "Enter a name with letters, or leave it empty."
        if principal.company_id is None:
            notice = Notice(
                "error", "You belong to no company (platform admin): invite with the API's company_id."
            )
            return await _page(request, principal, notice=notice, values=values, status_code=400)
        if errors or not is_uuid(form_id):
            notice = Notice(
                "error", "Check the fields marked below." if errors else "The form expired: send it again."
            )
            return await _page(
                request, principal, notice=notice, values=values, errors=errors, status_code=400
            )
        made = await accounts.create_invite(
            _db(request),
            company_id=principal.company_id,
            email=normalize_email(email),
            role=Role(role),
            display_name=name or None,
            invited_by=principal.subject,
            request_key=f"console-team:{form_id}",
            mail=await invitation_mail(request, principal.subject, principal.company_id),
        )
    if made is None:
        notice = Notice(
            "error", "This form was sent already with other values: reload the page to invite again."
        )
        return await _page(request, principal, notice=notice, values=values, status_code=409)
    return RedirectResponse(f"{TEAM_PATH}?done=invited", status_code=303)


# What the page says when a revoke is refused (the API's codes; the text is ours).
REVOKE_REFUSALS = {
    "INVITE_NOT_FOUND": "No such invitation of your company.",
    "INVITE_ALREADY_ACCEPTED": "That invitation was accepted meanwhile: the account is in the list below.",
}


@router.post(TEAM_PATH + "/invites/{invite_id}/revoke", response_class=HTMLResponse, include_in_schema=False)
async def revoke_form(request: Request, invite_id: uuid.UUID) -> Response:
    """Revokes a pending invitation through the API's handler (its rules, tenancy and audit
    entry); the form's id and the invitation's make the Idempotency-Key (a double submit acts
    once, each row's button its own request)."""
    principal, session_token = await form_operator(request)
    with acting_as(principal.as_plumbing()):
        form = await read_form(request)
        check_csrf(request, session_token, form)
        form_id = form.get("form_id", "")
        key = f"console-team-revoke:{form_id if is_uuid(form_id) else uuid.uuid4()}:{invite_id}"
        answer = await users_api.revoke_invite(request, invite_id, principal, Idempotent(request, key))
        if answer.status_code >= 400:
            code = str(json.loads(bytes(answer.body)).get("code", ""))
            text = REVOKE_REFUSALS.get(code, "The invitation could not be revoked; try again.")
            return await _page(
                request, principal, notice=Notice("error", text, code), status_code=answer.status_code
            )
    return RedirectResponse(f"{TEAM_PATH}?done=revoked", status_code=303)
