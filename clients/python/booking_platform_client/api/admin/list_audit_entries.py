import datetime
from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.audit_entry_list import AuditEntryList
from ...models.problem_details import ProblemDetails
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    actor: None | str | Unset = UNSET,
    entity: None | str | Unset = UNSET,
    entity_id: None | str | Unset = UNSET,
    action: None | str | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    company_id: None | Unset | UUID = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_actor: None | str | Unset
    if isinstance(actor, Unset):
        json_actor = UNSET
    else:
        json_actor = actor
    params["actor"] = json_actor

    json_entity: None | str | Unset
    if isinstance(entity, Unset):
        json_entity = UNSET
    else:
        json_entity = entity
    params["entity"] = json_entity

    json_entity_id: None | str | Unset
    if isinstance(entity_id, Unset):
        json_entity_id = UNSET
    else:
        json_entity_id = entity_id
    params["entity_id"] = json_entity_id

    json_action: None | str | Unset
    if isinstance(action, Unset):
        json_action = UNSET
    else:
        json_action = action
    params["action"] = json_action

    json_from_: None | str | Unset
    if isinstance(from_, Unset):
        json_from_ = UNSET
    elif isinstance(from_, datetime.datetime):
        json_from_ = from_.isoformat()
    else:
        json_from_ = from_
    params["from"] = json_from_

    json_to: None | str | Unset
    if isinstance(to, Unset):
        json_to = UNSET
    elif isinstance(to, datetime.datetime):
        json_to = to.isoformat()
    else:
        json_to = to
    params["to"] = json_to

    json_company_id: None | str | Unset
    if isinstance(company_id, Unset):
        json_company_id = UNSET
    elif isinstance(company_id, UUID):
        json_company_id = str(company_id)
    else:
        json_company_id = company_id
    params["company_id"] = json_company_id

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
        "url": "/v1/admin/audit",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AuditEntryList | ProblemDetails | None:
    if response.status_code == 200:
        response_200 = AuditEntryList.from_dict(response.json())

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
) -> Response[AuditEntryList | ProblemDetails]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    actor: None | str | Unset = UNSET,
    entity: None | str | Unset = UNSET,
    entity_id: None | str | Unset = UNSET,
    action: None | str | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    company_id: None | Unset | UUID = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> Response[AuditEntryList | ProblemDetails]:
    """List Audit Entries

     Every change a person or an API key made, in any service, newest first.

    Args:
        actor (None | str | Unset): A user or API key id.
        entity (None | str | Unset): An entity type.
        entity_id (None | str | Unset):
        action (None | str | Unset):
        from_ (datetime.datetime | None | Unset): From this time on.
        to (datetime.datetime | None | Unset): Before this time.
        company_id (None | Unset | UUID): One company's entries (a company admin's own by
            default).
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuditEntryList | ProblemDetails]
    """

    kwargs = _get_kwargs(
        actor=actor,
        entity=entity,
        entity_id=entity_id,
        action=action,
        from_=from_,
        to=to,
        company_id=company_id,
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
    actor: None | str | Unset = UNSET,
    entity: None | str | Unset = UNSET,
    entity_id: None | str | Unset = UNSET,
    action: None | str | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    company_id: None | Unset | UUID = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> AuditEntryList | ProblemDetails | None:
    """List Audit Entries

     Every change a person or an API key made, in any service, newest first.

    Args:
        actor (None | str | Unset): A user or API key id.
        entity (None | str | Unset): An entity type.
        entity_id (None | str | Unset):
        action (None | str | Unset):
        from_ (datetime.datetime | None | Unset): From this time on.
        to (datetime.datetime | None | Unset): Before this time.
        company_id (None | Unset | UUID): One company's entries (a company admin's own by
            default).
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuditEntryList | ProblemDetails
    """

    return sync_detailed(
        client=client,
        actor=actor,
        entity=entity,
        entity_id=entity_id,
        action=action,
        from_=from_,
        to=to,
        company_id=company_id,
        page_size=page_size,
        page_token=page_token,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    actor: None | str | Unset = UNSET,
    entity: None | str | Unset = UNSET,
    entity_id: None | str | Unset = UNSET,
    action: None | str | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    company_id: None | Unset | UUID = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> Response[AuditEntryList | ProblemDetails]:
    """List Audit Entries

     Every change a person or an API key made, in any service, newest first.

    Args:
        actor (None | str | Unset): A user or API key id.
        entity (None | str | Unset): An entity type.
        entity_id (None | str | Unset):
        action (None | str | Unset):
        from_ (datetime.datetime | None | Unset): From this time on.
        to (datetime.datetime | None | Unset): Before this time.
        company_id (None | Unset | UUID): One company's entries (a company admin's own by
            default).
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AuditEntryList | ProblemDetails]
    """

    kwargs = _get_kwargs(
        actor=actor,
        entity=entity,
        entity_id=entity_id,
        action=action,
        from_=from_,
        to=to,
        company_id=company_id,
        page_size=page_size,
        page_token=page_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    actor: None | str | Unset = UNSET,
    entity: None | str | Unset = UNSET,
    entity_id: None | str | Unset = UNSET,
    action: None | str | Unset = UNSET,
    from_: datetime.datetime | None | Unset = UNSET,
    to: datetime.datetime | None | Unset = UNSET,
    company_id: None | Unset | UUID = UNSET,
    page_size: int | Unset = 50,
    page_token: None | str | Unset = UNSET,
) -> AuditEntryList | ProblemDetails | None:
    """List Audit Entries

     Every change a person or an API key made, in any service, newest first.

    Args:
        actor (None | str | Unset): A user or API key id.
        entity (None | str | Unset): An entity type.
        entity_id (None | str | Unset):
        action (None | str | Unset):
        from_ (datetime.datetime | None | Unset): From this time on.
        to (datetime.datetime | None | Unset): Before this time.
        company_id (None | Unset | UUID): One company's entries (a company admin's own by
            default).
        page_size (int | Unset): At most 200. Default: 50.
        page_token (None | str | Unset): next_page_token of the previous page.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AuditEntryList | ProblemDetails
    """

    return (
        await asyncio_detailed(
            client=client,
            actor=actor,
            entity=entity,
            entity_id=entity_id,
            action=action,
            from_=from_,
            to=to,
            company_id=company_id,
            page_size=page_size,
            page_token=page_token,
        )
    ).parsed
