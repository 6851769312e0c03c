from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_series_body import CreateSeriesBody
from ...models.problem_details import ProblemDetails
from ...models.series_out import SeriesOut
from ...types import Response


def _get_kwargs(
    *,
    body: CreateSeriesBody,
    idempotency_key: None | str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/admin/session-series",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ProblemDetails | SeriesOut | None:
    if response.status_code == 201:
        response_201 = SeriesOut.from_dict(response.json())

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

    if response.status_code == 428:
        response_428 = ProblemDetails.from_dict(response.json())

        return response_428

    if response.status_code == 503:
        response_503 = ProblemDetails.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ProblemDetails | SeriesOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateSeriesBody,
    idempotency_key: None | str,
) -> Response[ProblemDetails | SeriesOut]:
    """Create Session Series

     Creates every occurrence of a recurring series in one go (all or nothing), expanded in
    the company's time zone: a 09:00 class stays 09:00 local across DST changes. An occurrence
    whose local time does not exist that day (the hour the clocks skip) starts at the time
    after the gap, as RFC 5545 says, and is listed in `moved_occurrences`. A rule with
    no end or more than 500 occurrences is refused (400 INVALID_RRULE / TOO_MANY_OCCURRENCES).
    Requires an `Idempotency-Key`.

    Args:
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (CreateSeriesBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | SeriesOut]
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
    body: CreateSeriesBody,
    idempotency_key: None | str,
) -> ProblemDetails | SeriesOut | None:
    """Create Session Series

     Creates every occurrence of a recurring series in one go (all or nothing), expanded in
    the company's time zone: a 09:00 class stays 09:00 local across DST changes. An occurrence
    whose local time does not exist that day (the hour the clocks skip) starts at the time
    after the gap, as RFC 5545 says, and is listed in `moved_occurrences`. A rule with
    no end or more than 500 occurrences is refused (400 INVALID_RRULE / TOO_MANY_OCCURRENCES).
    Requires an `Idempotency-Key`.

    Args:
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (CreateSeriesBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | SeriesOut
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateSeriesBody,
    idempotency_key: None | str,
) -> Response[ProblemDetails | SeriesOut]:
    """Create Session Series

     Creates every occurrence of a recurring series in one go (all or nothing), expanded in
    the company's time zone: a 09:00 class stays 09:00 local across DST changes. An occurrence
    whose local time does not exist that day (the hour the clocks skip) starts at the time
    after the gap, as RFC 5545 says, and is listed in `moved_occurrences`. A rule with
    no end or more than 500 occurrences is refused (400 INVALID_RRULE / TOO_MANY_OCCURRENCES).
    Requires an `Idempotency-Key`.

    Args:
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (CreateSeriesBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | SeriesOut]
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
    body: CreateSeriesBody,
    idempotency_key: None | str,
) -> ProblemDetails | SeriesOut | None:
    """Create Session Series

     Creates every occurrence of a recurring series in one go (all or nothing), expanded in
    the company's time zone: a 09:00 class stays 09:00 local across DST changes. An occurrence
    whose local time does not exist that day (the hour the clocks skip) starts at the time
    after the gap, as RFC 5545 says, and is listed in `moved_occurrences`. A rule with
    no end or more than 500 occurrences is refused (400 INVALID_RRULE / TOO_MANY_OCCURRENCES).
    Requires an `Idempotency-Key`.

    Args:
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (CreateSeriesBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | SeriesOut
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
