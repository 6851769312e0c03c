from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.invite_out import InviteOut
from ...models.problem_details import ProblemDetails
from ...types import Response


def _get_kwargs(
    invite_id: UUID,
    *,
    idempotency_key: None | str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/admin/invites/{invite_id}/revoke".format(
            invite_id=quote(str(invite_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> InviteOut | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = InviteOut.from_dict(response.json())

        return response_200

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

    if response.status_code == 409:
        response_409 = ProblemDetails.from_dict(response.json())

        return response_409

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
) -> Response[InviteOut | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    invite_id: UUID,
    *,
    client: AuthenticatedClient,
    idempotency_key: None | str,
) -> Response[InviteOut | ProblemDetails]:
    """Revoke Invite

     Revokes a pending invitation at once (a mistyped address, someone who left): its code is
    refused from then on (`INVITE_NOT_FOUND` at the accept page and `POST /v1/invites/accept`);
    revoking again answers the invitation as it is. 409 `INVITE_ALREADY_ACCEPTED` once it was
    accepted (deactivate the account instead). 404 `INVITE_NOT_FOUND` for another company's
    invitation, and for staff an invitation of staff or an admin (staff revoke customers'
    only). People only, as inviting is. Requires an `Idempotency-Key`.

    Args:
        invite_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[InviteOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        invite_id=invite_id,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    invite_id: UUID,
    *,
    client: AuthenticatedClient,
    idempotency_key: None | str,
) -> InviteOut | ProblemDetails | None:
    """Revoke Invite

     Revokes a pending invitation at once (a mistyped address, someone who left): its code is
    refused from then on (`INVITE_NOT_FOUND` at the accept page and `POST /v1/invites/accept`);
    revoking again answers the invitation as it is. 409 `INVITE_ALREADY_ACCEPTED` once it was
    accepted (deactivate the account instead). 404 `INVITE_NOT_FOUND` for another company's
    invitation, and for staff an invitation of staff or an admin (staff revoke customers'
    only). People only, as inviting is. Requires an `Idempotency-Key`.

    Args:
        invite_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        InviteOut | ProblemDetails
    """

    return sync_detailed(
        invite_id=invite_id,
        client=client,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    invite_id: UUID,
    *,
    client: AuthenticatedClient,
    idempotency_key: None | str,
) -> Response[InviteOut | ProblemDetails]:
    """Revoke Invite

     Revokes a pending invitation at once (a mistyped address, someone who left): its code is
    refused from then on (`INVITE_NOT_FOUND` at the accept page and `POST /v1/invites/accept`);
    revoking again answers the invitation as it is. 409 `INVITE_ALREADY_ACCEPTED` once it was
    accepted (deactivate the account instead). 404 `INVITE_NOT_FOUND` for another company's
    invitation, and for staff an invitation of staff or an admin (staff revoke customers'
    only). People only, as inviting is. Requires an `Idempotency-Key`.

    Args:
        invite_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[InviteOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        invite_id=invite_id,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    invite_id: UUID,
    *,
    client: AuthenticatedClient,
    idempotency_key: None | str,
) -> InviteOut | ProblemDetails | None:
    """Revoke Invite

     Revokes a pending invitation at once (a mistyped address, someone who left): its code is
    refused from then on (`INVITE_NOT_FOUND` at the accept page and `POST /v1/invites/accept`);
    revoking again answers the invitation as it is. 409 `INVITE_ALREADY_ACCEPTED` once it was
    accepted (deactivate the account instead). 404 `INVITE_NOT_FOUND` for another company's
    invitation, and for staff an invitation of staff or an admin (staff revoke customers'
    only). People only, as inviting is. Requires an `Idempotency-Key`.

    Args:
        invite_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        InviteOut | ProblemDetails
    """

    return (
        await asyncio_detailed(
            invite_id=invite_id,
            client=client,
            idempotency_key=idempotency_key,
        )
    ).parsed
