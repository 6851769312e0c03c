from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.cancel_session_body import CancelSessionBody
from ...models.cancelled_sessions import CancelledSessions
from ...models.problem_details import ProblemDetails
from ...types import Response


def _get_kwargs(
    session_id: UUID,
    *,
    body: CancelSessionBody,
    idempotency_key: None | str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/admin/sessions/{session_id}/cancel".format(
            session_id=quote(str(session_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CancelledSessions | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = CancelledSessions.from_dict(response.json())

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
) -> Response[CancelledSessions | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    session_id: UUID,
    *,
    client: AuthenticatedClient,
    body: CancelSessionBody,
    idempotency_key: None | str,
) -> Response[CancelledSessions | ProblemDetails]:
    """Cancel Session

     Cancels the session (`scope: this`) or it and the rest of its series (`following`); their
    bookings are cancelled with a full refund. Requires an `Idempotency-Key`.

    Args:
        session_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (CancelSessionBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CancelledSessions | ProblemDetails]
    """

    kwargs = _get_kwargs(
        session_id=session_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    session_id: UUID,
    *,
    client: AuthenticatedClient,
    body: CancelSessionBody,
    idempotency_key: None | str,
) -> CancelledSessions | ProblemDetails | None:
    """Cancel Session

     Cancels the session (`scope: this`) or it and the rest of its series (`following`); their
    bookings are cancelled with a full refund. Requires an `Idempotency-Key`.

    Args:
        session_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (CancelSessionBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CancelledSessions | ProblemDetails
    """

    return sync_detailed(
        session_id=session_id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    session_id: UUID,
    *,
    client: AuthenticatedClient,
    body: CancelSessionBody,
    idempotency_key: None | str,
) -> Response[CancelledSessions | ProblemDetails]:
    """Cancel Session

     Cancels the session (`scope: this`) or it and the rest of its series (`following`); their
    bookings are cancelled with a full refund. Requires an `Idempotency-Key`.

    Args:
        session_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (CancelSessionBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CancelledSessions | ProblemDetails]
    """

    kwargs = _get_kwargs(
        session_id=session_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    session_id: UUID,
    *,
    client: AuthenticatedClient,
    body: CancelSessionBody,
    idempotency_key: None | str,
) -> CancelledSessions | ProblemDetails | None:
    """Cancel Session

     Cancels the session (`scope: this`) or it and the rest of its series (`following`); their
    bookings are cancelled with a full refund. Requires an `Idempotency-Key`.

    Args:
        session_id (UUID):
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (CancelSessionBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CancelledSessions | ProblemDetails
    """

    return (
        await asyncio_detailed(
            session_id=session_id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
