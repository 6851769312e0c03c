from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem_details import ProblemDetails
from ...types import UNSET, Response, Unset


def _get_kwargs(
    payment_id: UUID,
    *,
    authorization: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(authorization, Unset):
        headers["Authorization"] = authorization

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/public/payments/{payment_id}/authenticate".format(
            payment_id=quote(str(payment_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ProblemDetails | str | None:
    if response.status_code == 200:
        response_200 = response.text
        return response_200

    if response.status_code == 400:
        response_400 = ProblemDetails.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ProblemDetails.from_dict(response.json())

        return response_401

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
) -> Response[ProblemDetails | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    payment_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    authorization: None | str | Unset = UNSET,
) -> Response[ProblemDetails | str]:
    """Show Card Authentication

     The next action of a booking whose card needs 3-D Secure: the sandbox's challenge page,
    opened with the next action's token as `Authorization: Bearer <token>` (a mobile app's web
    view sets the header); its form posts the outcome to the same address, the token in the
    form, never in the address.

    Args:
        payment_id (UUID):
        authorization (None | str | Unset): `Bearer <token>`: the signed token.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | str]
    """

    kwargs = _get_kwargs(
        payment_id=payment_id,
        authorization=authorization,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    payment_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    authorization: None | str | Unset = UNSET,
) -> ProblemDetails | str | None:
    """Show Card Authentication

     The next action of a booking whose card needs 3-D Secure: the sandbox's challenge page,
    opened with the next action's token as `Authorization: Bearer <token>` (a mobile app's web
    view sets the header); its form posts the outcome to the same address, the token in the
    form, never in the address.

    Args:
        payment_id (UUID):
        authorization (None | str | Unset): `Bearer <token>`: the signed token.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | str
    """

    return sync_detailed(
        payment_id=payment_id,
        client=client,
        authorization=authorization,
    ).parsed


async def asyncio_detailed(
    payment_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    authorization: None | str | Unset = UNSET,
) -> Response[ProblemDetails | str]:
    """Show Card Authentication

     The next action of a booking whose card needs 3-D Secure: the sandbox's challenge page,
    opened with the next action's token as `Authorization: Bearer <token>` (a mobile app's web
    view sets the header); its form posts the outcome to the same address, the token in the
    form, never in the address.

    Args:
        payment_id (UUID):
        authorization (None | str | Unset): `Bearer <token>`: the signed token.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | str]
    """

    kwargs = _get_kwargs(
        payment_id=payment_id,
        authorization=authorization,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    payment_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    authorization: None | str | Unset = UNSET,
) -> ProblemDetails | str | None:
    """Show Card Authentication

     The next action of a booking whose card needs 3-D Secure: the sandbox's challenge page,
    opened with the next action's token as `Authorization: Bearer <token>` (a mobile app's web
    view sets the header); its form posts the outcome to the same address, the token in the
    form, never in the address.

    Args:
        payment_id (UUID):
        authorization (None | str | Unset): `Bearer <token>`: the signed token.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | str
    """

    return (
        await asyncio_detailed(
            payment_id=payment_id,
            client=client,
            authorization=authorization,
        )
    ).parsed
