from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem_details import ProblemDetails
from ...models.reason_body import ReasonBody
from ...models.staff_booking_out import StaffBookingOut
from ...types import Response


def _get_kwargs(
    booking_id: UUID,
    *,
    body: ReasonBody,
    idempotency_key: None | str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/admin/bookings/{booking_id}/cancellation".format(
            booking_id=quote(str(booking_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ProblemDetails | StaffBookingOut | None:
    if response.status_code == 200:
        response_200 = StaffBookingOut.from_dict(response.json())

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
) -> Response[ProblemDetails | StaffBookingOut]:
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
    body: ReasonBody,
    idempotency_key: None | str,
) -> Response[ProblemDetails | StaffBookingOut]:
    """Cancel Booking By Company

     The company cancels a CONFIRMED booking with a reason: everything paid goes back (card
    and wallet by the refund saga; desk money is `refund_at_desk`, to hand back), whenever it
    is. An unpaid pay-later booking (PENDING_PAYMENT) is given up: REJECTED
    `CANCELLED_BY_COMPANY`, its place released, anything the wallet took returned. Requires an
    `Idempotency-Key`.

    Args:
        booking_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (ReasonBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | StaffBookingOut]
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
    body: ReasonBody,
    idempotency_key: None | str,
) -> ProblemDetails | StaffBookingOut | None:
    """Cancel Booking By Company

     The company cancels a CONFIRMED booking with a reason: everything paid goes back (card
    and wallet by the refund saga; desk money is `refund_at_desk`, to hand back), whenever it
    is. An unpaid pay-later booking (PENDING_PAYMENT) is given up: REJECTED
    `CANCELLED_BY_COMPANY`, its place released, anything the wallet took returned. Requires an
    `Idempotency-Key`.

    Args:
        booking_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (ReasonBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | StaffBookingOut
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
    body: ReasonBody,
    idempotency_key: None | str,
) -> Response[ProblemDetails | StaffBookingOut]:
    """Cancel Booking By Company

     The company cancels a CONFIRMED booking with a reason: everything paid goes back (card
    and wallet by the refund saga; desk money is `refund_at_desk`, to hand back), whenever it
    is. An unpaid pay-later booking (PENDING_PAYMENT) is given up: REJECTED
    `CANCELLED_BY_COMPANY`, its place released, anything the wallet took returned. Requires an
    `Idempotency-Key`.

    Args:
        booking_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (ReasonBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | StaffBookingOut]
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
    body: ReasonBody,
    idempotency_key: None | str,
) -> ProblemDetails | StaffBookingOut | None:
    """Cancel Booking By Company

     The company cancels a CONFIRMED booking with a reason: everything paid goes back (card
    and wallet by the refund saga; desk money is `refund_at_desk`, to hand back), whenever it
    is. An unpaid pay-later booking (PENDING_PAYMENT) is given up: REJECTED
    `CANCELLED_BY_COMPANY`, its place released, anything the wallet took returned. Requires an
    `Idempotency-Key`.

    Args:
        booking_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (ReasonBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | StaffBookingOut
    """

    return (
        await asyncio_detailed(
            booking_id=booking_id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
