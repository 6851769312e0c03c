from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.customer_booking_out import CustomerBookingOut
from ...models.problem_details import ProblemDetails
from ...types import Response


def _get_kwargs(
    booking_id: UUID,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/bookings/{booking_id}".format(
            booking_id=quote(str(booking_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CustomerBookingOut | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = CustomerBookingOut.from_dict(response.json())

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
) -> Response[CustomerBookingOut | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    booking_id: UUID,
    *,
    client: AuthenticatedClient,
) -> Response[CustomerBookingOut | ProblemDetails]:
    """Get Booking

     One of my bookings (404 for a booking of someone else), with `next_action` while its card
    awaits the 3-D Secure check (`POST /v1/bookings/{id}/authenticate` completes or refuses it):
    the booking's own payment while it is PENDING, or an extension's (`/change`) while it is
    CONFIRMED and still has its old period.

    Args:
        booking_id (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CustomerBookingOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        booking_id=booking_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    booking_id: UUID,
    *,
    client: AuthenticatedClient,
) -> CustomerBookingOut | ProblemDetails | None:
    """Get Booking

     One of my bookings (404 for a booking of someone else), with `next_action` while its card
    awaits the 3-D Secure check (`POST /v1/bookings/{id}/authenticate` completes or refuses it):
    the booking's own payment while it is PENDING, or an extension's (`/change`) while it is
    CONFIRMED and still has its old period.

    Args:
        booking_id (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CustomerBookingOut | ProblemDetails
    """

    return sync_detailed(
        booking_id=booking_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    booking_id: UUID,
    *,
    client: AuthenticatedClient,
) -> Response[CustomerBookingOut | ProblemDetails]:
    """Get Booking

     One of my bookings (404 for a booking of someone else), with `next_action` while its card
    awaits the 3-D Secure check (`POST /v1/bookings/{id}/authenticate` completes or refuses it):
    the booking's own payment while it is PENDING, or an extension's (`/change`) while it is
    CONFIRMED and still has its old period.

    Args:
        booking_id (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CustomerBookingOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        booking_id=booking_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    booking_id: UUID,
    *,
    client: AuthenticatedClient,
) -> CustomerBookingOut | ProblemDetails | None:
    """Get Booking

     One of my bookings (404 for a booking of someone else), with `next_action` while its card
    awaits the 3-D Secure check (`POST /v1/bookings/{id}/authenticate` completes or refuses it):
    the booking's own payment while it is PENDING, or an extension's (`/change`) while it is
    CONFIRMED and still has its old period.

    Args:
        booking_id (UUID):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CustomerBookingOut | ProblemDetails
    """

    return (
        await asyncio_detailed(
            booking_id=booking_id,
            client=client,
        )
    ).parsed
