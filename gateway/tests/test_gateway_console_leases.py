"""The console's leases on the real PostgreSQL (gateway.leases.store): a free period is
acquired, an overlapping one is refused naming the holder, the same holder renews, a released
or expired lease lets the next one in, leases of other subjects (units, resources) and
periods never block, and of many racing acquires exactly one wins."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from gateway.leases.store import LEASE_SECONDS, LeaseHeld, Leases, LeaseUserUnknown, Wanted
from gateway.pages.sagas import csrf_token
from gateway.users import UserStore
from plumbing.db import Database

pytestmark = pytest.mark.integration

T0 = datetime(2031, 3, 4, 10, 0, tzinfo=UTC)


async def _staff(db: Database, company_id: str, name: str) -> str:
    user = await UserStore(db).create_user(
        email=f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com",
        password="correct horse battery staple",
        role="STAFF",
        company_id=company_id,
        display_name=name,
    )
    return user.id


def _want(company: str, resource: str, hours: tuple[float, float] = (0, 1), **more: str) -> Wanted:
    return Wanted(
        company_id=company,
        resource_id=resource,
        start=T0 + timedelta(hours=hours[0]),
        end=T0 + timedelta(hours=hours[1]),
        **more,  # type: ignore[arg-type]
    )


async def _expire(db: Database, lease_id: str) -> None:
    """Moves a lease's expiry into the past (no waiting for the clock)."""
    async with db.transaction() as conn:
        await conn.execute(
            text(
                "UPDATE gateway.console_leases SET acquired_at = now() - interval '2 minutes', "
                "expires_at = now() - interval '1 second' WHERE id = :id"
            ),
            {"id": lease_id},
        )


async def test_a_free_period_is_held_for_the_lease_with_the_holders_name(gateway_db: Database) -> None:
    company, resource = str(uuid.uuid4()), str(uuid.uuid4())
    ann = await _staff(gateway_db, company, "Ann")
    leases = Leases(gateway_db)
    lease = await leases.acquire(_want(company, resource, label="Kayak 10:00"), ann)
    assert lease.holder_user_id == ann and lease.holder_name == "Ann"
    assert lease.holder == f"Ann <{lease.holder_email}>"
    assert (lease.start, lease.end) == (T0, T0 + timedelta(hours=1))
    assert LEASE_SECONDS - 5 <= (lease.expires_at - lease.acquired_at).total_seconds() <= LEASE_SECONDS + 1
    held = await leases.held(company, T0 - timedelta(days=1), T0 + timedelta(days=1))
    assert [h.id for h in held] == [lease.id]
    assert await leases.held(company, T0 + timedelta(hours=1), T0 + timedelta(hours=2)) == []


async def test_an_overlapping_acquire_by_another_is_refused_naming_the_holder(gateway_db: Database) -> None:
    company, resource = str(uuid.uuid4()), str(uuid.uuid4())
    ann, bob = await _staff(gateway_db, company, "Ann"), await _staff(gateway_db, company, "Bob")
    leases = Leases(gateway_db)
    lease = await leases.acquire(_want(company, resource, (0, 2)), ann)
    with pytest.raises(LeaseHeld) as refused:
        await leases.acquire(_want(company, resource, (1.5, 3)), bob)
    assert refused.value.lease.id == lease.id
    assert refused.value.lease.holder_name == "Ann"
    # Touching periods do not overlap ([) ranges), another resource or unit is free.
    await leases.acquire(_want(company, resource, (2, 3)), bob)
    await leases.acquire(_want(company, str(uuid.uuid4()), (0, 2)), bob)
    cabins = str(uuid.uuid4())
    unit_1, unit_2 = str(uuid.uuid4()), str(uuid.uuid4())
    await leases.acquire(_want(company, cabins, (0, 24), unit_id=unit_1), ann)
    await leases.acquire(_want(company, cabins, (0, 24), unit_id=unit_2), bob)
    with pytest.raises(LeaseHeld):
        await leases.acquire(_want(company, cabins, (12, 36), unit_id=unit_1), bob)


async def test_the_same_holder_renews_and_moves_the_expiry_ahead(gateway_db: Database) -> None:
    company, resource = str(uuid.uuid4()), str(uuid.uuid4())
    ann, bob = await _staff(gateway_db, company, "Ann"), await _staff(gateway_db, company, "Bob")
    leases = Leases(gateway_db)
    first = await leases.acquire(_want(company, resource), ann)
    # Acquiring again (the form reopened, the times changed) replaces her own lease.
    again = await leases.acquire(_want(company, resource, (0.5, 1.5)), ann)
    assert again.id != first.id
    assert [h.id for h in await leases.held(company, T0, T0 + timedelta(hours=3))] == [again.id]
    # Nearer its end than a renewal leaves it, yet far enough that a busy machine cannot let it
    # lapse before the renewal.
    async with gateway_db.transaction() as conn:
        shortened = (
            await conn.execute(
                text(
                    "UPDATE gateway.console_leases SET expires_at = now() + interval '20 seconds' "
                    "WHERE id = :id RETURNING expires_at"
                ),
                {"id": again.id},
            )
        ).scalar_one()
    before_renewal = datetime.now(UTC)
    renewed = await leases.renew(again.id, ann)
    assert renewed is not None
    assert renewed.expires_at >= shortened + timedelta(seconds=LEASE_SECONDS - 20)
    assert renewed.expires_at >= before_renewal + timedelta(seconds=LEASE_SECONDS - 1)
    assert await leases.renew(again.id, bob) is None  # not Bob's to renew
    assert await leases.release(again.id, bob) is False  # nor to release


async def test_a_released_lease_lets_the_next_holder_in(gateway_db: Database) -> None:
    company, resource = str(uuid.uuid4()), str(uuid.uuid4())
    ann, bob = await _staff(gateway_db, company, "Ann"), await _staff(gateway_db, company, "Bob")
    leases = Leases(gateway_db)
    lease = await leases.acquire(_want(company, resource), ann)
    with pytest.raises(LeaseHeld):
        await leases.acquire(_want(company, resource), bob)
    assert await leases.release(lease.id, ann) is True
    assert await leases.release(lease.id, ann) is False
    assert (await leases.acquire(_want(company, resource), bob)).holder_user_id == bob


async def test_an_expired_lease_never_blocks_and_is_taken_over(gateway_db: Database) -> None:
    company, resource = str(uuid.uuid4()), str(uuid.uuid4())
    ann, bob = await _staff(gateway_db, company, "Ann"), await _staff(gateway_db, company, "Bob")
    leases = Leases(gateway_db)
    lease = await leases.acquire(_want(company, resource), ann)
    await _expire(gateway_db, lease.id)
    assert await leases.held(company, T0, T0 + timedelta(hours=1)) == []
    assert await leases.renew(lease.id, ann) is None  # too late to renew
    taken = await leases.acquire(_want(company, resource), bob)
    assert taken.holder_user_id == bob
    async with gateway_db.transaction() as conn:
        left = (
            (
                await conn.execute(
                    text("SELECT id::text FROM gateway.console_leases WHERE subject = :r"), {"r": resource}
                )
            )
            .scalars()
            .all()
        )
    assert left == [taken.id]  # the expired row is gone, not merely ignored


async def test_of_racing_acquires_exactly_one_wins(gateway_db: Database) -> None:
    company, resource = str(uuid.uuid4()), str(uuid.uuid4())
    staff = [await _staff(gateway_db, company, f"Racer{i}") for i in range(8)]
    leases = Leases(gateway_db)
    for round_ in range(3):
        hours = (round_ * 10, round_ * 10 + 2)
        if round_ == 2:  # racing to take over an expired lease
            stale = await leases.acquire(_want(company, resource, hours), staff[0])
            await _expire(gateway_db, stale.id)
        outcomes = await asyncio.gather(
            *(leases.acquire(_want(company, resource, hours), user) for user in staff[1:]),
            return_exceptions=True,
        )
        won = [o for o in outcomes if not isinstance(o, BaseException)]
        lost = [o for o in outcomes if isinstance(o, LeaseHeld)]
        assert len(won) == 1, outcomes
        assert len(lost) == len(staff) - 2
        assert {o.lease.id for o in lost} == {won[0].id}


async def test_a_lease_needs_a_person_and_a_period(gateway_db: Database) -> None:
    leases = Leases(gateway_db)
    with pytest.raises(LeaseUserUnknown):
        await leases.acquire(_want(str(uuid.uuid4()), str(uuid.uuid4())), str(uuid.uuid4()))
    with pytest.raises(ValueError):
        _want(str(uuid.uuid4()), str(uuid.uuid4()), (1, 1))
    with pytest.raises(ValueError):
        _want(str(uuid.uuid4()), str(uuid.uuid4()), purpose="STEAL")


async def test_the_page_renews_and_releases_its_own_lease_with_the_session_s_csrf_token(
    http, make_account, ops_login, jwt_secret, gateway_db: Database
) -> None:
    company, resource = str(uuid.uuid4()), str(uuid.uuid4())
    staff = await make_account("STAFF", company_id=company)
    other = await _staff(gateway_db, company, "Other")
    session = await ops_login(staff)
    csrf = csrf_token(jwt_secret, session)
    leases = Leases(gateway_db)
    lease = await leases.acquire(_want(company, resource), staff.user_id)
    theirs = await leases.acquire(_want(company, str(uuid.uuid4())), other)

    forged = await http.post(f"/ops/calendar/leases/{lease.id}/renew", data={"csrf_token": "forged"})
    assert forged.status_code == 403 and forged.json()["code"] == "CSRF_TOKEN_INVALID"
    renewed = await http.post(f"/ops/calendar/leases/{lease.id}/renew", data={"csrf_token": csrf})
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["release_url"] == f"/ops/calendar/leases/{lease.id}/release"
    # Another's lease is neither renewed nor released by this session.
    assert (
        await http.post(f"/ops/calendar/leases/{theirs.id}/renew", data={"csrf_token": csrf})
    ).status_code == 410
    assert (
        await http.post(f"/ops/calendar/leases/{theirs.id}/release", data={"csrf_token": csrf})
    ).status_code == 204
    assert {h.id for h in await leases.held(company, T0, T0 + timedelta(hours=1))} == {lease.id, theirs.id}

    # The tab closed (sendBeacon): 204; the form without script: 303 back to the day.
    released = await http.post(f"/ops/calendar/leases/{lease.id}/release", data={"csrf_token": csrf})
    assert released.status_code == 204
    gone = await http.post(f"/ops/calendar/leases/{lease.id}/renew", data={"csrf_token": csrf})
    assert gone.status_code == 410 and gone.json()["code"] == "LEASE_GONE"
    again = await leases.acquire(_want(company, resource), staff.user_id)
    back = "/ops/calendar/day?date=2031-03-04"
    by_form = await http.post(
        f"/ops/calendar/leases/{again.id}/release", data={"csrf_token": csrf, "next": back}
    )
    assert by_form.status_code == 303 and by_form.headers["location"] == back
    elsewhere = await http.post(
        f"/ops/calendar/leases/{again.id}/release", data={"csrf_token": csrf, "next": "https://evil.example/"}
    )
    assert elsewhere.status_code == 204
    assert (
        await http.post("/ops/calendar/leases/not-a-uuid/renew", data={"csrf_token": csrf})
    ).status_code == 404


async def test_an_edit_of_a_session_s_booking_holds_the_booking_alone(gateway_db: Database) -> None:
    company, studio = str(uuid.uuid4()), str(uuid.uuid4())
    ann, bob = await _staff(gateway_db, company, "Ann"), await _staff(gateway_db, company, "Bob")
    leases = Leases(gateway_db)
    booking = str(uuid.uuid4())
    edit = _want(company, studio, purpose="EDIT", booking_id=booking, subject=booking)
    await leases.acquire(edit, ann)
    # Bob may book another place of the session, not edit the same booking.
    await leases.acquire(_want(company, studio), bob)
    with pytest.raises(LeaseHeld) as refused:
        await leases.acquire(edit, bob)
    assert refused.value.lease.purpose == "EDIT" and refused.value.lease.booking_id == booking


async def test_leases_expired_an_hour_ago_are_forgotten_at_the_company_s_next_acquire(
    gateway_db: Database,
) -> None:
    company = str(uuid.uuid4())
    ann = await _staff(gateway_db, company, "Ann")
    leases = Leases(gateway_db)
    old = await leases.acquire(_want(company, str(uuid.uuid4())), ann)
    async with gateway_db.transaction() as conn:
        await conn.execute(
            text(
                "UPDATE gateway.console_leases SET acquired_at = now() - interval '2 hours', "
                "expires_at = now() - interval '61 minutes' WHERE id = :id"
            ),
            {"id": old.id},
        )
    await leases.acquire(_want(company, str(uuid.uuid4())), ann)
    async with gateway_db.transaction() as conn:
        kept = (
            await conn.execute(
                text("SELECT count(*) FROM gateway.console_leases WHERE id = :id"), {"id": old.id}
            )
        ).scalar_one()
    assert kept == 0
