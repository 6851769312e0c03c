from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.booking_out import BookingOut
from ...models.problem_details import ProblemDetails
from ...types import Response


def _get_kwargs(
    booking_id: UUID,
    *,
    idempotency_key: None | str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/bookings/{booking_id}/cancel".format(
            booking_id=quote(str(booking_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BookingOut | ProblemDetails | None:
    if response.status_code == 202:
        response_202 = BookingOut.from_dict(response.json())

        return response_202

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
) -> Response[BookingOut | ProblemDetails]:
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
    idempotency_key: None | str,
) -> Response[BookingOut | ProblemDetails]:
    """Cancel Booking

     Cancels one of my bookings: 202 with the booking CANCELLING (or CANCELLED when nothing was paid).
    An unpaid pay-later booking (PENDING_PAYMENT), or a PENDING one whose card still awaits its
    3-D Secure check (`next_action`), is given up: 202 with it as it is, then it ends REJECTED
    `CANCELLED_BY_CUSTOMER`, its place released, once the card's authorization is cancelled and
    the wallet and the pass have returned anything taken (nothing is charged). A PENDING
    booking at an earlier step is 409 `BOOKING_NOT_CANCELLABLE`.

    Requires an `Idempotency-Key`.

    Args:
        booking_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BookingOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        booking_id=booking_id,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    booking_id: UUID,
    *,
    client: AuthenticatedClient,
    idempotency_key: None | str,
) -> BookingOut | ProblemDetails | None:
    """Cancel Booking

     Cancels one of my bookings: 202 with the booking CANCELLING (or CANCELLED when nothing was paid).
    An unpaid pay-later booking (PENDING_PAYMENT), or a PENDING one whose card still awaits its
    3-D Secure check (`next_action`), is given up: 202 with it as it is, then it ends REJECTED
    `CANCELLED_BY_CUSTOMER`, its place released, once the card's authorization is cancelled and
    the wallet and the pass have returned anything taken (nothing is charged). A PENDING
    booking at an earlier step is 409 `BOOKING_NOT_CANCELLABLE`.

    Requires an `Idempotency-Key`.

    Args:
        booking_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BookingOut | ProblemDetails
    """

    return sync_detailed(
        booking_id=booking_id,
        client=client,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    booking_id: UUID,
    *,
    client: AuthenticatedClient,
    idempotency_key: None | str,
) -> Response[BookingOut | ProblemDetails]:
    """Cancel Booking

     Cancels one of my bookings: 202 with the booking CANCELLING (or CANCELLED when nothing was paid).
    An unpaid pay-later booking (PENDING_PAYMENT), or a PENDING one whose card still awaits its
    3-D Secure check (`next_action`), is given up: 202 with it as it is, then it ends REJECTED
    `CANCELLED_BY_CUSTOMER`, its place released, once the card's authorization is cancelled and
    the wallet and the pass have returned anything taken (nothing is charged). A PENDING
    booking at an earlier step is 409 `BOOKING_NOT_CANCELLABLE`.

    Requires an `Idempotency-Key`.

    Args:
        booking_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BookingOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        booking_id=booking_id,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    booking_id: UUID,
    *,
    client: AuthenticatedClient,
    idempotency_key: None | str,
) -> BookingOut | ProblemDetails | None:
    """Cancel Booking

     Cancels one of my bookings: 202 with the booking CANCELLING (or CANCELLED when nothing was paid).
    An unpaid pay-later booking (PENDING_PAYMENT), or a PENDING one whose card still awaits its
    3-D Secure check (`next_action`), is given up: 202 with it as it is, then it ends REJECTED
    `CANCELLED_BY_CUSTOMER`, its place released, once the card's authorization is cancelled and
    the wallet and the pass have returned anything taken (nothing is charged). A PENDING
    booking at an earlier step is 409 `BOOKING_NOT_CANCELLABLE`.

    Requires an `Idempotency-Key`.

    Args:
        booking_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BookingOut | ProblemDetails
    """

    return (
        await asyncio_detailed(
            booking_id=booking_id,
            client=client,
            idempotency_key=idempotency_key,
        )
    ).parsed
