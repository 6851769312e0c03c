import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.booking_list import BookingList
from ...models.list_bookings_status_type_0_item import ListBookingsStatusType0Item
from ...models.problem_details import ProblemDetails
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    status: list[ListBookingsStatusType0Item] | None | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_status: list[str] | None | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, list):
        json_status = []
        for status_type_0_item_data in status:
            status_type_0_item = status_type_0_item_data.value
            json_status.append(status_type_0_item)

    else:
        json_status = status
    params["status"] = json_status

    json_from_: None | str | Unset
    if isinstance(from_, Unset):
        json_from_ = UNSET
    elif isinstance(from_, datetime.datetime):
        json_from_ = from_.isoformat()
    else:
        json_from_ = from_
    params["from"] = json_from_

    json_to: None | str | Unset
    if isinstance(to, Unset):
        json_to = UNSET
    elif isinstance(to, datetime.datetime):
        json_to = to.isoformat()
    else:
        json_to = to
    params["to"] = json_to

    params["page_size"] = page_size

    json_page_token: None | str | Unset
    if isinstance(page_token, Unset):
        json_page_token = UNSET
    else:
        json_page_token = page_token
    params["page_token"] = json_page_token

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/bookings",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BookingList | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = BookingList.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = ProblemDetails.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[BookingList | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    status: list[ListBookingsStatusType0Item] | None | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> Response[BookingList | ProblemDetails]:
    """List Bookings

     My bookings, newest first; `status` (repeatable) and the period `from`..`to` narrow them.

    Args:
        status (list[ListBookingsStatusType0Item] | None | Unset): Only these statuses (repeat the
            parameter).
        from_ (datetime.datetime | None | Unset): Only bookings whose time ends after this
            instant.
        to (datetime.datetime | None | Unset): Only bookings whose time begins before this
            instant.
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BookingList | ProblemDetails]
    """

    kwargs = _get_kwargs(
        status=status,
        from_=from_,
        to=to,
        page_size=page_size,
        page_token=page_token,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    status: list[ListBookingsStatusType0Item] | None | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> BookingList | ProblemDetails | None:
    """List Bookings

     My bookings, newest first; `status` (repeatable) and the period `from`..`to` narrow them.

    Args:
        status (list[ListBookingsStatusType0Item] | None | Unset): Only these statuses (repeat the
            parameter).
        from_ (datetime.datetime | None | Unset): Only bookings whose time ends after this
            instant.
        to (datetime.datetime | None | Unset): Only bookings whose time begins before this
            instant.
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BookingList | ProblemDetails
    """

    return sync_detailed(
        client=client,
        status=status,
        from_=from_,
        to=to,
        page_size=page_size,
        page_token=page_token,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    status: list[ListBookingsStatusType0Item] | None | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> Response[BookingList | ProblemDetails]:
    """List Bookings

     My bookings, newest first; `status` (repeatable) and the period `from`..`to` narrow them.

    Args:
        status (list[ListBookingsStatusType0Item] | None | Unset): Only these statuses (repeat the
            parameter).
        from_ (datetime.datetime | None | Unset): Only bookings whose time ends after this
            instant.
        to (datetime.datetime | None | Unset): Only bookings whose time begins before this
            instant.
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BookingList | ProblemDetails]
    """

    kwargs = _get_kwargs(
        status=status,
        from_=from_,
        to=to,
        page_size=page_size,
        page_token=page_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    status: list[ListBookingsStatusType0Item] | None | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> BookingList | ProblemDetails | None:
    """List Bookings

     My bookings, newest first; `status` (repeatable) and the period `from`..`to` narrow them.

    Args:
        status (list[ListBookingsStatusType0Item] | None | Unset): Only these statuses (repeat the
            parameter).
        from_ (datetime.datetime | None | Unset): Only bookings whose time ends after this
            instant.
        to (datetime.datetime | None | Unset): Only bookings whose time begins before this
            instant.
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BookingList | ProblemDetails
    """

    return (
        await asyncio_detailed(
            client=client,
            status=status,
            from_=from_,
            to=to,
            page_size=page_size,
            page_token=page_token,
        )
    ).parsed
