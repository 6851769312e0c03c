from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.card_action_out import CardActionOut
from ...models.card_authentication_body import CardAuthenticationBody
from ...models.problem_details import ProblemDetails
from ...types import Response


def _get_kwargs(
    booking_id: UUID,
    *,
    body: CardAuthenticationBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/bookings/{booking_id}/authenticate".format(
            booking_id=quote(str(booking_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CardActionOut | ProblemDetails | None:
    if response.status_code == 202:
        response_202 = CardActionOut.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = ProblemDetails.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CardActionOut | ProblemDetails]:
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
    body: CardAuthenticationBody,
) -> Response[CardActionOut | ProblemDetails]:
    """Authenticate Booking Card

     Completes (`approve: true`) or refuses (`approve: false`) the sandbox's 3-D Secure check of
    one of my bookings' card payment (its `next_action`), with my own access token: 202 with the
    payment still REQUIRES_ACTION; the card provider's signed event follows and the booking
    confirms (or is rejected `AUTHENTICATION_FAILED`, the money taken so far given back). For an
    extension's payment the change takes effect, or, refused, is given up: the booking keeps its
    period, nothing is charged for the change, and I am told (`booking.change_failed`).

    404 `BOOKING_NOT_FOUND` for a booking of someone else; 409 `PAYMENT_NOT_REQUIRING_ACTION`
    when its card awaits no check (not yet asked, resolved, or timed out). Idempotent by
    nature, so no `Idempotency-Key`.

    Args:
        booking_id (UUID):
        body (CardAuthenticationBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CardActionOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        booking_id=booking_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    booking_id: UUID,
    *,
    client: AuthenticatedClient,
    body: CardAuthenticationBody,
) -> CardActionOut | ProblemDetails | None:
    """Authenticate Booking Card

     Completes (`approve: true`) or refuses (`approve: false`) the sandbox's 3-D Secure check of
    one of my bookings' card payment (its `next_action`), with my own access token: 202 with the
    payment still REQUIRES_ACTION; the card provider's signed event follows and the booking
    confirms (or is rejected `AUTHENTICATION_FAILED`, the money taken so far given back). For an
    extension's payment the change takes effect, or, refused, is given up: the booking keeps its
    period, nothing is charged for the change, and I am told (`booking.change_failed`).

    404 `BOOKING_NOT_FOUND` for a booking of someone else; 409 `PAYMENT_NOT_REQUIRING_ACTION`
    when its card awaits no check (not yet asked, resolved, or timed out). Idempotent by
    nature, so no `Idempotency-Key`.

    Args:
        booking_id (UUID):
        body (CardAuthenticationBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CardActionOut | ProblemDetails
    """

    return sync_detailed(
        booking_id=booking_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    booking_id: UUID,
    *,
    client: AuthenticatedClient,
    body: CardAuthenticationBody,
) -> Response[CardActionOut | ProblemDetails]:
    """Authenticate Booking Card

     Completes (`approve: true`) or refuses (`approve: false`) the sandbox's 3-D Secure check of
    one of my bookings' card payment (its `next_action`), with my own access token: 202 with the
    payment still REQUIRES_ACTION; the card provider's signed event follows and the booking
    confirms (or is rejected `AUTHENTICATION_FAILED`, the money taken so far given back). For an
    extension's payment the change takes effect, or, refused, is given up: the booking keeps its
    period, nothing is charged for the change, and I am told (`booking.change_failed`).

    404 `BOOKING_NOT_FOUND` for a booking of someone else; 409 `PAYMENT_NOT_REQUIRING_ACTION`
    when its card awaits no check (not yet asked, resolved, or timed out). Idempotent by
    nature, so no `Idempotency-Key`.

    Args:
        booking_id (UUID):
        body (CardAuthenticationBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CardActionOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        booking_id=booking_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    booking_id: UUID,
    *,
    client: AuthenticatedClient,
    body: CardAuthenticationBody,
) -> CardActionOut | ProblemDetails | None:
    """Authenticate Booking Card

     Completes (`approve: true`) or refuses (`approve: false`) the sandbox's 3-D Secure check of
    one of my bookings' card payment (its `next_action`), with my own access token: 202 with the
    payment still REQUIRES_ACTION; the card provider's signed event follows and the booking
    confirms (or is rejected `AUTHENTICATION_FAILED`, the money taken so far given back). For an
    extension's payment the change takes effect, or, refused, is given up: the booking keeps its
    period, nothing is charged for the change, and I am told (`booking.change_failed`).

    404 `BOOKING_NOT_FOUND` for a booking of someone else; 409 `PAYMENT_NOT_REQUIRING_ACTION`
    when its card awaits no check (not yet asked, resolved, or timed out). Idempotent by
    nature, so no `Idempotency-Key`.

    Args:
        booking_id (UUID):
        body (CardAuthenticationBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CardActionOut | ProblemDetails
    """

    return (
        await asyncio_detailed(
            booking_id=booking_id,
            client=client,
            body=body,
        )
    ).parsed
