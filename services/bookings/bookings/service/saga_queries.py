"""Read-only saga queries for operators: one saga with its step log, and the dashboard list."""

from __future__ import annotations

import uuid
from datetime import datetime

from bookings.adapters import repository as repo
from bookings.domain.commands import ListSagas
from bookings.domain.saga import SagaState
from bookings.domain.saga_records import SagaRecord
from plumbing.db import Database
from plumbing.errors import InvalidArgument, NotFound
from plumbing.ids import parse_id
from plumbing.paging import decode_page_token, encode_page_token, page_size
from plumbing.principal import tenant_scope


class SagaQueries:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get_saga(self, saga_id: str) -> SagaRecord:
        parse_id(saga_id, "saga_id")
        async with self.db.transaction() as conn:
            found = await repo.get_saga(conn, saga_id, with_steps=True)
        if found is None:
            raise NotFound("SAGA_NOT_FOUND", "no such saga")
        return found

    async def list_sagas(self, query: ListSagas) -> tuple[list[SagaRecord], str]:
        """Sagas for the operator dashboard, newest first, filtered by state, step, age, company."""
        if query.state and query.state not in SagaState.__members__:
            raise InvalidArgument("INVALID_STATE", "unknown saga state", field="state")
        if query.min_age_seconds < 0:
            raise InvalidArgument(
                "INVALID_AGE", "min_age_seconds must not be negative", field="min_age_seconds"
            )
        limit = page_size(query.page_size)
        # Narrowed to the caller's company in the SQL, whatever filter is given.
        scope, _ = tenant_scope()
        company_id = (parse_id(query.company_id, "company_id") if query.company_id else scope) or ""
        if scope is not None and company_id != scope:
            raise NotFound("COMPANY_NOT_FOUND", "no such company")
        async with self.db.transaction() as conn:
            found = await repo.list_sagas(
                conn,
                state=query.state,
                company_id=company_id,
                limit=limit + 1,
                after=decode_page_token(query.page_token, datetime, uuid.UUID),
                current_step=query.current_step,
                min_age_seconds=query.min_age_seconds,
                needs_attention=query.needs_attention,
            )
        page = found[:limit]
        more = len(found) > limit
        return page, encode_page_token(page[-1].created_at, page[-1].id) if more else ""
