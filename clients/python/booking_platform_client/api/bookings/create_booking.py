from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_booking_body import CreateBookingBody
from ...models.customer_booking_out import CustomerBookingOut
from ...models.problem_details import ProblemDetails
from ...types import Response


def _get_kwargs(
    *,
    body: CreateBookingBody,
    idempotency_key: None | str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/bookings",
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
    *,
    client: AuthenticatedClient,
    body: CreateBookingBody,
    idempotency_key: None | str,
) -> Response[CustomerBookingOut | ProblemDetails]:
    """Create Booking

     Books places in a session: answers 202 with the PENDING booking while the payment saga runs.

    Requires an `Idempotency-Key`: a retry with the same key and body answers 202 with the booking
    the first request made, as it is now (header `Idempotent-Replayed: true`), and books nothing;
    the same key with another body is 422 `IDEMPOTENCY_KEY_REUSED`. A refused request made
    nothing, so its retry is decided again.

    A pass (`payment.entitlement_id`) pays places in sessions, a credit a place: a stay or a
    rental paid with one is 409 `PASS_NOT_VALID_FOR_BOOKING_MODEL`, nothing held.

    Args:
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (CreateBookingBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CustomerBookingOut | ProblemDetails]
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
    body: CreateBookingBody,
    idempotency_key: None | str,
) -> CustomerBookingOut | ProblemDetails | None:
    """Create Booking

     Books places in a session: answers 202 with the PENDING booking while the payment saga runs.

    Requires an `Idempotency-Key`: a retry with the same key and body answers 202 with the booking
    the first request made, as it is now (header `Idempotent-Replayed: true`), and books nothing;
    the same key with another body is 422 `IDEMPOTENCY_KEY_REUSED`. A refused request made
    nothing, so its retry is decided again.

    A pass (`payment.entitlement_id`) pays places in sessions, a credit a place: a stay or a
    rental paid with one is 409 `PASS_NOT_VALID_FOR_BOOKING_MODEL`, nothing held.

    Args:
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (CreateBookingBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CustomerBookingOut | ProblemDetails
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateBookingBody,
    idempotency_key: None | str,
) -> Response[CustomerBookingOut | ProblemDetails]:
    """Create Booking

     Books places in a session: answers 202 with the PENDING booking while the payment saga runs.

    Requires an `Idempotency-Key`: a retry with the same key and body answers 202 with the booking
    the first request made, as it is now (header `Idempotent-Replayed: true`), and books nothing;
    the same key with another body is 422 `IDEMPOTENCY_KEY_REUSED`. A refused request made
    nothing, so its retry is decided again.

    A pass (`payment.entitlement_id`) pays places in sessions, a credit a place: a stay or a
    rental paid with one is 409 `PASS_NOT_VALID_FOR_BOOKING_MODEL`, nothing held.

    Args:
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (CreateBookingBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CustomerBookingOut | ProblemDetails]
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
    body: CreateBookingBody,
    idempotency_key: None | str,
) -> CustomerBookingOut | ProblemDetails | None:
    """Create Booking

     Books places in a session: answers 202 with the PENDING booking while the payment saga runs.

    Requires an `Idempotency-Key`: a retry with the same key and body answers 202 with the booking
    the first request made, as it is now (header `Idempotent-Replayed: true`), and books nothing;
    the same key with another body is 422 `IDEMPOTENCY_KEY_REUSED`. A refused request made
    nothing, so its retry is decided again.

    A pass (`payment.entitlement_id`) pays places in sessions, a credit a place: a stay or a
    rental paid with one is 409 `PASS_NOT_VALID_FOR_BOOKING_MODEL`, nothing held.

    Args:
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (CreateBookingBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CustomerBookingOut | ProblemDetails
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
