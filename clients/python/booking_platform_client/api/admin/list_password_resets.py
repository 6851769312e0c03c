from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.password_reset_list import PasswordResetList
from ...models.problem_details import ProblemDetails
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    company_id: None | Unset | UUID = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_company_id: None | str | Unset
    if isinstance(company_id, Unset):
        json_company_id = UNSET
    elif isinstance(company_id, UUID):
        json_company_id = str(company_id)
    else:
        json_company_id = company_id
    params["company_id"] = json_company_id

    params["page_size"] = page_size

    json_page_token: None | str | Unset
    if isinstance(page_token, Unset):
        json_page_token = UNSET
    else:
        json_page_token = page_token
    params["page_token"] = json_page_token

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/admin/password-resets",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PasswordResetList | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = PasswordResetList.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = ProblemDetails.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[PasswordResetList | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    company_id: None | Unset | UUID = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> Response[PasswordResetList | ProblemDetails]:
    """List Password Resets

     Pending password resets of the company's accounts (staff: customers' only): who asked,
    when, until when. Never their tokens: each goes by e-mail to its account's address alone.
    An API key may not read them.

    Args:
        company_id (None | Unset | UUID): Platform admins name the company.
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PasswordResetList | ProblemDetails]
    """

    kwargs = _get_kwargs(
        company_id=company_id,
        page_size=page_size,
        page_token=page_token,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    company_id: None | Unset | UUID = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> PasswordResetList | ProblemDetails | None:
    """List Password Resets

     Pending password resets of the company's accounts (staff: customers' only): who asked,
    when, until when. Never their tokens: each goes by e-mail to its account's address alone.
    An API key may not read them.

    Args:
        company_id (None | Unset | UUID): Platform admins name the company.
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PasswordResetList | ProblemDetails
    """

    return sync_detailed(
        client=client,
        company_id=company_id,
        page_size=page_size,
        page_token=page_token,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    company_id: None | Unset | UUID = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> Response[PasswordResetList | ProblemDetails]:
    """List Password Resets

     Pending password resets of the company's accounts (staff: customers' only): who asked,
    when, until when. Never their tokens: each goes by e-mail to its account's address alone.
    An API key may not read them.

    Args:
        company_id (None | Unset | UUID): Platform admins name the company.
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PasswordResetList | ProblemDetails]
    """

    kwargs = _get_kwargs(
        company_id=company_id,
        page_size=page_size,
        page_token=page_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    company_id: None | Unset | UUID = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> PasswordResetList | ProblemDetails | None:
    """List Password Resets

     Pending password resets of the company's accounts (staff: customers' only): who asked,
    when, until when. Never their tokens: each goes by e-mail to its account's address alone.
    An API key may not read them.

    Args:
        company_id (None | Unset | UUID): Platform admins name the company.
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PasswordResetList | ProblemDetails
    """

    return (
        await asyncio_detailed(
            client=client,
            company_id=company_id,
            page_size=page_size,
            page_token=page_token,
        )
    ).parsed
