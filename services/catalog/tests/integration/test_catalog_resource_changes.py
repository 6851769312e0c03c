"""Resource policies and hourly rates: created, changed by version, published as resource_updated."""

import uuid

import grpc
import pytest

from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2

pytestmark = pytest.mark.integration

INVALID = grpc.StatusCode.INVALID_ARGUMENT
NIGHTLY, INTERVAL, TIME_SLOT = (
    catalog_pb2.BOOKING_MODEL_NIGHTLY,
    catalog_pb2.BOOKING_MODEL_INTERVAL,
    catalog_pb2.BOOKING_MODEL_TIME_SLOT,
)


def eur(amount: int) -> money_pb2.Money:
    return money_pb2.Money(amount_minor=amount, currency_code="EUR")


def windows(*pairs: tuple[int, int]) -> list[catalog_pb2.CancellationWindow]:
    return [catalog_pb2.CancellationWindow(minutes_before_start=m, refund_percent=p) for m, p in pairs]


async def test_a_nightly_resource_keeps_every_rule_of_its_policy(new_resource):
    policy = catalog_pb2.ResourcePolicy(
        lead_time_minutes=1440,
        horizon_days=300,
        min_nights=2,
        max_nights=21,
        max_active_bookings_per_customer=3,
        cancellation_windows=windows((0, 0), (2880, 100), (1440, 50)),
        check_in_deadline_minutes=420,
        no_show_grace_minutes=60,
        check_in_time="16:00",
        check_out_time="10:30",
        max_guests_per_unit=4,
    )
    created = await new_resource(NIGHTLY, policy=policy)
    expected = catalog_pb2.ResourcePolicy()
    expected.CopyFrom(policy)
    del expected.cancellation_windows[:]
    expected.cancellation_windows.extend(windows((2880, 100), (1440, 50), (0, 0)))  # widest first
    expected.free_cancellation_minutes = 2880  # what the windows imply
    assert created.policy == expected


async def test_an_interval_resource_keeps_its_rules_and_hourly_rate(new_resource, catalog):
    policy = catalog_pb2.ResourcePolicy(
        min_duration_minutes=60,
        max_duration_minutes=480,
        granularity_minutes=30,
        buffer_before_minutes=15,
        buffer_after_minutes=30,
        free_cancellation_minutes=120,
    )
    created = await new_resource(INTERVAL, policy=policy, hourly_rate=eur(2500))
    assert created.hourly_rate == eur(2500)
    assert (created.policy.granularity_minutes, created.policy.buffer_after_minutes) == (30, 30)
    assert list(created.policy.cancellation_windows) == windows((120, 100), (0, 0))
    read = (await catalog.GetResource(catalog_pb2.GetResourceRequest(resource_id=created.id))).resource
    assert read == created


@pytest.mark.parametrize(
    ("model", "values", "reason", "field"),
    [
        (
            TIME_SLOT,
            {"policy": catalog_pb2.ResourcePolicy(min_nights=2)},
            "INVALID_POLICY",
            "policy.min_nights",
        ),
        (
            NIGHTLY,
            {"policy": catalog_pb2.ResourcePolicy(granularity_minutes=30)},
            "INVALID_POLICY",
            "policy.granularity_minutes",
        ),
        (
            INTERVAL,
            {"policy": catalog_pb2.ResourcePolicy(granularity_minutes=25)},
            "INVALID_POLICY",
            "policy.granularity_minutes",
        ),
        (
            TIME_SLOT,
            {"policy": catalog_pb2.ResourcePolicy(cancellation_windows=windows((60, 50), (30, 100)))},
            "INVALID_POLICY",
            "policy.cancellation_windows",
        ),
        (
            NIGHTLY,
            {"policy": catalog_pb2.ResourcePolicy(check_in_time="12:00", check_out_time="13:00")},
            "INVALID_POLICY",
            "policy.check_out_time",
        ),
        (NIGHTLY, {"hourly_rate": eur(100)}, "INVALID_PRICE", "hourly_rate"),
        (
            INTERVAL,
            {"hourly_rate": money_pb2.Money(amount_minor=100, currency_code="USD")},
            "CURRENCY_MISMATCH",
            "hourly_rate.currency_code",
        ),
    ],
)
async def test_a_resource_with_bad_rules_is_refused_naming_the_rule(
    new_resource, refused, model, values, reason, field
):
    refusal = await refused(new_resource(model, **values))
    assert (refusal.code, refusal.reason, refusal.field) == (INVALID, reason, field)


async def test_a_policy_update_replaces_the_policy_bumps_the_version_and_is_published(
    catalog, new_resource, catalog_events
):
    resource = await new_resource(TIME_SLOT, policy=catalog_pb2.ResourcePolicy(free_cancellation_minutes=60))
    assert resource.version == 1
    policy = catalog_pb2.ResourcePolicy(
        lead_time_minutes=30,
        horizon_days=60,
        max_places_per_booking=2,
        max_active_bookings_per_customer=5,
        cancellation_windows=windows((2880, 100), (1440, 50), (0, 0)),
        check_in_deadline_minutes=10,
    )
    request = catalog_pb2.UpdateResourcePolicyRequest(
        request_id=str(uuid.uuid4()), resource_id=resource.id, policy=policy
    )
    updated = (await catalog.UpdateResourcePolicy(request)).resource
    assert updated.version == 2
    assert (updated.policy.lead_time_minutes, updated.policy.free_cancellation_minutes) == (30, 2880)
    assert list(updated.policy.cancellation_windows) == list(policy.cancellation_windows)
    read = (await catalog.GetResource(catalog_pb2.GetResourceRequest(resource_id=resource.id))).resource
    assert read == updated

    # A retry changes nothing, even with another payload.
    retry = catalog_pb2.UpdateResourcePolicyRequest(
        request_id=request.request_id, resource_id=resource.id, policy=catalog_pb2.ResourcePolicy()
    )
    assert (await catalog.UpdateResourcePolicy(retry)).resource == updated

    def of_this_resource(data: bytes) -> bool:
        return catalog_pb2.ResourceUpdated.FromString(data).resource.id == resource.id

    messages = await catalog_events("catalog.events.resource_updated", of_this_resource)
    assert len(messages) == 1
    event = catalog_pb2.ResourceUpdated.FromString(messages[0].data)
    assert event.resource == updated
    assert event.HasField("update_time")
    assert messages[0].headers["Nats-Msg-Id"] == f"resource_updated:{resource.id}:2"


async def test_a_policy_written_back_as_read_is_the_same_policy(catalog, new_resource):
    resource = await new_resource(NIGHTLY, policy=catalog_pb2.ResourcePolicy(free_cancellation_minutes=1440))
    written = (
        await catalog.UpdateResourcePolicy(
            catalog_pb2.UpdateResourcePolicyRequest(resource_id=resource.id, policy=resource.policy)
        )
    ).resource
    assert written.policy == resource.policy
    assert written.version == 2


async def test_bad_policy_updates_are_refused_with_their_reasons(catalog, new_resource, refused):
    resource = await new_resource(INTERVAL)
    other = await new_resource(INTERVAL)
    used = str(uuid.uuid4())
    await catalog.UpdateResourcePolicy(
        catalog_pb2.UpdateResourcePolicyRequest(request_id=used, resource_id=other.id, policy=other.policy)
    )
    missing = str(uuid.uuid4())
    cases = [
        ({"resource_id": resource.id}, INVALID, "INVALID_POLICY", "policy"),
        (
            {"resource_id": resource.id, "policy": catalog_pb2.ResourcePolicy(max_nights=3)},
            INVALID,
            "INVALID_POLICY",
            "policy.max_nights",
        ),
        (
            {"resource_id": resource.id, "policy": catalog_pb2.ResourcePolicy(min_duration_minutes=-5)},
            INVALID,
            "INVALID_POLICY",
            "policy.min_duration_minutes",
        ),
        ({"resource_id": "", "policy": resource.policy}, INVALID, "INVALID_ID", "resource_id"),
        (
            {"resource_id": missing, "policy": resource.policy},
            grpc.StatusCode.NOT_FOUND,
            "RESOURCE_NOT_FOUND",
            None,
        ),
        (
            {"request_id": used, "resource_id": resource.id, "policy": resource.policy},
            INVALID,
            "REQUEST_ID_REUSED",
            "request_id",
        ),
    ]
    for values, code, reason, field in cases:
        refusal = await refused(
            catalog.UpdateResourcePolicy(catalog_pb2.UpdateResourcePolicyRequest(**values))
        )
        assert (refusal.code, refusal.reason, refusal.field) == (code, reason, field), values
    unchanged = (await catalog.GetResource(catalog_pb2.GetResourceRequest(resource_id=resource.id))).resource
    assert unchanged == resource


async def test_an_hourly_rate_change_bumps_the_version_and_is_published(
    catalog, new_resource, catalog_events
):
    resource = await new_resource(INTERVAL, hourly_rate=eur(1000))
    request = catalog_pb2.SetHourlyRateRequest(
        request_id=str(uuid.uuid4()), resource_id=resource.id, hourly_rate=eur(1200)
    )
    updated = (await catalog.SetHourlyRate(request)).resource
    assert (updated.hourly_rate, updated.version, updated.policy) == (eur(1200), 2, resource.policy)
    assert (await catalog.SetHourlyRate(request)).resource == updated

    def of_this_resource(data: bytes) -> bool:
        return catalog_pb2.ResourceUpdated.FromString(data).resource.id == resource.id

    messages = await catalog_events("catalog.events.resource_updated", of_this_resource)
    assert [catalog_pb2.ResourceUpdated.FromString(m.data).resource.version for m in messages] == [2]


async def test_bad_hourly_rates_are_refused_with_their_reasons(catalog, new_resource, refused):
    interval = await new_resource(INTERVAL)
    nightly = await new_resource(NIGHTLY)
    cases = [
        ({"resource_id": interval.id}, INVALID, "INVALID_PRICE", "hourly_rate"),
        (
            {"resource_id": interval.id, "hourly_rate": eur(-1)},
            INVALID,
            "INVALID_PRICE",
            "hourly_rate.amount_minor",
        ),
        (
            {"resource_id": interval.id, "hourly_rate": money_pb2.Money(amount_minor=1, currency_code="USD")},
            INVALID,
            "CURRENCY_MISMATCH",
            "hourly_rate.currency_code",
        ),
        (
            {"resource_id": nightly.id, "hourly_rate": eur(1)},
            grpc.StatusCode.FAILED_PRECONDITION,
            "RESOURCE_NOT_INTERVAL",
            None,
        ),
        (
            {"resource_id": str(uuid.uuid4()), "hourly_rate": eur(1)},
            grpc.StatusCode.NOT_FOUND,
            "RESOURCE_NOT_FOUND",
            None,
        ),
    ]
    for values, code, reason, field in cases:
        refusal = await refused(catalog.SetHourlyRate(catalog_pb2.SetHourlyRateRequest(**values)))
        assert (refusal.code, refusal.reason, refusal.field) == (code, reason, field), values
