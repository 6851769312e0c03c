from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_my_feed_body import CreateMyFeedBody
from ...models.created_feed_out import CreatedFeedOut
from ...models.problem_details import ProblemDetails
from ...types import Response


def _get_kwargs(
    *,
    body: CreateMyFeedBody,
    idempotency_key: None | str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/me/calendar-feeds",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CreatedFeedOut | ProblemDetails | None:
    if response.status_code == 201:
        response_201 = CreatedFeedOut.from_dict(response.json())

        return response_201

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
) -> Response[CreatedFeedOut | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateMyFeedBody,
    idempotency_key: None | str,
) -> Response[CreatedFeedOut | ProblemDetails]:
    """Create My Feed

     Creates the caller's own iCalendar feed of the company's bookings (or of one resource's):
    it answers only while the caller's account is active in the company. The answer holds the
    feed's secret URL this once only. Requires an `Idempotency-Key`.

    Args:
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (CreateMyFeedBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreatedFeedOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: CreateMyFeedBody,
    idempotency_key: None | str,
) -> CreatedFeedOut | ProblemDetails | None:
    """Create My Feed

     Creates the caller's own iCalendar feed of the company's bookings (or of one resource's):
    it answers only while the caller's account is active in the company. The answer holds the
    feed's secret URL this once only. Requires an `Idempotency-Key`.

    Args:
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (CreateMyFeedBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreatedFeedOut | ProblemDetails
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateMyFeedBody,
    idempotency_key: None | str,
) -> Response[CreatedFeedOut | ProblemDetails]:
    """Create My Feed

     Creates the caller's own iCalendar feed of the company's bookings (or of one resource's):
    it answers only while the caller's account is active in the company. The answer holds the
    feed's secret URL this once only. Requires an `Idempotency-Key`.

    Args:
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (CreateMyFeedBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreatedFeedOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: CreateMyFeedBody,
    idempotency_key: None | str,
) -> CreatedFeedOut | ProblemDetails | None:
    """Create My Feed

     Creates the caller's own iCalendar feed of the company's bookings (or of one resource's):
    it answers only while the caller's account is active in the company. The answer holds the
    feed's secret URL this once only. Requires an `Idempotency-Key`.

    Args:
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (CreateMyFeedBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreatedFeedOut | ProblemDetails
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
