from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem_details import ProblemDetails
from ...types import Response


def _get_kwargs(
    feed_id: UUID,
    *,
    idempotency_key: None | str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/v1/me/calendar-feeds/{feed_id}".format(
            feed_id=quote(str(feed_id), safe=""),
        ),
    }

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

    if response.status_code == 404:
        response_404 = ProblemDetails.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = ProblemDetails.from_dict(response.json())

        return response_409

    if response.status_code == 422:
        response_422 = ProblemDetails.from_dict(response.json())

        return response_422

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
    feed_id: UUID,
    *,
    client: AuthenticatedClient,
    idempotency_key: None | str,
) -> Response[Any | ProblemDetails]:
    """Revoke My Feed

     Revokes one of the caller's own feeds (another's is 404): its URL answers 404 from now
    on. Requires an `Idempotency-Key`.

    Args:
        feed_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ProblemDetails]
    """

    kwargs = _get_kwargs(
        feed_id=feed_id,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    feed_id: UUID,
    *,
    client: AuthenticatedClient,
    idempotency_key: None | str,
) -> Any | ProblemDetails | None:
    """Revoke My Feed

     Revokes one of the caller's own feeds (another's is 404): its URL answers 404 from now
    on. Requires an `Idempotency-Key`.

    Args:
        feed_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ProblemDetails
    """

    return sync_detailed(
        feed_id=feed_id,
        client=client,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    feed_id: UUID,
    *,
    client: AuthenticatedClient,
    idempotency_key: None | str,
) -> Response[Any | ProblemDetails]:
    """Revoke My Feed

     Revokes one of the caller's own feeds (another's is 404): its URL answers 404 from now
    on. Requires an `Idempotency-Key`.

    Args:
        feed_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ProblemDetails]
    """

    kwargs = _get_kwargs(
        feed_id=feed_id,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    feed_id: UUID,
    *,
    client: AuthenticatedClient,
    idempotency_key: None | str,
) -> Any | ProblemDetails | None:
    """Revoke My Feed

     Revokes one of the caller's own feeds (another's is 404): its URL answers 404 from now
    on. Requires an `Idempotency-Key`.

    Args:
        feed_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ProblemDetails
    """

    return (
        await asyncio_detailed(
            feed_id=feed_id,
            client=client,
            idempotency_key=idempotency_key,
        )
    ).parsed
