from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.invite_accept_request import InviteAcceptRequest
from ...models.problem_details import ProblemDetails
from ...models.token_response import TokenResponse
from ...types import Response


def _get_kwargs(
    *,
    body: InviteAcceptRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/invites/accept",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ProblemDetails | TokenResponse | None:
    if response.status_code == 201:
        response_201 = TokenResponse.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = ProblemDetails.from_dict(response.json())

        return response_400

    if response.status_code == 404:
        response_404 = ProblemDetails.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = ProblemDetails.from_dict(response.json())

        return response_409

    if response.status_code == 429:
        response_429 = ProblemDetails.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = ProblemDetails.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ProblemDetails | TokenResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: InviteAcceptRequest,
) -> Response[ProblemDetails | TokenResponse]:
    """Accept Invite

     Accepts an invitation with its token: creates the account (a customer's with its
    catalog customer) and logs it in. 404 `INVITE_NOT_FOUND` for a wrong, used, revoked or
    expired token; 409 `EMAIL_TAKEN` when the e-mail has an account in the company; 429
    `RATE_LIMITED` past the typed codes' per-address limit (as `/ops/invite`, same bucket).

    Args:
        body (InviteAcceptRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | TokenResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: InviteAcceptRequest,
) -> ProblemDetails | TokenResponse | None:
    """Accept Invite

     Accepts an invitation with its token: creates the account (a customer's with its
    catalog customer) and logs it in. 404 `INVITE_NOT_FOUND` for a wrong, used, revoked or
    expired token; 409 `EMAIL_TAKEN` when the e-mail has an account in the company; 429
    `RATE_LIMITED` past the typed codes' per-address limit (as `/ops/invite`, same bucket).

    Args:
        body (InviteAcceptRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | TokenResponse
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: InviteAcceptRequest,
) -> Response[ProblemDetails | TokenResponse]:
    """Accept Invite

     Accepts an invitation with its token: creates the account (a customer's with its
    catalog customer) and logs it in. 404 `INVITE_NOT_FOUND` for a wrong, used, revoked or
    expired token; 409 `EMAIL_TAKEN` when the e-mail has an account in the company; 429
    `RATE_LIMITED` past the typed codes' per-address limit (as `/ops/invite`, same bucket).

    Args:
        body (InviteAcceptRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | TokenResponse]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: InviteAcceptRequest,
) -> ProblemDetails | TokenResponse | None:
    """Accept Invite

     Accepts an invitation with its token: creates the account (a customer's with its
    catalog customer) and logs it in. 404 `INVITE_NOT_FOUND` for a wrong, used, revoked or
    expired token; 409 `EMAIL_TAKEN` when the e-mail has an account in the company; 429
    `RATE_LIMITED` past the typed codes' per-address limit (as `/ops/invite`, same bucket).

    Args:
        body (InviteAcceptRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | TokenResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
