import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.free_slot_list import FreeSlotList
from ...models.problem_details import ProblemDetails
from ...types import UNSET, Response, Unset


def _get_kwargs(
    resource_id: UUID,
    *,
    date: datetime.date,
    min_duration_minutes: int | Unset = 0,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_date = date.isoformat()
    params["date"] = json_date

    params["min_duration_minutes"] = min_duration_minutes

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/resources/{resource_id}/free-slots".format(
            resource_id=quote(str(resource_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> FreeSlotList | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = FreeSlotList.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ProblemDetails.from_dict(response.json())

        return response_400

    if response.status_code == 404:
        response_404 = ProblemDetails.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = ProblemDetails.from_dict(response.json())

        return response_409

    if response.status_code == 503:
        response_503 = ProblemDetails.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[FreeSlotList | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    resource_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    date: datetime.date,
    min_duration_minutes: int | Unset = 0,
) -> Response[FreeSlotList | ProblemDetails]:
    """Free Slots

     The free intervals of an interval resource on a day (buffers, granularity and the
    minimum duration of its policy applied).

    Args:
        resource_id (UUID):
        date (datetime.date): Local date of the resource's company.
        min_duration_minutes (int | Unset):  Default: 0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FreeSlotList | ProblemDetails]
    """

    kwargs = _get_kwargs(
        resource_id=resource_id,
        date=date,
        min_duration_minutes=min_duration_minutes,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    resource_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    date: datetime.date,
    min_duration_minutes: int | Unset = 0,
) -> FreeSlotList | ProblemDetails | None:
    """Free Slots

     The free intervals of an interval resource on a day (buffers, granularity and the
    minimum duration of its policy applied).

    Args:
        resource_id (UUID):
        date (datetime.date): Local date of the resource's company.
        min_duration_minutes (int | Unset):  Default: 0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FreeSlotList | ProblemDetails
    """

    return sync_detailed(
        resource_id=resource_id,
        client=client,
        date=date,
        min_duration_minutes=min_duration_minutes,
    ).parsed


async def asyncio_detailed(
    resource_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    date: datetime.date,
    min_duration_minutes: int | Unset = 0,
) -> Response[FreeSlotList | ProblemDetails]:
    """Free Slots

     The free intervals of an interval resource on a day (buffers, granularity and the
    minimum duration of its policy applied).

    Args:
        resource_id (UUID):
        date (datetime.date): Local date of the resource's company.
        min_duration_minutes (int | Unset):  Default: 0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FreeSlotList | ProblemDetails]
    """

    kwargs = _get_kwargs(
        resource_id=resource_id,
        date=date,
        min_duration_minutes=min_duration_minutes,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    resource_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    date: datetime.date,
    min_duration_minutes: int | Unset = 0,
) -> FreeSlotList | ProblemDetails | None:
    """Free Slots

     The free intervals of an interval resource on a day (buffers, granularity and the
    minimum duration of its policy applied).

    Args:
        resource_id (UUID):
        date (datetime.date): Local date of the resource's company.
        min_duration_minutes (int | Unset):  Default: 0.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FreeSlotList | ProblemDetails
    """

    return (
        await asyncio_detailed(
            resource_id=resource_id,
            client=client,
            date=date,
            min_duration_minutes=min_duration_minutes,
        )
    ).parsed
