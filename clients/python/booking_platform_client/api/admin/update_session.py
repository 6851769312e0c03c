from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.admin_sessions_session_out import AdminSessionsSessionOut
from ...models.problem_details import ProblemDetails
from ...models.update_session_body import UpdateSessionBody
from ...types import UNSET, Response, Unset


def _get_kwargs(
    session_id: UUID,
    *,
    body: UpdateSessionBody,
    if_match: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/admin/sessions/{session_id}".format(
            session_id=quote(str(session_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AdminSessionsSessionOut | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = AdminSessionsSessionOut.from_dict(response.json())

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
) -> Response[AdminSessionsSessionOut | ProblemDetails]:
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
    body: UpdateSessionBody,
    if_match: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> Response[AdminSessionsSessionOut | ProblemDetails]:
    """Update Session

     Changes capacity, times and/or price, all or nothing, at the version read (`If-Match`;
    412 when stale, 428 when missing). A capacity below the places held is refused (409
    CAPACITY_BELOW_BOOKED); a session with bookings does not move (409 SESSION_HAS_BOOKINGS).
    Requires an `Idempotency-Key`.

    Args:
        session_id (UUID):
        if_match (None | str | Unset): Required: the ETag read.
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (UpdateSessionBody): Only the fields given change. Times move only a session without
            bookings.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AdminSessionsSessionOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        session_id=session_id,
        body=body,
        if_match=if_match,
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
    body: UpdateSessionBody,
    if_match: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> AdminSessionsSessionOut | ProblemDetails | None:
    """Update Session

     Changes capacity, times and/or price, all or nothing, at the version read (`If-Match`;
    412 when stale, 428 when missing). A capacity below the places held is refused (409
    CAPACITY_BELOW_BOOKED); a session with bookings does not move (409 SESSION_HAS_BOOKINGS).
    Requires an `Idempotency-Key`.

    Args:
        session_id (UUID):
        if_match (None | str | Unset): Required: the ETag read.
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (UpdateSessionBody): Only the fields given change. Times move only a session without
            bookings.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AdminSessionsSessionOut | ProblemDetails
    """

    return sync_detailed(
        session_id=session_id,
        client=client,
        body=body,
        if_match=if_match,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    session_id: UUID,
    *,
    client: AuthenticatedClient,
    body: UpdateSessionBody,
    if_match: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> Response[AdminSessionsSessionOut | ProblemDetails]:
    """Update Session

     Changes capacity, times and/or price, all or nothing, at the version read (`If-Match`;
    412 when stale, 428 when missing). A capacity below the places held is refused (409
    CAPACITY_BELOW_BOOKED); a session with bookings does not move (409 SESSION_HAS_BOOKINGS).
    Requires an `Idempotency-Key`.

    Args:
        session_id (UUID):
        if_match (None | str | Unset): Required: the ETag read.
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (UpdateSessionBody): Only the fields given change. Times move only a session without
            bookings.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AdminSessionsSessionOut | ProblemDetails]
    """

    kwargs = _get_kwargs(
        session_id=session_id,
        body=body,
        if_match=if_match,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    session_id: UUID,
    *,
    client: AuthenticatedClient,
    body: UpdateSessionBody,
    if_match: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> AdminSessionsSessionOut | ProblemDetails | None:
    """Update Session

     Changes capacity, times and/or price, all or nothing, at the version read (`If-Match`;
    412 when stale, 428 when missing). A capacity below the places held is refused (409
    CAPACITY_BELOW_BOOKED); a session with bookings does not move (409 SESSION_HAS_BOOKINGS).
    Requires an `Idempotency-Key`.

    Args:
        session_id (UUID):
        if_match (None | str | Unset): Required: the ETag read.
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (UpdateSessionBody): Only the fields given change. Times move only a session without
            bookings.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AdminSessionsSessionOut | ProblemDetails
    """

    return (
        await asyncio_detailed(
            session_id=session_id,
            client=client,
            body=body,
            if_match=if_match,
            idempotency_key=idempotency_key,
        )
    ).parsed
