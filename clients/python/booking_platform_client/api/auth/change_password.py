from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.password_change_request import PasswordChangeRequest
from ...models.problem_details import ProblemDetails
from ...types import Response


def _get_kwargs(
    *,
    body: PasswordChangeRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/auth/password",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | ProblemDetails | None:
    if response.status_code == 204:
        response_204 = cast(Any, None)
        return response_204

    if response.status_code == 400:
        response_400 = ProblemDetails.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ProblemDetails.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ProblemDetails.from_dict(response.json())

        return response_403

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
) -> Response[Any | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: PasswordChangeRequest,
) -> Response[Any | ProblemDetails]:
    """Change Password

     Changes the caller's password (the current one is checked) and signs the account out
    everywhere: its refresh tokens, console sessions and access tokens (this one included: log
    in again with the new password). 403 for an API key (it has no password). The current
    password is tried under the login's limits (per address, and per account for wrong ones):
    429 `RATE_LIMITED` with `Retry-After`, argon2 not run.

    Args:
        body (PasswordChangeRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ProblemDetails]
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
    client: AuthenticatedClient,
    body: PasswordChangeRequest,
) -> Any | ProblemDetails | None:
    """Change Password

     Changes the caller's password (the current one is checked) and signs the account out
    everywhere: its refresh tokens, console sessions and access tokens (this one included: log
    in again with the new password). 403 for an API key (it has no password). The current
    password is tried under the login's limits (per address, and per account for wrong ones):
    429 `RATE_LIMITED` with `Retry-After`, argon2 not run.

    Args:
        body (PasswordChangeRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ProblemDetails
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: PasswordChangeRequest,
) -> Response[Any | ProblemDetails]:
    """Change Password

     Changes the caller's password (the current one is checked) and signs the account out
    everywhere: its refresh tokens, console sessions and access tokens (this one included: log
    in again with the new password). 403 for an API key (it has no password). The current
    password is tried under the login's limits (per address, and per account for wrong ones):
    429 `RATE_LIMITED` with `Retry-After`, argon2 not run.

    Args:
        body (PasswordChangeRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ProblemDetails]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: PasswordChangeRequest,
) -> Any | ProblemDetails | None:
    """Change Password

     Changes the caller's password (the current one is checked) and signs the account out
    everywhere: its refresh tokens, console sessions and access tokens (this one included: log
    in again with the new password). 403 for an API key (it has no password). The current
    password is tried under the login's limits (per address, and per account for wrong ones):
    429 `RATE_LIMITED` with `Retry-After`, argon2 not run.

    Args:
        body (PasswordChangeRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ProblemDetails
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
