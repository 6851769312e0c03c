from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.guest_booking_out import GuestBookingOut
from ...models.guest_cancel_body import GuestCancelBody
from ...models.problem_details import ProblemDetails
from ...types import UNSET, Response, Unset


def _get_kwargs(
    booking_id: UUID,
    *,
    body: GuestCancelBody | None | Unset = UNSET,
    authorization: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(authorization, Unset):
        headers["Authorization"] = authorization

    headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/public/bookings/{booking_id}/cancel".format(
            booking_id=quote(str(booking_id), safe=""),
        ),
    }

    if isinstance(body, GuestCancelBody):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GuestBookingOut | ProblemDetails | None:
    if response.status_code == 202:
        response_202 = GuestBookingOut.from_dict(response.json())

        return response_202

    if response.status_code == 400:
        response_400 = ProblemDetails.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ProblemDetails.from_dict(response.json())

        return response_401

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
    body: GuestCancelBody | None | Unset = UNSET,
    authorization: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> Response[GuestBookingOut | ProblemDetails]:
    """Cancel Guest Booking

     Cancels the booking of a manage token (in the body, `{"token": ...}`, or as
    `Authorization: Bearer <token>`; never in the address): 202 with the booking CANCELLING (or
    CANCELLED when nothing was paid); refunds follow the company's policy.

    Requires an `Idempotency-Key`.

    Args:
        booking_id (UUID):
        authorization (None | str | Unset): `Bearer <token>`: the signed token.
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (GuestCancelBody | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GuestBookingOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        booking_id=booking_id,
        body=body,
        authorization=authorization,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    booking_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: GuestCancelBody | None | Unset = UNSET,
    authorization: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> GuestBookingOut | ProblemDetails | None:
    """Cancel Guest Booking

     Cancels the booking of a manage token (in the body, `{"token": ...}`, or as
    `Authorization: Bearer <token>`; never in the address): 202 with the booking CANCELLING (or
    CANCELLED when nothing was paid); refunds follow the company's policy.

    Requires an `Idempotency-Key`.

    Args:
        booking_id (UUID):
        authorization (None | str | Unset): `Bearer <token>`: the signed token.
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (GuestCancelBody | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GuestBookingOut | ProblemDetails
    """

    return sync_detailed(
        booking_id=booking_id,
        client=client,
        body=body,
        authorization=authorization,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    booking_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: GuestCancelBody | None | Unset = UNSET,
    authorization: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> Response[GuestBookingOut | ProblemDetails]:
    """Cancel Guest Booking

     Cancels the booking of a manage token (in the body, `{"token": ...}`, or as
    `Authorization: Bearer <token>`; never in the address): 202 with the booking CANCELLING (or
    CANCELLED when nothing was paid); refunds follow the company's policy.

    Requires an `Idempotency-Key`.

    Args:
        booking_id (UUID):
        authorization (None | str | Unset): `Bearer <token>`: the signed token.
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (GuestCancelBody | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GuestBookingOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        booking_id=booking_id,
        body=body,
        authorization=authorization,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    booking_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    body: GuestCancelBody | None | Unset = UNSET,
    authorization: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> GuestBookingOut | ProblemDetails | None:
    """Cancel Guest Booking

     Cancels the booking of a manage token (in the body, `{"token": ...}`, or as
    `Authorization: Bearer <token>`; never in the address): 202 with the booking CANCELLING (or
    CANCELLED when nothing was paid); refunds follow the company's policy.

    Requires an `Idempotency-Key`.

    Args:
        booking_id (UUID):
        authorization (None | str | Unset): `Bearer <token>`: the signed token.
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (GuestCancelBody | None | Unset):

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
            body=body,
            authorization=authorization,
            idempotency_key=idempotency_key,
        )
    ).parsed
