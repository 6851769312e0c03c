from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.invite_created import InviteCreated
from ...models.invite_in import InviteIn
from ...models.problem_details import ProblemDetails
from ...types import Response


def _get_kwargs(
    *,
    body: InviteIn,
    idempotency_key: None | str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/admin/invites",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> InviteCreated | ProblemDetails | None:
    if response.status_code == 201:
        response_201 = InviteCreated.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = ProblemDetails.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ProblemDetails.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ProblemDetails.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ProblemDetails.from_dict(response.json())

        return response_404

    if response.status_code == 422:
        response_422 = ProblemDetails.from_dict(response.json())

        return response_422

    if response.status_code == 503:
        response_503 = ProblemDetails.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[InviteCreated | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: InviteIn,
    idempotency_key: None | str,
) -> Response[InviteCreated | ProblemDetails]:
    """Create Invite

     Invites someone into the company with a role (staff: customers only). The token is in
    this answer and in the invitation e-mail to the invitee (written with the invitation: who
    invites, the company, the role, the expiry, the console's accept page `/ops/invite` and the
    code to type there); it is accepted there or at `POST /v1/invites/accept` within 7 days.
    People only: an API key gets 403 `PERMISSION_DENIED` (its holder would become a person
    of the company, an admin even, through the token). Requires an `Idempotency-Key`: a
    retry answers the same invitation with a new token (the first one stops working) and
    e-mails it, since no token is stored to be replayed.

    Args:
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (InviteIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[InviteCreated | ProblemDetails]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: InviteIn,
    idempotency_key: None | str,
) -> InviteCreated | ProblemDetails | None:
    """Create Invite

     Invites someone into the company with a role (staff: customers only). The token is in
    this answer and in the invitation e-mail to the invitee (written with the invitation: who
    invites, the company, the role, the expiry, the console's accept page `/ops/invite` and the
    code to type there); it is accepted there or at `POST /v1/invites/accept` within 7 days.
    People only: an API key gets 403 `PERMISSION_DENIED` (its holder would become a person
    of the company, an admin even, through the token). Requires an `Idempotency-Key`: a
    retry answers the same invitation with a new token (the first one stops working) and
    e-mails it, since no token is stored to be replayed.

    Args:
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (InviteIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        InviteCreated | ProblemDetails
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: InviteIn,
    idempotency_key: None | str,
) -> Response[InviteCreated | ProblemDetails]:
    """Create Invite

     Invites someone into the company with a role (staff: customers only). The token is in
    this answer and in the invitation e-mail to the invitee (written with the invitation: who
    invites, the company, the role, the expiry, the console's accept page `/ops/invite` and the
    code to type there); it is accepted there or at `POST /v1/invites/accept` within 7 days.
    People only: an API key gets 403 `PERMISSION_DENIED` (its holder would become a person
    of the company, an admin even, through the token). Requires an `Idempotency-Key`: a
    retry answers the same invitation with a new token (the first one stops working) and
    e-mails it, since no token is stored to be replayed.

    Args:
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (InviteIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[InviteCreated | ProblemDetails]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: InviteIn,
    idempotency_key: None | str,
) -> InviteCreated | ProblemDetails | None:
    """Create Invite

     Invites someone into the company with a role (staff: customers only). The token is in
    this answer and in the invitation e-mail to the invitee (written with the invitation: who
    invites, the company, the role, the expiry, the console's accept page `/ops/invite` and the
    code to type there); it is accepted there or at `POST /v1/invites/accept` within 7 days.
    People only: an API key gets 403 `PERMISSION_DENIED` (its holder would become a person
    of the company, an admin even, through the token). Requires an `Idempotency-Key`: a
    retry answers the same invitation with a new token (the first one stops working) and
    e-mails it, since no token is stored to be replayed.

    Args:
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (InviteIn):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        InviteCreated | ProblemDetails
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
