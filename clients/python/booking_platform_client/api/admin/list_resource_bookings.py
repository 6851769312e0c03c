import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem_details import ProblemDetails
from ...models.resource_bookings import ResourceBookings
from ...types import UNSET, Response, Unset


def _get_kwargs(
    resource_id: UUID,
    *,
    date: datetime.date,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_date = date.isoformat()
    params["date"] = json_date

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
        "url": "/v1/admin/resources/{resource_id}/bookings".format(
            resource_id=quote(str(resource_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ProblemDetails | ResourceBookings | None:
    if response.status_code == 200:
        response_200 = ResourceBookings.from_dict(response.json())

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
) -> Response[ProblemDetails | ResourceBookings]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    resource_id: UUID,
    *,
    client: AuthenticatedClient,
    date: datetime.date,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> Response[ProblemDetails | ResourceBookings]:
    """List Resource Bookings

     The bookings of a resource whose time overlaps a local day, newest first.

    Args:
        resource_id (UUID):
        date (datetime.date): Local day of the company.
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | ResourceBookings]
    """

    kwargs = _get_kwargs(
        resource_id=resource_id,
        date=date,
        page_size=page_size,
        page_token=page_token,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    resource_id: UUID,
    *,
    client: AuthenticatedClient,
    date: datetime.date,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> ProblemDetails | ResourceBookings | None:
    """List Resource Bookings

     The bookings of a resource whose time overlaps a local day, newest first.

    Args:
        resource_id (UUID):
        date (datetime.date): Local day of the company.
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | ResourceBookings
    """

    return sync_detailed(
        resource_id=resource_id,
        client=client,
        date=date,
        page_size=page_size,
        page_token=page_token,
    ).parsed


async def asyncio_detailed(
    resource_id: UUID,
    *,
    client: AuthenticatedClient,
    date: datetime.date,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> Response[ProblemDetails | ResourceBookings]:
    """List Resource Bookings

     The bookings of a resource whose time overlaps a local day, newest first.

    Args:
        resource_id (UUID):
        date (datetime.date): Local day of the company.
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | ResourceBookings]
    """

    kwargs = _get_kwargs(
        resource_id=resource_id,
        date=date,
        page_size=page_size,
        page_token=page_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    resource_id: UUID,
    *,
    client: AuthenticatedClient,
    date: datetime.date,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> ProblemDetails | ResourceBookings | None:
    """List Resource Bookings

     The bookings of a resource whose time overlaps a local day, newest first.

    Args:
        resource_id (UUID):
        date (datetime.date): Local day of the company.
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | ResourceBookings
    """

    return (
        await asyncio_detailed(
            resource_id=resource_id,
            client=client,
            date=date,
            page_size=page_size,
            page_token=page_token,
        )
    ).parsed
