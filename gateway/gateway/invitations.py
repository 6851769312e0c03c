"""What an invitation needs besides its row (gateway.accounts): its e-mail, written in the
transaction that creates the invitation (`POST /v1/admin/invites` and the console's Team page);
its accept page is the console's `/ops/invite` (gateway.pages.invite).

The e-mail links to the console's accept page and gives the code to type there: the code is
never put in the link (an address ends up in browser history, proxies and logs), as a reset
token is typed, not linked. A customer's invitation points to the same page: the company's
site has no accept form, and once accepted the page sends the customer to the site's login.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bookingplatform.catalog.v1 import catalog_pb2
from gateway import accounts
from gateway.deps import clients_of, rpc
from gateway.notifications import content
from gateway.notifications.delivery import write_invitation
from gateway.tables import users
from plumbing.db import Database
from plumbing.ids import is_uuid
from plumbing.principal import Role

ACCEPT_PATH = "/ops/invite"

Mail = Callable[[AsyncConnection, accounts.Invite, str], Awaitable[None]]


def public_address(request: Request, path: str) -> str:
    """A page's address under GATEWAY_PUBLIC_URL, else the request's own (as a calendar feed's
    URL): for an e-mail's link, which holds no secret."""
    public_url: str = request.app.state.settings.public_url
    base = public_url or str(request.base_url)
    return base.rstrip("/") + path


def accept_url(request: Request) -> str:
    """The accept page's address (`public_address`)."""
    return public_address(request, ACCEPT_PATH)


async def _name_of(db: Database, user_id: str) -> str:
    """The inviter as the e-mail names them: their name, else their e-mail address."""
    row = None
    if is_uuid(user_id):
        async with db.transaction() as conn:
            row = (
                await conn.execute(select(users.c.display_name, users.c.email).where(users.c.id == user_id))
            ).first()
    return (row.display_name or row.email) if row is not None else "Your company's admin"


async def invitation_mail(request: Request, inviter_id: str, company_id: str) -> Mail:
    """The invitation's e-mail writer: the company and the inviter are read before the
    invitation's transaction (no gRPC call inside one)."""
    reply = await rpc(
        "catalog",
        clients_of(request).catalog.GetCompany(catalog_pb2.GetCompanyRequest(company_id=company_id)),
    )
    inviter_name = await _name_of(request.app.state.db, inviter_id)
    url = accept_url(request)

    async def mail(conn: AsyncConnection, invite: accounts.Invite, token: str) -> None:
        message = content.render_invitation(
            company=reply.company.name,
            inviter=inviter_name,
            role=str(invite.role),
            expires_at=invite.expires_at,
            time_zone=reply.company.time_zone,
            accept_url=url,
            code=token,
        )
        await write_invitation(
            conn,
            company_id=invite.company_id,
            invite_id=invite.id,
            email=invite.email,
            audience="CUSTOMER" if invite.role is Role.CUSTOMER else "STAFF",
            message=message,
            code=token,
        )

    return mail
