from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.delivery_list import DeliveryList
from ...models.list_webhook_deliveries_event_type_type_0 import (
    ListWebhookDeliveriesEventTypeType0,
)
from ...models.list_webhook_deliveries_status_type_0 import (
    ListWebhookDeliveriesStatusType0,
)
from ...models.problem_details import ProblemDetails
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    company_id: None | Unset | UUID = UNSET,
    endpoint_id: None | Unset | UUID = UNSET,
    booking_id: None | Unset | UUID = UNSET,
    status: ListWebhookDeliveriesStatusType0 | None | Unset = UNSET,
    event_type: ListWebhookDeliveriesEventTypeType0 | None | Unset = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_company_id: None | str | Unset
    if isinstance(company_id, Unset):
        json_company_id = UNSET
    elif isinstance(company_id, UUID):
        json_company_id = str(company_id)
    else:
        json_company_id = company_id
    params["company_id"] = json_company_id

    json_endpoint_id: None | str | Unset
    if isinstance(endpoint_id, Unset):
        json_endpoint_id = UNSET
    elif isinstance(endpoint_id, UUID):
        json_endpoint_id = str(endpoint_id)
    else:
        json_endpoint_id = endpoint_id
    params["endpoint_id"] = json_endpoint_id

    json_booking_id: None | str | Unset
    if isinstance(booking_id, Unset):
        json_booking_id = UNSET
    elif isinstance(booking_id, UUID):
        json_booking_id = str(booking_id)
    else:
        json_booking_id = booking_id
    params["booking_id"] = json_booking_id

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, ListWebhookDeliveriesStatusType0):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_event_type: None | str | Unset
    if isinstance(event_type, Unset):
        json_event_type = UNSET
    elif isinstance(event_type, ListWebhookDeliveriesEventTypeType0):
        json_event_type = event_type.value
    else:
        json_event_type = event_type
    params["event_type"] = json_event_type

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
        "url": "/v1/admin/webhooks/deliveries",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DeliveryList | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = DeliveryList.from_dict(response.json())

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
) -> Response[DeliveryList | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    company_id: None | Unset | UUID = UNSET,
    endpoint_id: None | Unset | UUID = UNSET,
    booking_id: None | Unset | UUID = UNSET,
    status: ListWebhookDeliveriesStatusType0 | None | Unset = UNSET,
    event_type: ListWebhookDeliveriesEventTypeType0 | None | Unset = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> Response[DeliveryList | ProblemDetails]:
    """List Deliveries

     The delivery log, newest first: each delivery's status, attempts, last status code and
    response time.

    Args:
        company_id (None | Unset | UUID): Platform admins: the company.
        endpoint_id (None | Unset | UUID):
        booking_id (None | Unset | UUID):
        status (ListWebhookDeliveriesStatusType0 | None | Unset):
        event_type (ListWebhookDeliveriesEventTypeType0 | None | Unset):
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeliveryList | ProblemDetails]
    """

    kwargs = _get_kwargs(
        company_id=company_id,
        endpoint_id=endpoint_id,
        booking_id=booking_id,
        status=status,
        event_type=event_type,
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
    company_id: None | Unset | UUID = UNSET,
    endpoint_id: None | Unset | UUID = UNSET,
    booking_id: None | Unset | UUID = UNSET,
    status: ListWebhookDeliveriesStatusType0 | None | Unset = UNSET,
    event_type: ListWebhookDeliveriesEventTypeType0 | None | Unset = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> DeliveryList | ProblemDetails | None:
    """List Deliveries

     The delivery log, newest first: each delivery's status, attempts, last status code and
    response time.

    Args:
        company_id (None | Unset | UUID): Platform admins: the company.
        endpoint_id (None | Unset | UUID):
        booking_id (None | Unset | UUID):
        status (ListWebhookDeliveriesStatusType0 | None | Unset):
        event_type (ListWebhookDeliveriesEventTypeType0 | None | Unset):
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeliveryList | ProblemDetails
    """

    return sync_detailed(
        client=client,
        company_id=company_id,
        endpoint_id=endpoint_id,
        booking_id=booking_id,
        status=status,
        event_type=event_type,
        page_size=page_size,
        page_token=page_token,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    company_id: None | Unset | UUID = UNSET,
    endpoint_id: None | Unset | UUID = UNSET,
    booking_id: None | Unset | UUID = UNSET,
    status: ListWebhookDeliveriesStatusType0 | None | Unset = UNSET,
    event_type: ListWebhookDeliveriesEventTypeType0 | None | Unset = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> Response[DeliveryList | ProblemDetails]:
    """List Deliveries

     The delivery log, newest first: each delivery's status, attempts, last status code and
    response time.

    Args:
        company_id (None | Unset | UUID): Platform admins: the company.
        endpoint_id (None | Unset | UUID):
        booking_id (None | Unset | UUID):
        status (ListWebhookDeliveriesStatusType0 | None | Unset):
        event_type (ListWebhookDeliveriesEventTypeType0 | None | Unset):
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeliveryList | ProblemDetails]
    """

    kwargs = _get_kwargs(
        company_id=company_id,
        endpoint_id=endpoint_id,
        booking_id=booking_id,
        status=status,
        event_type=event_type,
        page_size=page_size,
        page_token=page_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    company_id: None | Unset | UUID = UNSET,
    endpoint_id: None | Unset | UUID = UNSET,
    booking_id: None | Unset | UUID = UNSET,
    status: ListWebhookDeliveriesStatusType0 | None | Unset = UNSET,
    event_type: ListWebhookDeliveriesEventTypeType0 | None | Unset = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> DeliveryList | ProblemDetails | None:
    """List Deliveries

     The delivery log, newest first: each delivery's status, attempts, last status code and
    response time.

    Args:
        company_id (None | Unset | UUID): Platform admins: the company.
        endpoint_id (None | Unset | UUID):
        booking_id (None | Unset | UUID):
        status (ListWebhookDeliveriesStatusType0 | None | Unset):
        event_type (ListWebhookDeliveriesEventTypeType0 | None | Unset):
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeliveryList | ProblemDetails
    """

    return (
        await asyncio_detailed(
            client=client,
            company_id=company_id,
            endpoint_id=endpoint_id,
            booking_id=booking_id,
            status=status,
            event_type=event_type,
            page_size=page_size,
            page_token=page_token,
        )
    ).parsed
