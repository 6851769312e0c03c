from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.change_booking_body import ChangeBookingBody
from ...models.customer_booking_out import CustomerBookingOut
from ...models.problem_details import ProblemDetails
from ...types import Response


def _get_kwargs(
    booking_id: UUID,
    *,
    body: ChangeBookingBody,
    idempotency_key: None | str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/bookings/{booking_id}/change".format(
            booking_id=quote(str(booking_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CustomerBookingOut | ProblemDetails | None:
    if response.status_code == 202:
        response_202 = CustomerBookingOut.from_dict(response.json())

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
    body: ChangeBookingBody,
    idempotency_key: None | str,
) -> Response[CustomerBookingOut | ProblemDetails]:
    """Change Booking

     Moves the end of one of my confirmed nightly stays (`check_out_date`) or interval
    rentals (`end_time`); the start stays. 202 with the booking: a longer period takes effect
    once the difference is paid (from the wallet, then the card), a shorter one at once, with
    the difference refunded (card first, then wallet) at the percent cancelling now would
    refund (the booking's cancellation windows, as `GET /v1/bookings/{id}/cancellation-preview`
    shows): in full in the free-cancellation period, else that percent of the removed time's
    price, each source's share rounded down; the company keeps the rest, and a later
    cancellation does not give it back. The removed time's price is what it was bought for:
    a night its booked price, a rental's time the rate of the stretch it was bought in (added
    time is bought at today's hourly rate), so a rate changed meanwhile never reprices time
    already paid. A booking whose time has begun is not changed. When the change is done (a
    longer period once paid, a shorter one once its refund is back), the company's webhooks get
    `booking.changed` and I get an e-mail, each with the new period, the new total and the money
    moved; a longer period that could not be paid (wallet short, card declined, 3-D Secure not
    completed) is undone, nothing charged, and they get `booking.change_failed` and I get "Your
    change could not be made", each with the reason and the period kept.

    A longer period paid by a card that asks for 3-D Secure waits for my check: `GET
    /v1/bookings/{id}` then shows `next_action` (the booking CONFIRMED, its period still the old
    one; this 202 has `next_action: null`, the card is asked a moment later, after the wallet),
    and `POST /v1/bookings/{id}/authenticate` approves it (the change takes effect) or refuses it
    (the change is given up at once). Left alone, it times out and the change is undone. Meanwhile
    a cancellation of the booking is 409 `BOOKING_FINALIZING`.

    409 `UNAVAILABLE` (the added time is taken), `CHANGE_IN_PROGRESS` or `BOOKING_FINALIZING`
    (retry shortly), `BOOKING_NOT_CHANGEABLE`, `BOOKING_ALREADY_STARTED`, or a policy limit
    (`STAY_TOO_LONG`, `DURATION_TOO_SHORT`, ...); `CHANGE_PAID_AT_DESK` (the desk changes it),
    `CHANGE_PAID_BY_PASS` (a stay or rental paid with a pass before passes paid places only:
    cancel it and book again). Requires an `Idempotency-Key`.

    Args:
        booking_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (ChangeBookingBody): The new end of a booking: `end_time` (interval rentals) or
            `check_out_date` (nightly stays).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CustomerBookingOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        booking_id=booking_id,
        body=body,
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
    body: ChangeBookingBody,
    idempotency_key: None | str,
) -> CustomerBookingOut | ProblemDetails | None:
    """Change Booking

     Moves the end of one of my confirmed nightly stays (`check_out_date`) or interval
    rentals (`end_time`); the start stays. 202 with the booking: a longer period takes effect
    once the difference is paid (from the wallet, then the card), a shorter one at once, with
    the difference refunded (card first, then wallet) at the percent cancelling now would
    refund (the booking's cancellation windows, as `GET /v1/bookings/{id}/cancellation-preview`
    shows): in full in the free-cancellation period, else that percent of the removed time's
    price, each source's share rounded down; the company keeps the rest, and a later
    cancellation does not give it back. The removed time's price is what it was bought for:
    a night its booked price, a rental's time the rate of the stretch it was bought in (added
    time is bought at today's hourly rate), so a rate changed meanwhile never reprices time
    already paid. A booking whose time has begun is not changed. When the change is done (a
    longer period once paid, a shorter one once its refund is back), the company's webhooks get
    `booking.changed` and I get an e-mail, each with the new period, the new total and the money
    moved; a longer period that could not be paid (wallet short, card declined, 3-D Secure not
    completed) is undone, nothing charged, and they get `booking.change_failed` and I get "Your
    change could not be made", each with the reason and the period kept.

    A longer period paid by a card that asks for 3-D Secure waits for my check: `GET
    /v1/bookings/{id}` then shows `next_action` (the booking CONFIRMED, its period still the old
    one; this 202 has `next_action: null`, the card is asked a moment later, after the wallet),
    and `POST /v1/bookings/{id}/authenticate` approves it (the change takes effect) or refuses it
    (the change is given up at once). Left alone, it times out and the change is undone. Meanwhile
    a cancellation of the booking is 409 `BOOKING_FINALIZING`.

    409 `UNAVAILABLE` (the added time is taken), `CHANGE_IN_PROGRESS` or `BOOKING_FINALIZING`
    (retry shortly), `BOOKING_NOT_CHANGEABLE`, `BOOKING_ALREADY_STARTED`, or a policy limit
    (`STAY_TOO_LONG`, `DURATION_TOO_SHORT`, ...); `CHANGE_PAID_AT_DESK` (the desk changes it),
    `CHANGE_PAID_BY_PASS` (a stay or rental paid with a pass before passes paid places only:
    cancel it and book again). Requires an `Idempotency-Key`.

    Args:
        booking_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (ChangeBookingBody): The new end of a booking: `end_time` (interval rentals) or
            `check_out_date` (nightly stays).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CustomerBookingOut | ProblemDetails
    """

    return sync_detailed(
        booking_id=booking_id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    booking_id: UUID,
    *,
    client: AuthenticatedClient,
    body: ChangeBookingBody,
    idempotency_key: None | str,
) -> Response[CustomerBookingOut | ProblemDetails]:
    """Change Booking

     Moves the end of one of my confirmed nightly stays (`check_out_date`) or interval
    rentals (`end_time`); the start stays. 202 with the booking: a longer period takes effect
    once the difference is paid (from the wallet, then the card), a shorter one at once, with
    the difference refunded (card first, then wallet) at the percent cancelling now would
    refund (the booking's cancellation windows, as `GET /v1/bookings/{id}/cancellation-preview`
    shows): in full in the free-cancellation period, else that percent of the removed time's
    price, each source's share rounded down; the company keeps the rest, and a later
    cancellation does not give it back. The removed time's price is what it was bought for:
    a night its booked price, a rental's time the rate of the stretch it was bought in (added
    time is bought at today's hourly rate), so a rate changed meanwhile never reprices time
    already paid. A booking whose time has begun is not changed. When the change is done (a
    longer period once paid, a shorter one once its refund is back), the company's webhooks get
    `booking.changed` and I get an e-mail, each with the new period, the new total and the money
    moved; a longer period that could not be paid (wallet short, card declined, 3-D Secure not
    completed) is undone, nothing charged, and they get `booking.change_failed` and I get "Your
    change could not be made", each with the reason and the period kept.

    A longer period paid by a card that asks for 3-D Secure waits for my check: `GET
    /v1/bookings/{id}` then shows `next_action` (the booking CONFIRMED, its period still the old
    one; this 202 has `next_action: null`, the card is asked a moment later, after the wallet),
    and `POST /v1/bookings/{id}/authenticate` approves it (the change takes effect) or refuses it
    (the change is given up at once). Left alone, it times out and the change is undone. Meanwhile
    a cancellation of the booking is 409 `BOOKING_FINALIZING`.

    409 `UNAVAILABLE` (the added time is taken), `CHANGE_IN_PROGRESS` or `BOOKING_FINALIZING`
    (retry shortly), `BOOKING_NOT_CHANGEABLE`, `BOOKING_ALREADY_STARTED`, or a policy limit
    (`STAY_TOO_LONG`, `DURATION_TOO_SHORT`, ...); `CHANGE_PAID_AT_DESK` (the desk changes it),
    `CHANGE_PAID_BY_PASS` (a stay or rental paid with a pass before passes paid places only:
    cancel it and book again). Requires an `Idempotency-Key`.

    Args:
        booking_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (ChangeBookingBody): The new end of a booking: `end_time` (interval rentals) or
            `check_out_date` (nightly stays).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CustomerBookingOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        booking_id=booking_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    booking_id: UUID,
    *,
    client: AuthenticatedClient,
    body: ChangeBookingBody,
    idempotency_key: None | str,
) -> CustomerBookingOut | ProblemDetails | None:
    """Change Booking

     Moves the end of one of my confirmed nightly stays (`check_out_date`) or interval
    rentals (`end_time`); the start stays. 202 with the booking: a longer period takes effect
    once the difference is paid (from the wallet, then the card), a shorter one at once, with
    the difference refunded (card first, then wallet) at the percent cancelling now would
    refund (the booking's cancellation windows, as `GET /v1/bookings/{id}/cancellation-preview`
    shows): in full in the free-cancellation period, else that percent of the removed time's
    price, each source's share rounded down; the company keeps the rest, and a later
    cancellation does not give it back. The removed time's price is what it was bought for:
    a night its booked price, a rental's time the rate of the stretch it was bought in (added
    time is bought at today's hourly rate), so a rate changed meanwhile never reprices time
    already paid. A booking whose time has begun is not changed. When the change is done (a
    longer period once paid, a shorter one once its refund is back), the company's webhooks get
    `booking.changed` and I get an e-mail, each with the new period, the new total and the money
    moved; a longer period that could not be paid (wallet short, card declined, 3-D Secure not
    completed) is undone, nothing charged, and they get `booking.change_failed` and I get "Your
    change could not be made", each with the reason and the period kept.

    A longer period paid by a card that asks for 3-D Secure waits for my check: `GET
    /v1/bookings/{id}` then shows `next_action` (the booking CONFIRMED, its period still the old
    one; this 202 has `next_action: null`, the card is asked a moment later, after the wallet),
    and `POST /v1/bookings/{id}/authenticate` approves it (the change takes effect) or refuses it
    (the change is given up at once). Left alone, it times out and the change is undone. Meanwhile
    a cancellation of the booking is 409 `BOOKING_FINALIZING`.

    409 `UNAVAILABLE` (the added time is taken), `CHANGE_IN_PROGRESS` or `BOOKING_FINALIZING`
    (retry shortly), `BOOKING_NOT_CHANGEABLE`, `BOOKING_ALREADY_STARTED`, or a policy limit
    (`STAY_TOO_LONG`, `DURATION_TOO_SHORT`, ...); `CHANGE_PAID_AT_DESK` (the desk changes it),
    `CHANGE_PAID_BY_PASS` (a stay or rental paid with a pass before passes paid places only:
    cancel it and book again). Requires an `Idempotency-Key`.

    Args:
        booking_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (ChangeBookingBody): The new end of a booking: `end_time` (interval rentals) or
            `check_out_date` (nightly stays).

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
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
