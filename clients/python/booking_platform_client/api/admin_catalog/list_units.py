from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem_details import ProblemDetails
from ...models.unit_list import UnitList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    resource_id: UUID,
    *,
    include_archived: bool | Unset = False,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["include_archived"] = include_archived

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/admin/resources/{resource_id}/units".format(
            resource_id=quote(str(resource_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ProblemDetails | UnitList | None:
    if response.status_code == 200:
        response_200 = UnitList.from_dict(response.json())

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
) -> Response[ProblemDetails | UnitList]:
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
    include_archived: bool | Unset = False,
) -> Response[ProblemDetails | UnitList]:
    """List Units

     The units of a NIGHTLY resource in creation order (409 RESOURCE_NOT_NIGHTLY otherwise).

    Args:
        resource_id (UUID):
        include_archived (bool | Unset): Also archived units. Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | UnitList]
    """

    kwargs = _get_kwargs(
        resource_id=resource_id,
        include_archived=include_archived,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    resource_id: UUID,
    *,
    client: AuthenticatedClient,
    include_archived: bool | Unset = False,
) -> ProblemDetails | UnitList | None:
    """List Units

     The units of a NIGHTLY resource in creation order (409 RESOURCE_NOT_NIGHTLY otherwise).

    Args:
        resource_id (UUID):
        include_archived (bool | Unset): Also archived units. Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | UnitList
    """

    return sync_detailed(
        resource_id=resource_id,
        client=client,
        include_archived=include_archived,
    ).parsed


async def asyncio_detailed(
    resource_id: UUID,
    *,
    client: AuthenticatedClient,
    include_archived: bool | Unset = False,
) -> Response[ProblemDetails | UnitList]:
    """List Units

     The units of a NIGHTLY resource in creation order (409 RESOURCE_NOT_NIGHTLY otherwise).

    Args:
        resource_id (UUID):
        include_archived (bool | Unset): Also archived units. Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | UnitList]
    """

    kwargs = _get_kwargs(
        resource_id=resource_id,
        include_archived=include_archived,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    resource_id: UUID,
    *,
    client: AuthenticatedClient,
    include_archived: bool | Unset = False,
) -> ProblemDetails | UnitList | None:
    """List Units

     The units of a NIGHTLY resource in creation order (409 RESOURCE_NOT_NIGHTLY otherwise).

    Args:
        resource_id (UUID):
        include_archived (bool | Unset): Also archived units. Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | UnitList
    """

    return (
        await asyncio_detailed(
            resource_id=resource_id,
            client=client,
            include_archived=include_archived,
        )
    ).parsed
