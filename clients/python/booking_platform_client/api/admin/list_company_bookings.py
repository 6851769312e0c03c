import datetime
from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_company_bookings_status_type_0_item import (
    ListCompanyBookingsStatusType0Item,
)
from ...models.problem_details import ProblemDetails
from ...models.staff_booking_list import StaffBookingList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    status: list[ListCompanyBookingsStatusType0Item] | None | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    resource_id: None | Unset | UUID = UNSET,
    customer_id: None | Unset | UUID = UNSET,
    company_id: None | Unset | UUID = UNSET,
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

    json_resource_id: None | str | Unset
    if isinstance(resource_id, Unset):
        json_resource_id = UNSET
    elif isinstance(resource_id, UUID):
        json_resource_id = str(resource_id)
    else:
        json_resource_id = resource_id
    params["resource_id"] = json_resource_id

    json_customer_id: None | str | Unset
    if isinstance(customer_id, Unset):
        json_customer_id = UNSET
    elif isinstance(customer_id, UUID):
        json_customer_id = str(customer_id)
    else:
        json_customer_id = customer_id
    params["customer_id"] = json_customer_id

    json_company_id: None | str | Unset
    if isinstance(company_id, Unset):
        json_company_id = UNSET
    elif isinstance(company_id, UUID):
        json_company_id = str(company_id)
    else:
        json_company_id = company_id
    params["company_id"] = json_company_id

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
        "url": "/v1/admin/bookings",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ProblemDetails | StaffBookingList | None:
    if response.status_code == 200:
        response_200 = StaffBookingList.from_dict(response.json())

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
) -> Response[ProblemDetails | StaffBookingList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    status: list[ListCompanyBookingsStatusType0Item] | None | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    resource_id: None | Unset | UUID = UNSET,
    customer_id: None | Unset | UUID = UNSET,
    company_id: None | Unset | UUID = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> Response[ProblemDetails | StaffBookingList]:
    """List Company Bookings

     A company's bookings, newest first, by status, period (`from`, `to`), resource or
    customer.

    Args:
        status (list[ListCompanyBookingsStatusType0Item] | None | Unset): Only these statuses
            (repeat the parameter).
        from_ (datetime.datetime | None | Unset): Only bookings whose time ends after this
            instant.
        to (datetime.datetime | None | Unset): Only bookings whose time begins before this
            instant.
        resource_id (None | Unset | UUID):
        customer_id (None | Unset | UUID):
        company_id (None | Unset | UUID): Platform admins: the company.
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | StaffBookingList]
    """

    kwargs = _get_kwargs(
        status=status,
        from_=from_,
        to=to,
        resource_id=resource_id,
        customer_id=customer_id,
        company_id=company_id,
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
    status: list[ListCompanyBookingsStatusType0Item] | None | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    resource_id: None | Unset | UUID = UNSET,
    customer_id: None | Unset | UUID = UNSET,
    company_id: None | Unset | UUID = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> ProblemDetails | StaffBookingList | None:
    """List Company Bookings

     A company's bookings, newest first, by status, period (`from`, `to`), resource or
    customer.

    Args:
        status (list[ListCompanyBookingsStatusType0Item] | None | Unset): Only these statuses
            (repeat the parameter).
        from_ (datetime.datetime | None | Unset): Only bookings whose time ends after this
            instant.
        to (datetime.datetime | None | Unset): Only bookings whose time begins before this
            instant.
        resource_id (None | Unset | UUID):
        customer_id (None | Unset | UUID):
        company_id (None | Unset | UUID): Platform admins: the company.
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | StaffBookingList
    """

    return sync_detailed(
        client=client,
        status=status,
        from_=from_,
        to=to,
        resource_id=resource_id,
        customer_id=customer_id,
        company_id=company_id,
        page_size=page_size,
        page_token=page_token,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    status: list[ListCompanyBookingsStatusType0Item] | None | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    resource_id: None | Unset | UUID = UNSET,
    customer_id: None | Unset | UUID = UNSET,
    company_id: None | Unset | UUID = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> Response[ProblemDetails | StaffBookingList]:
    """List Company Bookings

     A company's bookings, newest first, by status, period (`from`, `to`), resource or
    customer.

    Args:
        status (list[ListCompanyBookingsStatusType0Item] | None | Unset): Only these statuses
            (repeat the parameter).
        from_ (datetime.datetime | None | Unset): Only bookings whose time ends after this
            instant.
        to (datetime.datetime | None | Unset): Only bookings whose time begins before this
            instant.
        resource_id (None | Unset | UUID):
        customer_id (None | Unset | UUID):
        company_id (None | Unset | UUID): Platform admins: the company.
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | StaffBookingList]
    """

    kwargs = _get_kwargs(
        status=status,
        from_=from_,
        to=to,
        resource_id=resource_id,
        customer_id=customer_id,
        company_id=company_id,
        page_size=page_size,
        page_token=page_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    status: list[ListCompanyBookingsStatusType0Item] | None | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    resource_id: None | Unset | UUID = UNSET,
    customer_id: None | Unset | UUID = UNSET,
    company_id: None | Unset | UUID = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> ProblemDetails | StaffBookingList | None:
    """List Company Bookings

     A company's bookings, newest first, by status, period (`from`, `to`), resource or
    customer.

    Args:
        status (list[ListCompanyBookingsStatusType0Item] | None | Unset): Only these statuses
            (repeat the parameter).
        from_ (datetime.datetime | None | Unset): Only bookings whose time ends after this
            instant.
        to (datetime.datetime | None | Unset): Only bookings whose time begins before this
            instant.
        resource_id (None | Unset | UUID):
        customer_id (None | Unset | UUID):
        company_id (None | Unset | UUID): Platform admins: the company.
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | StaffBookingList
    """

    return (
        await asyncio_detailed(
            client=client,
            status=status,
            from_=from_,
            to=to,
            resource_id=resource_id,
            customer_id=customer_id,
            company_id=company_id,
            page_size=page_size,
            page_token=page_token,
        )
    ).parsed
