from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem_details import ProblemDetails
from ...models.signup_request import SignupRequest
from ...models.token_response import TokenResponse
from ...types import Response


def _get_kwargs(
    company_id: UUID,
    *,
    body: SignupRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/companies/{company_id}/signup".format(
            company_id=quote(str(company_id), safe=""),
        ),
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
    company_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: SignupRequest,
) -> Response[ProblemDetails | TokenResponse]:
    """Sign Up

     Creates a customer account in the company and logs it in. An e-mail that is already a
    customer's in the company (a guest who booked) must be proven first: the sign-up is
    refused 409 `EMAIL_CODE_REQUIRED` and a code is e-mailed to the address; the same sign-up
    with `email_code` then makes the account, whose customer that is, so their bookings are
    theirs (400 `EMAIL_CODE_INVALID` for a wrong or expired code). 409 `EMAIL_TAKEN` when the
    e-mail has an account there already. Every attempt counts against the client's address
    (the login's per-address limit, a bucket of its own): 429 `RATE_LIMITED` past it.

    Args:
        company_id (UUID):
        body (SignupRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | TokenResponse]
    """

    kwargs = _get_kwargs(
        company_id=company_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    company_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: SignupRequest,
) -> ProblemDetails | TokenResponse | None:
    """Sign Up

     Creates a customer account in the company and logs it in. An e-mail that is already a
    customer's in the company (a guest who booked) must be proven first: the sign-up is
    refused 409 `EMAIL_CODE_REQUIRED` and a code is e-mailed to the address; the same sign-up
    with `email_code` then makes the account, whose customer that is, so their bookings are
    theirs (400 `EMAIL_CODE_INVALID` for a wrong or expired code). 409 `EMAIL_TAKEN` when the
    e-mail has an account there already. Every attempt counts against the client's address
    (the login's per-address limit, a bucket of its own): 429 `RATE_LIMITED` past it.

    Args:
        company_id (UUID):
        body (SignupRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | TokenResponse
    """

    return sync_detailed(
        company_id=company_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    company_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: SignupRequest,
) -> Response[ProblemDetails | TokenResponse]:
    """Sign Up

     Creates a customer account in the company and logs it in. An e-mail that is already a
    customer's in the company (a guest who booked) must be proven first: the sign-up is
    refused 409 `EMAIL_CODE_REQUIRED` and a code is e-mailed to the address; the same sign-up
    with `email_code` then makes the account, whose customer that is, so their bookings are
    theirs (400 `EMAIL_CODE_INVALID` for a wrong or expired code). 409 `EMAIL_TAKEN` when the
    e-mail has an account there already. Every attempt counts against the client's address
    (the login's per-address limit, a bucket of its own): 429 `RATE_LIMITED` past it.

    Args:
        company_id (UUID):
        body (SignupRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | TokenResponse]
    """

    kwargs = _get_kwargs(
        company_id=company_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    company_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: SignupRequest,
) -> ProblemDetails | TokenResponse | None:
    """Sign Up

     Creates a customer account in the company and logs it in. An e-mail that is already a
    customer's in the company (a guest who booked) must be proven first: the sign-up is
    refused 409 `EMAIL_CODE_REQUIRED` and a code is e-mailed to the address; the same sign-up
    with `email_code` then makes the account, whose customer that is, so their bookings are
    theirs (400 `EMAIL_CODE_INVALID` for a wrong or expired code). 409 `EMAIL_TAKEN` when the
    e-mail has an account there already. Every attempt counts against the client's address
    (the login's per-address limit, a bucket of its own): 429 `RATE_LIMITED` past it.

    Args:
        company_id (UUID):
        body (SignupRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | TokenResponse
    """

    return (
        await asyncio_detailed(
            company_id=company_id,
            client=client,
            body=body,
        )
    ).parsed
