from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem_details import ProblemDetails
from ...models.webhook_ack import WebhookAck
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    sandbox_signature: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(sandbox_signature, Unset):
        headers["Sandbox-Signature"] = sandbox_signature

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/webhooks/payments/sandbox",
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ProblemDetails | WebhookAck | None:
    if response.status_code == 200:
        response_200 = WebhookAck.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ProblemDetails.from_dict(response.json())

        return response_400

    if response.status_code == 409:
        response_409 = ProblemDetails.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = ProblemDetails.from_dict(response.json())

        return response_413

    if response.status_code == 503:
        response_503 = ProblemDetails.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ProblemDetails | WebhookAck]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    sandbox_signature: None | str | Unset = UNSET,
) -> Response[ProblemDetails | WebhookAck]:
    """Sandbox Payment Event

     An event of the sandbox card provider (`payment.authorized`, `payment.failed`).

    2xx acknowledges it (a duplicate too); any other answer makes the provider retry.

    Args:
        sandbox_signature (None | str | Unset): t=<unix seconds>,v1=<hex HMAC-SHA256>

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | WebhookAck]
    """

    kwargs = _get_kwargs(
        sandbox_signature=sandbox_signature,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    sandbox_signature: None | str | Unset = UNSET,
) -> ProblemDetails | WebhookAck | None:
    """Sandbox Payment Event

     An event of the sandbox card provider (`payment.authorized`, `payment.failed`).

    2xx acknowledges it (a duplicate too); any other answer makes the provider retry.

    Args:
        sandbox_signature (None | str | Unset): t=<unix seconds>,v1=<hex HMAC-SHA256>

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | WebhookAck
    """

    return sync_detailed(
        client=client,
        sandbox_signature=sandbox_signature,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    sandbox_signature: None | str | Unset = UNSET,
) -> Response[ProblemDetails | WebhookAck]:
    """Sandbox Payment Event

     An event of the sandbox card provider (`payment.authorized`, `payment.failed`).

    2xx acknowledges it (a duplicate too); any other answer makes the provider retry.

    Args:
        sandbox_signature (None | str | Unset): t=<unix seconds>,v1=<hex HMAC-SHA256>

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | WebhookAck]
    """

    kwargs = _get_kwargs(
        sandbox_signature=sandbox_signature,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    sandbox_signature: None | str | Unset = UNSET,
) -> ProblemDetails | WebhookAck | None:
    """Sandbox Payment Event

     An event of the sandbox card provider (`payment.authorized`, `payment.failed`).

    2xx acknowledges it (a duplicate too); any other answer makes the provider retry.

    Args:
        sandbox_signature (None | str | Unset): t=<unix seconds>,v1=<hex HMAC-SHA256>

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | WebhookAck
    """

    return (
        await asyncio_detailed(
            client=client,
            sandbox_signature=sandbox_signature,
        )
    ).parsed
