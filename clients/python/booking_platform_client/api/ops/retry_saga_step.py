from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.operator_action_body import OperatorActionBody
from ...models.problem_details import ProblemDetails
from ...models.saga_out import SagaOut
from ...types import Response


def _get_kwargs(
    saga_id: UUID,
    *,
    body: OperatorActionBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/ops/sagas/{saga_id}/retry".format(
            saga_id=quote(str(saga_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ProblemDetails | SagaOut | None:
    if response.status_code == 200:
        response_200 = SagaOut.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = ProblemDetails.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ProblemDetails | SagaOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    saga_id: UUID,
    *,
    client: AuthenticatedClient,
    body: OperatorActionBody,
) -> Response[ProblemDetails | SagaOut]:
    """Retry Saga Step

     Re-sends the saga's current step now (attempt + 1); the reason goes to the step log.

    409 `SAGA_FINISHED` when the saga has no step left.

    Args:
        saga_id (UUID):
        body (OperatorActionBody): An operator's action on a saga: the reason goes to the saga's
            step log.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | SagaOut]
    """

    kwargs = _get_kwargs(
        saga_id=saga_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    saga_id: UUID,
    *,
    client: AuthenticatedClient,
    body: OperatorActionBody,
) -> ProblemDetails | SagaOut | None:
    """Retry Saga Step

     Re-sends the saga's current step now (attempt + 1); the reason goes to the step log.

    409 `SAGA_FINISHED` when the saga has no step left.

    Args:
        saga_id (UUID):
        body (OperatorActionBody): An operator's action on a saga: the reason goes to the saga's
            step log.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | SagaOut
    """

    return sync_detailed(
        saga_id=saga_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    saga_id: UUID,
    *,
    client: AuthenticatedClient,
    body: OperatorActionBody,
) -> Response[ProblemDetails | SagaOut]:
    """Retry Saga Step

     Re-sends the saga's current step now (attempt + 1); the reason goes to the step log.

    409 `SAGA_FINISHED` when the saga has no step left.

    Args:
        saga_id (UUID):
        body (OperatorActionBody): An operator's action on a saga: the reason goes to the saga's
            step log.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | SagaOut]
    """

    kwargs = _get_kwargs(
        saga_id=saga_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    saga_id: UUID,
    *,
    client: AuthenticatedClient,
    body: OperatorActionBody,
) -> ProblemDetails | SagaOut | None:
    """Retry Saga Step

     Re-sends the saga's current step now (attempt + 1); the reason goes to the step log.

    409 `SAGA_FINISHED` when the saga has no step left.

    Args:
        saga_id (UUID):
        body (OperatorActionBody): An operator's action on a saga: the reason goes to the saga's
            step log.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | SagaOut
    """

    return (
        await asyncio_detailed(
            saga_id=saga_id,
            client=client,
            body=body,
        )
    ).parsed
