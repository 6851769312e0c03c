from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.api_key_out import ApiKeyOut
from ...models.problem_details import ProblemDetails
from ...types import Response


def _get_kwargs(
    api_key_id: UUID,
    *,
    idempotency_key: None | str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/admin/api-keys/{api_key_id}/revoke".format(
            api_key_id=quote(str(api_key_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ApiKeyOut | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = ApiKeyOut.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = ProblemDetails.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ApiKeyOut | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    api_key_id: UUID,
    *,
    client: AuthenticatedClient,
    idempotency_key: None | str,
) -> Response[ApiKeyOut | ProblemDetails]:
    """Revoke Api Key

     Revokes the key at once (its next call is 401); revoking again answers the key as it is.
    404 `API_KEY_NOT_FOUND` for another company's key. Requires an `Idempotency-Key`.

    Args:
        api_key_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiKeyOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        api_key_id=api_key_id,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    api_key_id: UUID,
    *,
    client: AuthenticatedClient,
    idempotency_key: None | str,
) -> ApiKeyOut | ProblemDetails | None:
    """Revoke Api Key

     Revokes the key at once (its next call is 401); revoking again answers the key as it is.
    404 `API_KEY_NOT_FOUND` for another company's key. Requires an `Idempotency-Key`.

    Args:
        api_key_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiKeyOut | ProblemDetails
    """

    return sync_detailed(
        api_key_id=api_key_id,
        client=client,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    api_key_id: UUID,
    *,
    client: AuthenticatedClient,
    idempotency_key: None | str,
) -> Response[ApiKeyOut | ProblemDetails]:
    """Revoke Api Key

     Revokes the key at once (its next call is 401); revoking again answers the key as it is.
    404 `API_KEY_NOT_FOUND` for another company's key. Requires an `Idempotency-Key`.

    Args:
        api_key_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiKeyOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        api_key_id=api_key_id,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    api_key_id: UUID,
    *,
    client: AuthenticatedClient,
    idempotency_key: None | str,
) -> ApiKeyOut | ProblemDetails | None:
    """Revoke Api Key

     Revokes the key at once (its next call is 401); revoking again answers the key as it is.
    404 `API_KEY_NOT_FOUND` for another company's key. Requires an `Idempotency-Key`.

    Args:
        api_key_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiKeyOut | ProblemDetails
    """

    return (
        await asyncio_detailed(
            api_key_id=api_key_id,
            client=client,
            idempotency_key=idempotency_key,
        )
    ).parsed
