"""Read-only saga queries for operators: one saga with its step log, and the dashboard list."""

from __future__ import annotations

import uuid
from datetime import datetime

from bookings.adapters import repository as repo
from bookings.domain.commands import ListSagas
from bookings.domain.saga import SagaKind, SagaState
from bookings.domain.saga_records import ReasonCount, SagaBucket, SagaCount, SagaPage, SagaRecord
from plumbing.db import Database
from plumbing.errors import InvalidArgument, NotFound
from plumbing.ids import parse_id
from plumbing.paging import decode_page_token, encode_page_token, page_size
from plumbing.principal import tenant_scope

# The dashboard's chart: no finer than a minute.
MIN_BUCKET_SECONDS = 60


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

    async def list_sagas(self, query: ListSagas) -> SagaPage:
        """Sagas for the operator dashboard, newest first, filtered by state, kind, step, age,
        company, time range and an id they concern; with include_totals, the number of matches
        and the company's sagas of the time range by kind and state."""
        if query.state and query.state not in SagaState.__members__:
            raise InvalidArgument("INVALID_STATE", "unknown saga state", field="state")
        if query.kind and query.kind not in {kind.value for kind in SagaKind}:
            raise InvalidArgument("INVALID_KIND", "unknown saga kind", field="kind")
        search_id = parse_id(query.search_id, "search_id") if query.search_id else ""
        if query.bucket_seconds and (
            query.bucket_seconds < MIN_BUCKET_SECONDS or query.created_after is None
        ):
            raise InvalidArgument(
                "INVALID_BUCKET",
                f"bucket_seconds is at least {MIN_BUCKET_SECONDS}, with created_after",
                field="bucket_seconds",
            )
        if query.created_after and query.created_before and query.created_before <= query.created_after:
            raise InvalidArgument(
                "INVALID_RANGE", "created_before must be after created_after", field="created_before"
            )
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
        filters = repo.SagaFilters(
            state=query.state,
            company_id=company_id,
            current_step=query.current_step,
            min_age_seconds=query.min_age_seconds,
            needs_attention=query.needs_attention,
            kind=query.kind,
            search_id=search_id,
            created_after=query.created_after,
            created_before=query.created_before,
        )
        after = decode_page_token(query.page_token, datetime, uuid.UUID)
        total = 0
        counts: tuple[SagaCount, ...] = ()
        buckets: tuple[SagaBucket, ...] = ()
        reasons: tuple[ReasonCount, ...] = ()
        async with self.db.transaction() as conn:
            found = await repo.list_sagas(conn, filters, limit=limit + 1, after=after)
            if query.include_totals:
                total = await repo.count_sagas(conn, filters)
                counts = tuple(await repo.count_sagas_by_kind_and_state(conn, filters))
                reasons = tuple(await repo.count_compensation_reasons(conn, filters))
                if query.bucket_seconds and query.created_after is not None:
                    buckets = tuple(
                        await repo.count_sagas_by_bucket(
                            conn, filters, query.created_after, query.bucket_seconds
                        )
                    )
        page = found[:limit]
        more = len(found) > limit
        token = encode_page_token(page[-1].created_at, page[-1].id) if more else ""
        return SagaPage(page, token, total, counts, buckets, reasons)
