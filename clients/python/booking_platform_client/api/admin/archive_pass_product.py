from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.pass_product_out import PassProductOut
from ...models.problem_details import ProblemDetails
from ...types import UNSET, Response, Unset


def _get_kwargs(
    product_id: UUID,
    *,
    if_match: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/admin/pass-products/{product_id}/archive".format(
            product_id=quote(str(product_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PassProductOut | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = PassProductOut.from_dict(response.json())

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

    if response.status_code == 412:
        response_412 = ProblemDetails.from_dict(response.json())

        return response_412

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
) -> Response[PassProductOut | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    product_id: UUID,
    *,
    client: AuthenticatedClient,
    if_match: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> Response[PassProductOut | ProblemDetails]:
    """Archive Pass Product

     Takes the product off sale; passes granted before stay valid. `If-Match` and an
    `Idempotency-Key` required.

    Args:
        product_id (UUID):
        if_match (None | str | Unset): Required: the ETag read.
        idempotency_key (None | str): Required. The first result per key is stored and replayed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PassProductOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        product_id=product_id,
        if_match=if_match,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    product_id: UUID,
    *,
    client: AuthenticatedClient,
    if_match: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> PassProductOut | ProblemDetails | None:
    """Archive Pass Product

     Takes the product off sale; passes granted before stay valid. `If-Match` and an
    `Idempotency-Key` required.

    Args:
        product_id (UUID):
        if_match (None | str | Unset): Required: the ETag read.
        idempotency_key (None | str): Required. The first result per key is stored and replayed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PassProductOut | ProblemDetails
    """

    return sync_detailed(
        product_id=product_id,
        client=client,
        if_match=if_match,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    product_id: UUID,
    *,
    client: AuthenticatedClient,
    if_match: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> Response[PassProductOut | ProblemDetails]:
    """Archive Pass Product

     Takes the product off sale; passes granted before stay valid. `If-Match` and an
    `Idempotency-Key` required.

    Args:
        product_id (UUID):
        if_match (None | str | Unset): Required: the ETag read.
        idempotency_key (None | str): Required. The first result per key is stored and replayed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PassProductOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        product_id=product_id,
        if_match=if_match,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    product_id: UUID,
    *,
    client: AuthenticatedClient,
    if_match: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> PassProductOut | ProblemDetails | None:
    """Archive Pass Product

     Takes the product off sale; passes granted before stay valid. `If-Match` and an
    `Idempotency-Key` required.

    Args:
        product_id (UUID):
        if_match (None | str | Unset): Required: the ETag read.
        idempotency_key (None | str): Required. The first result per key is stored and replayed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PassProductOut | ProblemDetails
    """

    return (
        await asyncio_detailed(
            product_id=product_id,
            client=client,
            if_match=if_match,
            idempotency_key=idempotency_key,
        )
    ).parsed
