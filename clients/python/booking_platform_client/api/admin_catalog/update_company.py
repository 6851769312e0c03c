from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.company_out import CompanyOut
from ...models.problem_details import ProblemDetails
from ...models.update_company_body import UpdateCompanyBody
from ...types import UNSET, Response, Unset


def _get_kwargs(
    company_id: UUID,
    *,
    body: UpdateCompanyBody,
    if_match: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/admin/companies/{company_id}".format(
            company_id=quote(str(company_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CompanyOut | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = CompanyOut.from_dict(response.json())

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
) -> Response[CompanyOut | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    company_id: UUID,
    *,
    client: AuthenticatedClient,
    body: UpdateCompanyBody,
    if_match: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> Response[CompanyOut | ProblemDetails]:
    """Update Company

     Changes the fields given at the version read (`If-Match`). Requires an `Idempotency-Key`.

    Args:
        company_id (UUID):
        if_match (None | str | Unset): Required: the ETag read.
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (UpdateCompanyBody): Only the fields given change. The currency changes only while
            the company has no price
            and no customer's wallet of the company holds money (409 CURRENCY_LOCKED).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CompanyOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        company_id=company_id,
        body=body,
        if_match=if_match,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    company_id: UUID,
    *,
    client: AuthenticatedClient,
    body: UpdateCompanyBody,
    if_match: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> CompanyOut | ProblemDetails | None:
    """Update Company

     Changes the fields given at the version read (`If-Match`). Requires an `Idempotency-Key`.

    Args:
        company_id (UUID):
        if_match (None | str | Unset): Required: the ETag read.
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (UpdateCompanyBody): Only the fields given change. The currency changes only while
            the company has no price
            and no customer's wallet of the company holds money (409 CURRENCY_LOCKED).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CompanyOut | ProblemDetails
    """

    return sync_detailed(
        company_id=company_id,
        client=client,
        body=body,
        if_match=if_match,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    company_id: UUID,
    *,
    client: AuthenticatedClient,
    body: UpdateCompanyBody,
    if_match: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> Response[CompanyOut | ProblemDetails]:
    """Update Company

     Changes the fields given at the version read (`If-Match`). Requires an `Idempotency-Key`.

    Args:
        company_id (UUID):
        if_match (None | str | Unset): Required: the ETag read.
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (UpdateCompanyBody): Only the fields given change. The currency changes only while
            the company has no price
            and no customer's wallet of the company holds money (409 CURRENCY_LOCKED).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CompanyOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        company_id=company_id,
        body=body,
        if_match=if_match,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    company_id: UUID,
    *,
    client: AuthenticatedClient,
    body: UpdateCompanyBody,
    if_match: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> CompanyOut | ProblemDetails | None:
    """Update Company

     Changes the fields given at the version read (`If-Match`). Requires an `Idempotency-Key`.

    Args:
        company_id (UUID):
        if_match (None | str | Unset): Required: the ETag read.
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (UpdateCompanyBody): Only the fields given change. The currency changes only while
            the company has no price
            and no customer's wallet of the company holds money (409 CURRENCY_LOCKED).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CompanyOut | ProblemDetails
    """

    return (
        await asyncio_detailed(
            company_id=company_id,
            client=client,
            body=body,
            if_match=if_match,
            idempotency_key=idempotency_key,
        )
    ).parsed
