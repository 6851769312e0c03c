from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.guest_booking_out import GuestBookingOut
from ...models.problem_details import ProblemDetails
from ...types import UNSET, Response, Unset


def _get_kwargs(
    booking_id: UUID,
    *,
    authorization: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(authorization, Unset):
        headers["Authorization"] = authorization

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/public/bookings/{booking_id}".format(
            booking_id=quote(str(booking_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GuestBookingOut | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = GuestBookingOut.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ProblemDetails.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ProblemDetails.from_dict(response.json())

        return response_401

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
) -> Response[GuestBookingOut | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    booking_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    authorization: None | str | Unset = UNSET,
) -> Response[GuestBookingOut | ProblemDetails]:
    """Get Guest Booking

     The booking of a manage token (`Authorization: Bearer <manage_token>`): its status, and
    `next_action` while the card awaits its 3-D Secure check. A missing, forged, expired or
    other booking's token is 404 `BOOKING_NOT_FOUND`.

    Args:
        booking_id (UUID):
        authorization (None | str | Unset): `Bearer <token>`: the signed token.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GuestBookingOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        booking_id=booking_id,
        authorization=authorization,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    booking_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    authorization: None | str | Unset = UNSET,
) -> GuestBookingOut | ProblemDetails | None:
    """Get Guest Booking

     The booking of a manage token (`Authorization: Bearer <manage_token>`): its status, and
    `next_action` while the card awaits its 3-D Secure check. A missing, forged, expired or
    other booking's token is 404 `BOOKING_NOT_FOUND`.

    Args:
        booking_id (UUID):
        authorization (None | str | Unset): `Bearer <token>`: the signed token.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GuestBookingOut | ProblemDetails
    """

    return sync_detailed(
        booking_id=booking_id,
        client=client,
        authorization=authorization,
    ).parsed


async def asyncio_detailed(
    booking_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    authorization: None | str | Unset = UNSET,
) -> Response[GuestBookingOut | ProblemDetails]:
    """Get Guest Booking

     The booking of a manage token (`Authorization: Bearer <manage_token>`): its status, and
    `next_action` while the card awaits its 3-D Secure check. A missing, forged, expired or
    other booking's token is 404 `BOOKING_NOT_FOUND`.

    Args:
        booking_id (UUID):
        authorization (None | str | Unset): `Bearer <token>`: the signed token.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GuestBookingOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        booking_id=booking_id,
        authorization=authorization,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    booking_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    authorization: None | str | Unset = UNSET,
) -> GuestBookingOut | ProblemDetails | None:
    """Get Guest Booking

     The booking of a manage token (`Authorization: Bearer <manage_token>`): its status, and
    `next_action` while the card awaits its 3-D Secure check. A missing, forged, expired or
    other booking's token is 404 `BOOKING_NOT_FOUND`.

    Args:
        booking_id (UUID):
        authorization (None | str | Unset): `Bearer <token>`: the signed token.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GuestBookingOut | ProblemDetails
    """

    return (
        await asyncio_detailed(
            booking_id=booking_id,
            client=client,
            authorization=authorization,
        )
    ).parsed
