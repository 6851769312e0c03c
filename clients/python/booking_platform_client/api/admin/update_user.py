from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem_details import ProblemDetails
from ...models.user_out import UserOut
from ...models.user_patch import UserPatch
from ...types import UNSET, Response, Unset


def _get_kwargs(
    user_id: UUID,
    *,
    body: UserPatch,
    if_match: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/admin/users/{user_id}".format(
            user_id=quote(str(user_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ProblemDetails | UserOut | None:
    if response.status_code == 200:
        response_200 = UserOut.from_dict(response.json())

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
) -> Response[ProblemDetails | UserOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    user_id: UUID,
    *,
    client: AuthenticatedClient,
    body: UserPatch,
    if_match: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> Response[ProblemDetails | UserOut]:
    """Update User

     Changes a staff account of the company at the version read (`If-Match`): its `role`
    (STAFF or COMPANY_ADMIN) or `active` (false: deactivated, signed out everywhere, it can no
    longer log in or refresh). Its access tokens issued before a deactivation or a role change
    are refused from then on (401 `TOKEN_REVOKED`, every gateway process within a second).
    409 `LAST_COMPANY_ADMIN` when it would leave the company without an active company admin,
    409 `NOT_A_STAFF_ACCOUNT` for a customer's account. Company admins (people, not API keys)
    of the user's company, platform admins for any. Requires an `Idempotency-Key`.

    Args:
        user_id (UUID):
        if_match (None | str | Unset): Required: the ETag read.
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (UserPatch): PATCH /v1/admin/users/{id}: the fields given change (at least one).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | UserOut]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        body=body,
        if_match=if_match,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    user_id: UUID,
    *,
    client: AuthenticatedClient,
    body: UserPatch,
    if_match: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> ProblemDetails | UserOut | None:
    """Update User

     Changes a staff account of the company at the version read (`If-Match`): its `role`
    (STAFF or COMPANY_ADMIN) or `active` (false: deactivated, signed out everywhere, it can no
    longer log in or refresh). Its access tokens issued before a deactivation or a role change
    are refused from then on (401 `TOKEN_REVOKED`, every gateway process within a second).
    409 `LAST_COMPANY_ADMIN` when it would leave the company without an active company admin,
    409 `NOT_A_STAFF_ACCOUNT` for a customer's account. Company admins (people, not API keys)
    of the user's company, platform admins for any. Requires an `Idempotency-Key`.

    Args:
        user_id (UUID):
        if_match (None | str | Unset): Required: the ETag read.
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (UserPatch): PATCH /v1/admin/users/{id}: the fields given change (at least one).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | UserOut
    """

    return sync_detailed(
        user_id=user_id,
        client=client,
        body=body,
        if_match=if_match,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    user_id: UUID,
    *,
    client: AuthenticatedClient,
    body: UserPatch,
    if_match: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> Response[ProblemDetails | UserOut]:
    """Update User

     Changes a staff account of the company at the version read (`If-Match`): its `role`
    (STAFF or COMPANY_ADMIN) or `active` (false: deactivated, signed out everywhere, it can no
    longer log in or refresh). Its access tokens issued before a deactivation or a role change
    are refused from then on (401 `TOKEN_REVOKED`, every gateway process within a second).
    409 `LAST_COMPANY_ADMIN` when it would leave the company without an active company admin,
    409 `NOT_A_STAFF_ACCOUNT` for a customer's account. Company admins (people, not API keys)
    of the user's company, platform admins for any. Requires an `Idempotency-Key`.

    Args:
        user_id (UUID):
        if_match (None | str | Unset): Required: the ETag read.
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (UserPatch): PATCH /v1/admin/users/{id}: the fields given change (at least one).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | UserOut]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        body=body,
        if_match=if_match,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    user_id: UUID,
    *,
    client: AuthenticatedClient,
    body: UserPatch,
    if_match: None | str | Unset = UNSET,
    idempotency_key: None | str,
) -> ProblemDetails | UserOut | None:
    """Update User

     Changes a staff account of the company at the version read (`If-Match`): its `role`
    (STAFF or COMPANY_ADMIN) or `active` (false: deactivated, signed out everywhere, it can no
    longer log in or refresh). Its access tokens issued before a deactivation or a role change
    are refused from then on (401 `TOKEN_REVOKED`, every gateway process within a second).
    409 `LAST_COMPANY_ADMIN` when it would leave the company without an active company admin,
    409 `NOT_A_STAFF_ACCOUNT` for a customer's account. Company admins (people, not API keys)
    of the user's company, platform admins for any. Requires an `Idempotency-Key`.

    Args:
        user_id (UUID):
        if_match (None | str | Unset): Required: the ETag read.
        idempotency_key (None | str): Required. The first result per key is stored and replayed.
        body (UserPatch): PATCH /v1/admin/users/{id}: the fields given change (at least one).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | UserOut
    """

    return (
        await asyncio_detailed(
            user_id=user_id,
            client=client,
            body=body,
            if_match=if_match,
            idempotency_key=idempotency_key,
        )
    ).parsed
