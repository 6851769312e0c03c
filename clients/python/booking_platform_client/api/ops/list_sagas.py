from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem_details import ProblemDetails
from ...models.saga_list import SagaList
from ...models.saga_state_name import SagaStateName
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    state: None | SagaStateName | Unset = UNSET,
    company_id: None | Unset | UUID = UNSET,
    current_step: None | str | Unset = UNSET,
    min_age_seconds: int | None | Unset = UNSET,
    needs_attention: bool | Unset = False,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_state: None | str | Unset
    if isinstance(state, Unset):
        json_state = UNSET
    elif isinstance(state, SagaStateName):
        json_state = state.value
    else:
        json_state = state
    params["state"] = json_state

    json_company_id: None | str | Unset
    if isinstance(company_id, Unset):
        json_company_id = UNSET
    elif isinstance(company_id, UUID):
        json_company_id = str(company_id)
    else:
        json_company_id = company_id
    params["company_id"] = json_company_id

    json_current_step: None | str | Unset
    if isinstance(current_step, Unset):
        json_current_step = UNSET
    else:
        json_current_step = current_step
    params["current_step"] = json_current_step

    json_min_age_seconds: int | None | Unset
    if isinstance(min_age_seconds, Unset):
        json_min_age_seconds = UNSET
    else:
        json_min_age_seconds = min_age_seconds
    params["min_age_seconds"] = json_min_age_seconds

    params["needs_attention"] = needs_attention

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
        "url": "/v1/ops/sagas",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ProblemDetails | SagaList | None:
    if response.status_code == 200:
        response_200 = SagaList.from_dict(response.json())

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
) -> Response[ProblemDetails | SagaList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    state: None | SagaStateName | Unset = UNSET,
    company_id: None | Unset | UUID = UNSET,
    current_step: None | str | Unset = UNSET,
    min_age_seconds: int | None | Unset = UNSET,
    needs_attention: bool | Unset = False,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> Response[ProblemDetails | SagaList]:
    """List Sagas

     Sagas, newest first, without their step logs.

    Args:
        state (None | SagaStateName | Unset): Only sagas in this state.
        company_id (None | Unset | UUID):
        current_step (None | str | Unset): Only sagas whose current step is this: passes, wallet
            or payments.
        min_age_seconds (int | None | Unset): Only sagas created at least this many seconds ago.
        needs_attention (bool | Unset): true: only sagas flagged for an operator; false (default):
            any. Default: False.
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | SagaList]
    """

    kwargs = _get_kwargs(
        state=state,
        company_id=company_id,
        current_step=current_step,
        min_age_seconds=min_age_seconds,
        needs_attention=needs_attention,
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
    state: None | SagaStateName | Unset = UNSET,
    company_id: None | Unset | UUID = UNSET,
    current_step: None | str | Unset = UNSET,
    min_age_seconds: int | None | Unset = UNSET,
    needs_attention: bool | Unset = False,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> ProblemDetails | SagaList | None:
    """List Sagas

     Sagas, newest first, without their step logs.

    Args:
        state (None | SagaStateName | Unset): Only sagas in this state.
        company_id (None | Unset | UUID):
        current_step (None | str | Unset): Only sagas whose current step is this: passes, wallet
            or payments.
        min_age_seconds (int | None | Unset): Only sagas created at least this many seconds ago.
        needs_attention (bool | Unset): true: only sagas flagged for an operator; false (default):
            any. Default: False.
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | SagaList
    """

    return sync_detailed(
        client=client,
        state=state,
        company_id=company_id,
        current_step=current_step,
        min_age_seconds=min_age_seconds,
        needs_attention=needs_attention,
        page_size=page_size,
        page_token=page_token,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    state: None | SagaStateName | Unset = UNSET,
    company_id: None | Unset | UUID = UNSET,
    current_step: None | str | Unset = UNSET,
    min_age_seconds: int | None | Unset = UNSET,
    needs_attention: bool | Unset = False,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> Response[ProblemDetails | SagaList]:
    """List Sagas

     Sagas, newest first, without their step logs.

    Args:
        state (None | SagaStateName | Unset): Only sagas in this state.
        company_id (None | Unset | UUID):
        current_step (None | str | Unset): Only sagas whose current step is this: passes, wallet
            or payments.
        min_age_seconds (int | None | Unset): Only sagas created at least this many seconds ago.
        needs_attention (bool | Unset): true: only sagas flagged for an operator; false (default):
            any. Default: False.
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ProblemDetails | SagaList]
    """

    kwargs = _get_kwargs(
        state=state,
        company_id=company_id,
        current_step=current_step,
        min_age_seconds=min_age_seconds,
        needs_attention=needs_attention,
        page_size=page_size,
        page_token=page_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    state: None | SagaStateName | Unset = UNSET,
    company_id: None | Unset | UUID = UNSET,
    current_step: None | str | Unset = UNSET,
    min_age_seconds: int | None | Unset = UNSET,
    needs_attention: bool | Unset = False,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> ProblemDetails | SagaList | None:
    """List Sagas

     Sagas, newest first, without their step logs.

    Args:
        state (None | SagaStateName | Unset): Only sagas in this state.
        company_id (None | Unset | UUID):
        current_step (None | str | Unset): Only sagas whose current step is this: passes, wallet
            or payments.
        min_age_seconds (int | None | Unset): Only sagas created at least this many seconds ago.
        needs_attention (bool | Unset): true: only sagas flagged for an operator; false (default):
            any. Default: False.
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ProblemDetails | SagaList
    """

    return (
        await asyncio_detailed(
            client=client,
            state=state,
            company_id=company_id,
            current_step=current_step,
            min_age_seconds=min_age_seconds,
            needs_attention=needs_attention,
            page_size=page_size,
            page_token=page_token,
        )
    ).parsed
