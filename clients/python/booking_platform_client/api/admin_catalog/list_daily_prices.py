import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.daily_price_list import DailyPriceList
from ...models.problem_details import ProblemDetails
from ...types import UNSET, Response


def _get_kwargs(
    resource_id: UUID,
    rate_plan_id: UUID,
    *,
    from_: datetime.date,
    to: datetime.date,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_from_ = from_.isoformat()
    params["from"] = json_from_

    json_to = to.isoformat()
    params["to"] = json_to

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/admin/resources/{resource_id}/rate-plans/{rate_plan_id}/prices".format(
            resource_id=quote(str(resource_id), safe=""),
            rate_plan_id=quote(str(rate_plan_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DailyPriceList | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = DailyPriceList.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = ProblemDetails.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[DailyPriceList | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    resource_id: UUID,
    rate_plan_id: UUID,
    *,
    client: AuthenticatedClient,
    from_: datetime.date,
    to: datetime.date,
) -> Response[DailyPriceList | ProblemDetails]:
    """List Daily Prices

     The stored daily prices and overrides of a rate plan in a date range.

    Args:
        resource_id (UUID):
        rate_plan_id (UUID):
        from_ (datetime.date): First local date.
        to (datetime.date): Last local date, exclusive (at most 800 days on).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DailyPriceList | ProblemDetails]
    """

    kwargs = _get_kwargs(
        resource_id=resource_id,
        rate_plan_id=rate_plan_id,
        from_=from_,
        to=to,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    resource_id: UUID,
    rate_plan_id: UUID,
    *,
    client: AuthenticatedClient,
    from_: datetime.date,
    to: datetime.date,
) -> DailyPriceList | ProblemDetails | None:
    """List Daily Prices

     The stored daily prices and overrides of a rate plan in a date range.

    Args:
        resource_id (UUID):
        rate_plan_id (UUID):
        from_ (datetime.date): First local date.
        to (datetime.date): Last local date, exclusive (at most 800 days on).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DailyPriceList | ProblemDetails
    """

    return sync_detailed(
        resource_id=resource_id,
        rate_plan_id=rate_plan_id,
        client=client,
        from_=from_,
        to=to,
    ).parsed


async def asyncio_detailed(
    resource_id: UUID,
    rate_plan_id: UUID,
    *,
    client: AuthenticatedClient,
    from_: datetime.date,
    to: datetime.date,
) -> Response[DailyPriceList | ProblemDetails]:
    """List Daily Prices

     The stored daily prices and overrides of a rate plan in a date range.

    Args:
        resource_id (UUID):
        rate_plan_id (UUID):
        from_ (datetime.date): First local date.
        to (datetime.date): Last local date, exclusive (at most 800 days on).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DailyPriceList | ProblemDetails]
    """

    kwargs = _get_kwargs(
        resource_id=resource_id,
        rate_plan_id=rate_plan_id,
        from_=from_,
        to=to,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    resource_id: UUID,
    rate_plan_id: UUID,
    *,
    client: AuthenticatedClient,
    from_: datetime.date,
    to: datetime.date,
) -> DailyPriceList | ProblemDetails | None:
    """List Daily Prices

     The stored daily prices and overrides of a rate plan in a date range.

    Args:
        resource_id (UUID):
        rate_plan_id (UUID):
        from_ (datetime.date): First local date.
        to (datetime.date): Last local date, exclusive (at most 800 days on).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DailyPriceList | ProblemDetails
    """

    return (
        await asyncio_detailed(
            resource_id=resource_id,
            rate_plan_id=rate_plan_id,
            client=client,
            from_=from_,
            to=to,
        )
    ).parsed
