import datetime
from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.availability_out import AvailabilityOut
from ...models.problem_details import ProblemDetails
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    company_id: UUID,
    start_date: datetime.date,
    end_date: datetime.date,
    resource_id: list[UUID] | None | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_company_id = str(company_id)
    params["company_id"] = json_company_id

    json_start_date = start_date.isoformat()
    params["start_date"] = json_start_date

    json_end_date = end_date.isoformat()
    params["end_date"] = json_end_date

    json_resource_id: list[str] | None | Unset
    if isinstance(resource_id, Unset):
        json_resource_id = UNSET
    elif isinstance(resource_id, list):
        json_resource_id = []
        for resource_id_type_0_item_data in resource_id:
            resource_id_type_0_item = str(resource_id_type_0_item_data)
            json_resource_id.append(resource_id_type_0_item)

    else:
        json_resource_id = resource_id
    params["resource_id"] = json_resource_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/availability",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AvailabilityOut | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = AvailabilityOut.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ProblemDetails.from_dict(response.json())

        return response_400

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
) -> Response[AvailabilityOut | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    company_id: UUID,
    start_date: datetime.date,
    end_date: datetime.date,
    resource_id: list[UUID] | None | Unset = UNSET,
) -> Response[AvailabilityOut | ProblemDetails]:
    """Availability

     Occupancy per resource per local day (places, units or minutes), for a calendar heatmap.

    Args:
        company_id (UUID):
        start_date (datetime.date): ISO-8601 date between 1970-01-01 and 2200-01-01.
        end_date (datetime.date): ISO-8601 date between 1970-01-01 and 2200-01-01.
        resource_id (list[UUID] | None | Unset): Only these resources.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AvailabilityOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        company_id=company_id,
        start_date=start_date,
        end_date=end_date,
        resource_id=resource_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    company_id: UUID,
    start_date: datetime.date,
    end_date: datetime.date,
    resource_id: list[UUID] | None | Unset = UNSET,
) -> AvailabilityOut | ProblemDetails | None:
    """Availability

     Occupancy per resource per local day (places, units or minutes), for a calendar heatmap.

    Args:
        company_id (UUID):
        start_date (datetime.date): ISO-8601 date between 1970-01-01 and 2200-01-01.
        end_date (datetime.date): ISO-8601 date between 1970-01-01 and 2200-01-01.
        resource_id (list[UUID] | None | Unset): Only these resources.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AvailabilityOut | ProblemDetails
    """

    return sync_detailed(
        client=client,
        company_id=company_id,
        start_date=start_date,
        end_date=end_date,
        resource_id=resource_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    company_id: UUID,
    start_date: datetime.date,
    end_date: datetime.date,
    resource_id: list[UUID] | None | Unset = UNSET,
) -> Response[AvailabilityOut | ProblemDetails]:
    """Availability

     Occupancy per resource per local day (places, units or minutes), for a calendar heatmap.

    Args:
        company_id (UUID):
        start_date (datetime.date): ISO-8601 date between 1970-01-01 and 2200-01-01.
        end_date (datetime.date): ISO-8601 date between 1970-01-01 and 2200-01-01.
        resource_id (list[UUID] | None | Unset): Only these resources.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AvailabilityOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        company_id=company_id,
        start_date=start_date,
        end_date=end_date,
        resource_id=resource_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    company_id: UUID,
    start_date: datetime.date,
    end_date: datetime.date,
    resource_id: list[UUID] | None | Unset = UNSET,
) -> AvailabilityOut | ProblemDetails | None:
    """Availability

     Occupancy per resource per local day (places, units or minutes), for a calendar heatmap.

    Args:
        company_id (UUID):
        start_date (datetime.date): ISO-8601 date between 1970-01-01 and 2200-01-01.
        end_date (datetime.date): ISO-8601 date between 1970-01-01 and 2200-01-01.
        resource_id (list[UUID] | None | Unset): Only these resources.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AvailabilityOut | ProblemDetails
    """

    return (
        await asyncio_detailed(
            client=client,
            company_id=company_id,
            start_date=start_date,
            end_date=end_date,
            resource_id=resource_id,
        )
    ).parsed
