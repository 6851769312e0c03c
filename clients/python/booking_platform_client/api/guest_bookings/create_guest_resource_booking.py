from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.guest_booking_created import GuestBookingCreated
from ...models.guest_resource_booking_body import GuestResourceBookingBody
from ...models.problem_details import ProblemDetails
from ...types import Response


def _get_kwargs(
    company_id: UUID,
    resource_id: UUID,
    *,
    body: GuestResourceBookingBody,
    idempotency_key: None | str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/public/companies/{company_id}/resources/{resource_id}/bookings".format(
            company_id=quote(str(company_id), safe=""),
            resource_id=quote(str(resource_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GuestBookingCreated | ProblemDetails | None:
    if response.status_code == 202:
        response_202 = GuestBookingCreated.from_dict(response.json())

        return response_202

    if response.status_code == 400:
        response_400 = ProblemDetails.from_dict(response.json())

        return response_400

    if response.status_code == 404:
        response_404 = ProblemDetails.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = ProblemDetails.from_dict(response.json())

        return response_409

    if response.status_code == 422:
        response_422 = ProblemDetails.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = ProblemDetails.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = ProblemDetails.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[GuestBookingCreated | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    company_id: UUID,
    resource_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: GuestResourceBookingBody,
    idempotency_key: None | str,
) -> Response[GuestBookingCreated | ProblemDetails]:
    """Create Guest Resource Booking

     A guest (no account) books nights (`check_in_date`, `check_out_date`) or an interval
    (`start_time`, `end_time`) of a resource of the company and pays by card: 202 with the
    PENDING booking, its reference and the manage link.

    Requires an `Idempotency-Key`; throttled like session bookings. A resource of another
    company is 404 `RESOURCE_NOT_FOUND`.

    Args:
        company_id (UUID):
        resource_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (GuestResourceBookingBody): Nights in a room type (check-in and check-out dates) or
            an interval of equipment (start
            and end times): the resource's booking model decides which fields apply.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GuestBookingCreated | ProblemDetails]
    """

    kwargs = _get_kwargs(
        company_id=company_id,
        resource_id=resource_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    company_id: UUID,
    resource_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: GuestResourceBookingBody,
    idempotency_key: None | str,
) -> GuestBookingCreated | ProblemDetails | None:
    """Create Guest Resource Booking

     A guest (no account) books nights (`check_in_date`, `check_out_date`) or an interval
    (`start_time`, `end_time`) of a resource of the company and pays by card: 202 with the
    PENDING booking, its reference and the manage link.

    Requires an `Idempotency-Key`; throttled like session bookings. A resource of another
    company is 404 `RESOURCE_NOT_FOUND`.

    Args:
        company_id (UUID):
        resource_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (GuestResourceBookingBody): Nights in a room type (check-in and check-out dates) or
            an interval of equipment (start
            and end times): the resource's booking model decides which fields apply.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GuestBookingCreated | ProblemDetails
    """

    return sync_detailed(
        company_id=company_id,
        resource_id=resource_id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    company_id: UUID,
    resource_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: GuestResourceBookingBody,
    idempotency_key: None | str,
) -> Response[GuestBookingCreated | ProblemDetails]:
    """Create Guest Resource Booking

     A guest (no account) books nights (`check_in_date`, `check_out_date`) or an interval
    (`start_time`, `end_time`) of a resource of the company and pays by card: 202 with the
    PENDING booking, its reference and the manage link.

    Requires an `Idempotency-Key`; throttled like session bookings. A resource of another
    company is 404 `RESOURCE_NOT_FOUND`.

    Args:
        company_id (UUID):
        resource_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (GuestResourceBookingBody): Nights in a room type (check-in and check-out dates) or
            an interval of equipment (start
            and end times): the resource's booking model decides which fields apply.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GuestBookingCreated | ProblemDetails]
    """

    kwargs = _get_kwargs(
        company_id=company_id,
        resource_id=resource_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    company_id: UUID,
    resource_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: GuestResourceBookingBody,
    idempotency_key: None | str,
) -> GuestBookingCreated | ProblemDetails | None:
    """Create Guest Resource Booking

     A guest (no account) books nights (`check_in_date`, `check_out_date`) or an interval
    (`start_time`, `end_time`) of a resource of the company and pays by card: 202 with the
    PENDING booking, its reference and the manage link.

    Requires an `Idempotency-Key`; throttled like session bookings. A resource of another
    company is 404 `RESOURCE_NOT_FOUND`.

    Args:
        company_id (UUID):
        resource_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (GuestResourceBookingBody): Nights in a room type (check-in and check-out dates) or
            an interval of equipment (start
            and end times): the resource's booking model decides which fields apply.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GuestBookingCreated | ProblemDetails
    """

    return (
        await asyncio_detailed(
            company_id=company_id,
            resource_id=resource_id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
