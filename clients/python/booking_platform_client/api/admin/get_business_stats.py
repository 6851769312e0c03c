import datetime
from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem_details import ProblemDetails
from ...models.stats_out import StatsOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    from_: datetime.date,
    to: datetime.date,
    resource_id: None | Unset | UUID = UNSET,
    company_id: None | Unset | UUID = UNSET,
    top: int | Unset = 10,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_from_ = from_.isoformat()
    params["from"] = json_from_

    json_to = to.isoformat()
    params["to"] = json_to

    json_resource_id: None | str | Unset
    if isinstance(resource_id, Unset):
        json_resource_id = UNSET
    elif isinstance(resource_id, UUID):
        json_resource_id = str(resource_id)
    else:
        json_resource_id = resource_id
    params["resource_id"] = json_resource_id

    json_company_id: None | str | Unset
    if isinstance(company_id, Unset):
        json_company_id = UNSET
    elif isinstance(company_id, UUID):
        json_company_id = str(company_id)
    else:
        json_company_id = company_id
    params["company_id"] = json_company_id

    params["top"] = top

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/admin/stats",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ProblemDetails | StatsOut | None:
    if response.status_code == 200:
        response_200 = StatsOut.from_dict(response.json())

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
) -> Response[ProblemDetails | StatsOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    from_: datetime.date,
    to: datetime.date,
    resource_id: None | Unset | UUID = UNSET,
    company_id: None | Unset | UUID = UNSET,
    top: int | Unset = 10,
) -> Response[ProblemDetails | StatsOut]:
    """Get Business Stats

     A company's business figures for a period of local days: bookings, nights, hours and
    places sold, money kept by source, occupancy, per day and per resource, top units.

    Args:
        from_ (datetime.date): The first local date of the period.
        to (datetime.date): The last local date (inclusive); at most 366 days.
        resource_id (None | Unset | UUID): Only this resource.
        company_id (None | Unset | UUID): The company (a company admin's own by default).
        top (int | Unset): How many top units to list. Default: 10.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | StatsOut]
    """

    kwargs = _get_kwargs(
        from_=from_,
        to=to,
        resource_id=resource_id,
        company_id=company_id,
        top=top,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    from_: datetime.date,
    to: datetime.date,
    resource_id: None | Unset | UUID = UNSET,
    company_id: None | Unset | UUID = UNSET,
    top: int | Unset = 10,
) -> ProblemDetails | StatsOut | None:
    """Get Business Stats

     A company's business figures for a period of local days: bookings, nights, hours and
    places sold, money kept by source, occupancy, per day and per resource, top units.

    Args:
        from_ (datetime.date): The first local date of the period.
        to (datetime.date): The last local date (inclusive); at most 366 days.
        resource_id (None | Unset | UUID): Only this resource.
        company_id (None | Unset | UUID): The company (a company admin's own by default).
        top (int | Unset): How many top units to list. Default: 10.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | StatsOut
    """

    return sync_detailed(
        client=client,
        from_=from_,
        to=to,
        resource_id=resource_id,
        company_id=company_id,
        top=top,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    from_: datetime.date,
    to: datetime.date,
    resource_id: None | Unset | UUID = UNSET,
    company_id: None | Unset | UUID = UNSET,
    top: int | Unset = 10,
) -> Response[ProblemDetails | StatsOut]:
    """Get Business Stats

     A company's business figures for a period of local days: bookings, nights, hours and
    places sold, money kept by source, occupancy, per day and per resource, top units.

    Args:
        from_ (datetime.date): The first local date of the period.
        to (datetime.date): The last local date (inclusive); at most 366 days.
        resource_id (None | Unset | UUID): Only this resource.
        company_id (None | Unset | UUID): The company (a company admin's own by default).
        top (int | Unset): How many top units to list. Default: 10.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | StatsOut]
    """

    kwargs = _get_kwargs(
        from_=from_,
        to=to,
        resource_id=resource_id,
        company_id=company_id,
        top=top,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    from_: datetime.date,
    to: datetime.date,
    resource_id: None | Unset | UUID = UNSET,
    company_id: None | Unset | UUID = UNSET,
    top: int | Unset = 10,
) -> ProblemDetails | StatsOut | None:
    """Get Business Stats

     A company's business figures for a period of local days: bookings, nights, hours and
    places sold, money kept by source, occupancy, per day and per resource, top units.

    Args:
        from_ (datetime.date): The first local date of the period.
        to (datetime.date): The last local date (inclusive); at most 366 days.
        resource_id (None | Unset | UUID): Only this resource.
        company_id (None | Unset | UUID): The company (a company admin's own by default).
        top (int | Unset): How many top units to list. Default: 10.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | StatsOut
    """

    return (
        await asyncio_detailed(
            client=client,
            from_=from_,
            to=to,
            resource_id=resource_id,
            company_id=company_id,
            top=top,
        )
    ).parsed
