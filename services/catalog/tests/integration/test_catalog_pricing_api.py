"""Rate plans, daily prices and overrides, GetPricing and extras' pricing units over real gRPC."""

import uuid
from datetime import UTC, datetime

import grpc
import pytest

from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2

pytestmark = pytest.mark.integration

INVALID = grpc.StatusCode.INVALID_ARGUMENT
PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
NOT_FOUND = grpc.StatusCode.NOT_FOUND
DEFAULT, DAILY, OVERRIDE = (
    catalog_pb2.PRICE_SOURCE_DEFAULT,
    catalog_pb2.PRICE_SOURCE_DAILY,
    catalog_pb2.PRICE_SOURCE_OVERRIDE,
)


def eur(amount: int) -> money_pb2.Money:
    return money_pb2.Money(amount_minor=amount, currency_code="EUR")


def price(day: str, amount: int | None, override: bool = False) -> catalog_pb2.DailyPrice:
    return catalog_pb2.DailyPrice(
        date=day, price=eur(amount) if amount is not None else None, override=override
    )


@pytest.fixture
def new_rate_plan(catalog, room_type):
    async def create(
        name: str = "Standard", nightly: int = 12000, resource_id: str = ""
    ) -> catalog_pb2.RatePlan:
        request = catalog_pb2.CreateRatePlanRequest(
            request_id=str(uuid.uuid4()),
            resource_id=resource_id or room_type.id,
            name=name,
            default_nightly_price=eur(nightly),
        )
        return (await catalog.CreateRatePlan(request)).rate_plan

    return create


async def set_prices(
    catalog, room_type, plan, *entries, request_id: str = ""
) -> list[catalog_pb2.DailyPrice]:
    request = catalog_pb2.SetDailyPricesRequest(
        request_id=request_id, resource_id=room_type.id, rate_plan_id=plan.id, prices=list(entries)
    )
    return list((await catalog.SetDailyPrices(request)).prices)


# Rate plans


async def test_rate_plans_are_created_idempotently_and_listed_default_first(
    catalog, company, room_type, refused
):
    request = catalog_pb2.CreateRatePlanRequest(
        request_id=str(uuid.uuid4()),
        resource_id=room_type.id,
        name="Standard",
        default_nightly_price=eur(12000),
    )
    standard = (await catalog.CreateRatePlan(request)).rate_plan
    assert (standard.company_id, standard.resource_id, standard.name, standard.default_nightly_price) == (
        company.id,
        room_type.id,
        "Standard",
        eur(12000),
    )
    assert (await catalog.CreateRatePlan(request)).rate_plan == standard
    flexible = (
        await catalog.CreateRatePlan(
            catalog_pb2.CreateRatePlanRequest(
                resource_id=room_type.id, name="Flexible", default_nightly_price=eur(14000)
            )
        )
    ).rate_plan
    listed = (
        await catalog.ListRatePlans(catalog_pb2.ListRatePlansRequest(resource_id=room_type.id))
    ).rate_plans
    assert list(listed) == [standard, flexible]
    refusal = await refused(
        catalog.CreateRatePlan(
            catalog_pb2.CreateRatePlanRequest(
                resource_id=room_type.id, name="standard", default_nightly_price=eur(1)
            )
        )
    )
    assert (refusal.code, refusal.reason, refusal.field) == (
        grpc.StatusCode.ALREADY_EXISTS,
        "RATE_PLAN_NAME_TAKEN",
        "name",
    )


async def test_bad_rate_plans_are_refused_with_their_reasons(catalog, room_type, new_resource, refused):
    interval = await new_resource(catalog_pb2.BOOKING_MODEL_INTERVAL)
    usd = money_pb2.Money(amount_minor=100, currency_code="USD")
    cases = [
        ({"resource_id": room_type.id, "name": "P"}, INVALID, "INVALID_PRICE", "default_nightly_price"),
        (
            {"resource_id": room_type.id, "name": "P", "default_nightly_price": eur(-1)},
            INVALID,
            "INVALID_PRICE",
            "default_nightly_price.amount_minor",
        ),
        (
            {"resource_id": room_type.id, "name": "P", "default_nightly_price": usd},
            INVALID,
            "CURRENCY_MISMATCH",
            "default_nightly_price.currency_code",
        ),
        (
            {"resource_id": room_type.id, "name": "", "default_nightly_price": eur(1)},
            INVALID,
            "INVALID_NAME",
            "name",
        ),
        (
            {"resource_id": interval.id, "name": "P", "default_nightly_price": eur(1)},
            PRECONDITION,
            "RESOURCE_NOT_NIGHTLY",
            None,
        ),
        (
            {"resource_id": str(uuid.uuid4()), "name": "P", "default_nightly_price": eur(1)},
            NOT_FOUND,
            "RESOURCE_NOT_FOUND",
            None,
        ),
    ]
    for values, code, reason, field in cases:
        refusal = await refused(catalog.CreateRatePlan(catalog_pb2.CreateRatePlanRequest(**values)))
        assert (refusal.code, refusal.reason, refusal.field) == (code, reason, field), values


# Daily prices


async def test_daily_prices_and_overrides_are_set_listed_and_cleared(catalog, room_type, new_rate_plan):
    plan = await new_rate_plan()
    stored = await set_prices(
        catalog,
        room_type,
        plan,
        price("2031-07-02", 15000),
        price("2031-07-01", 15000),
        price("2031-07-02", 9900, override=True),
    )
    assert stored == [price("2031-07-01", 15000), price("2031-07-02", 15000), price("2031-07-02", 9900, True)]
    # Setting again replaces; an entry without a price clears.
    stored = await set_prices(
        catalog, room_type, plan, price("2031-07-01", 16000), price("2031-07-02", None, True)
    )
    assert stored == [price("2031-07-01", 16000), price("2031-07-02", 15000)]
    listed = (
        await catalog.ListDailyPrices(
            catalog_pb2.ListDailyPricesRequest(
                resource_id=room_type.id, rate_plan_id=plan.id, start_date="2031-07-02", end_date="2031-08-01"
            )
        )
    ).prices
    assert list(listed) == [price("2031-07-02", 15000)]


async def test_a_price_list_retried_with_its_request_id_changes_nothing(
    catalog, room_type, new_rate_plan, refused
):
    plan = await new_rate_plan()
    key = str(uuid.uuid4())
    await set_prices(catalog, room_type, plan, price("2031-07-01", 15000), request_id=key)
    await set_prices(catalog, room_type, plan, price("2031-07-01", 17000))
    # The retry of the first request must not undo the later change.
    assert await set_prices(catalog, room_type, plan, price("2031-07-01", 15000), request_id=key) == [
        price("2031-07-01", 17000)
    ]
    other = await new_rate_plan(name="Other")
    refusal = await refused(
        catalog.SetDailyPrices(
            catalog_pb2.SetDailyPricesRequest(
                request_id=key,
                resource_id=room_type.id,
                rate_plan_id=other.id,
                prices=[price("2031-07-01", 1)],
            )
        )
    )
    assert (refusal.reason, refusal.field) == ("REQUEST_ID_REUSED", "request_id")


async def test_prices_are_set_at_the_rate_plans_version_read_and_bump_it(
    catalog, room_type, new_rate_plan, refused
):
    plan = await new_rate_plan()

    def at(etag: str, amount: int) -> catalog_pb2.SetDailyPricesRequest:
        return catalog_pb2.SetDailyPricesRequest(
            request_id=str(uuid.uuid4()),
            resource_id=room_type.id,
            rate_plan_id=plan.id,
            prices=[price("2031-08-01", amount)],
            etag=etag,
        )

    first = await catalog.SetDailyPrices(at(plan.etag, 13000))
    stale = await refused(catalog.SetDailyPrices(at(plan.etag, 1)))
    never_issued = await refused(catalog.SetDailyPrices(at("not-an-etag", 1)))
    second = await catalog.SetDailyPrices(at(first.etag, 14000))
    read = await catalog.GetRatePlan(catalog_pb2.GetRatePlanRequest(rate_plan_id=plan.id))

    assert first.etag != plan.etag and second.etag != first.etag
    assert (stale.code, stale.reason) == (grpc.StatusCode.ABORTED, "ETAG_MISMATCH")
    assert never_issued.reason == "ETAG_MISMATCH"
    assert list(second.prices) == [price("2031-08-01", 14000)]
    assert read.rate_plan.etag == second.etag  # an update of the plan must send this one


async def test_bad_price_lists_are_refused_with_their_reasons(
    catalog, room_type, new_rate_plan, new_resource, refused
):
    plan = await new_rate_plan()
    other_room_type = await new_resource(catalog_pb2.BOOKING_MODEL_NIGHTLY)
    usd = catalog_pb2.DailyPrice(
        date="2031-07-01", price=money_pb2.Money(amount_minor=1, currency_code="USD")
    )
    good = [price("2031-07-01", 100)]
    cases = [
        ({"prices": []}, INVALID, "INVALID_DAILY_PRICES", "prices"),
        (
            {"prices": [price("2031-07-01", 1), price("2031-07-01", 2)]},
            INVALID,
            "INVALID_DAILY_PRICES",
            "prices[1].date",
        ),
        ({"prices": [price("1.7.2031", 1)]}, INVALID, "INVALID_DATE", "prices[0].date"),
        ({"prices": [usd]}, INVALID, "CURRENCY_MISMATCH", "prices[0].price.currency_code"),
        ({"prices": good, "rate_plan_id": ""}, INVALID, "INVALID_ID", "rate_plan_id"),
        ({"prices": good, "rate_plan_id": str(uuid.uuid4())}, NOT_FOUND, "RATE_PLAN_NOT_FOUND", None),
        ({"prices": good, "resource_id": other_room_type.id}, NOT_FOUND, "RATE_PLAN_NOT_FOUND", None),
    ]
    for values, code, reason, field in cases:
        request = catalog_pb2.SetDailyPricesRequest(
            **{"resource_id": room_type.id, "rate_plan_id": plan.id, **values}
        )
        refusal = await refused(catalog.SetDailyPrices(request))
        assert (refusal.code, refusal.reason, refusal.field) == (code, reason, field), values
    refusal = await refused(
        catalog.ListDailyPrices(
            catalog_pb2.ListDailyPricesRequest(
                resource_id=room_type.id, rate_plan_id=plan.id, start_date="2031-07-02", end_date="2031-07-01"
            )
        )
    )
    assert (refusal.reason, refusal.field) == ("INVALID_DATE_RANGE", "end_date")


# GetPricing


async def test_a_stay_over_the_spring_change_is_priced_per_night_with_its_utc_check_in_and_out(
    catalog, room_type, new_rate_plan
):
    standard = await new_rate_plan(nightly=12000)
    await new_rate_plan(name="Flexible", nightly=99999)
    await set_prices(
        catalog,
        room_type,
        standard,
        price("2031-03-29", 15000),
        price("2031-03-30", 15000),
        price("2031-03-30", 13000, override=True),
        price("2031-04-02", 1),  # outside the stay
    )
    reply = await catalog.GetPricing(
        catalog_pb2.GetPricingRequest(
            resource_id=room_type.id, start_date="2031-03-28", end_date="2031-04-01"
        )
    )
    assert (reply.rate_plan_id, reply.time_zone) == (
        standard.id,
        "Europe/Berlin",
    )  # the first plan is the default
    assert [(n.date, n.price.amount_minor, n.source) for n in reply.nights] == [
        ("2031-03-28", 12000, DEFAULT),
        ("2031-03-29", 15000, DAILY),
        ("2031-03-30", 13000, OVERRIDE),
        ("2031-03-31", 12000, DEFAULT),
    ]
    assert reply.total == eur(52000)
    # 15:00 CET (+01:00) on the 28th; 11:00 CEST (+02:00) on 1 April, after the change.
    assert reply.check_in_time.ToDatetime(tzinfo=UTC) == datetime(2031, 3, 28, 14, 0, tzinfo=UTC)
    assert reply.check_out_time.ToDatetime(tzinfo=UTC) == datetime(2031, 4, 1, 9, 0, tzinfo=UTC)
    assert reply.resource == room_type
    assert not reply.HasField("hourly_rate")


async def test_a_stay_is_priced_on_the_rate_plan_asked_for_in_the_companys_zone(catalog):
    company = (
        await catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                name="Catskills Cabins", time_zone="America/New_York", currency_code="USD"
            )
        )
    ).company
    room_type = (
        await catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=company.id,
                name="A-frame",
                booking_model=catalog_pb2.BOOKING_MODEL_NIGHTLY,
                policy=catalog_pb2.ResourcePolicy(check_in_time="16:00", check_out_time="10:00"),
            )
        )
    ).resource
    usd = money_pb2.Money(amount_minor=20000, currency_code="USD")
    for name in ("Standard", "Weekly"):
        plan = (
            await catalog.CreateRatePlan(
                catalog_pb2.CreateRatePlanRequest(
                    resource_id=room_type.id, name=name, default_nightly_price=usd
                )
            )
        ).rate_plan
    reply = await catalog.GetPricing(
        catalog_pb2.GetPricingRequest(
            resource_id=room_type.id, rate_plan_id=plan.id, start_date="2031-11-01", end_date="2031-11-02"
        )
    )
    assert reply.rate_plan_id == plan.id
    assert reply.total == usd
    # 16:00 EDT (-04:00) to 10:00 EST (-05:00): the night of the fall-back change lasts 19 hours.
    assert reply.check_in_time.ToDatetime(tzinfo=UTC) == datetime(2031, 11, 1, 20, 0, tzinfo=UTC)
    assert reply.check_out_time.ToDatetime(tzinfo=UTC) == datetime(2031, 11, 2, 15, 0, tzinfo=UTC)


async def test_an_interval_resource_is_priced_by_its_hourly_rate(catalog, new_resource, refused):
    kayak = await new_resource(catalog_pb2.BOOKING_MODEL_INTERVAL, hourly_rate=eur(1800))
    reply = await catalog.GetPricing(catalog_pb2.GetPricingRequest(resource_id=kayak.id))
    assert (reply.hourly_rate, reply.resource, reply.time_zone, len(reply.nights)) == (
        eur(1800),
        kayak,
        "Europe/Berlin",
        0,
    )
    unpriced = await new_resource(catalog_pb2.BOOKING_MODEL_INTERVAL)
    refusal = await refused(catalog.GetPricing(catalog_pb2.GetPricingRequest(resource_id=unpriced.id)))
    assert (refusal.code, refusal.reason, refusal.metadata) == (
        PRECONDITION,
        "NO_HOURLY_RATE",
        {"resource_id": unpriced.id},
    )


async def test_pricing_requests_that_cannot_be_answered_are_refused_with_their_reasons(
    catalog, room_type, new_resource, new_rate_plan, refused
):
    slots = await new_resource(catalog_pb2.BOOKING_MODEL_TIME_SLOT)
    refusal = await refused(catalog.GetPricing(catalog_pb2.GetPricingRequest(resource_id=slots.id)))
    assert (refusal.code, refusal.reason) == (PRECONDITION, "RESOURCE_PRICED_BY_SESSION")
    stay = {"start_date": "2031-05-01", "end_date": "2031-05-03"}
    refusal = await refused(
        catalog.GetPricing(catalog_pb2.GetPricingRequest(resource_id=room_type.id, **stay))
    )
    assert (refusal.code, refusal.reason) == (PRECONDITION, "NO_RATE_PLAN")
    await new_rate_plan()
    cases = [
        ({"start_date": "2031-05-03", "end_date": "2031-05-03"}, INVALID, "INVALID_DATE_RANGE", "end_date"),
        ({"start_date": "2031-05-01"}, INVALID, "INVALID_DATE", "end_date"),
        ({"start_date": "2031-01-01", "end_date": "2032-01-03"}, INVALID, "INVALID_DATE_RANGE", "end_date"),
        ({**stay, "rate_plan_id": str(uuid.uuid4())}, NOT_FOUND, "RATE_PLAN_NOT_FOUND", None),
        ({**stay, "rate_plan_id": "plan"}, INVALID, "INVALID_ID", "rate_plan_id"),
    ]
    for values, code, reason, field in cases:
        refusal = await refused(
            catalog.GetPricing(catalog_pb2.GetPricingRequest(resource_id=room_type.id, **values))
        )
        assert (refusal.code, refusal.reason, refusal.field) == (code, reason, field), values
    refusal = await refused(catalog.GetPricing(catalog_pb2.GetPricingRequest(resource_id=str(uuid.uuid4()))))
    assert (refusal.code, refusal.reason) == (NOT_FOUND, "RESOURCE_NOT_FOUND")


# Extras


async def test_an_extra_keeps_its_pricing_unit_and_defaults_to_per_booking(catalog, company, refused):
    units = [
        catalog_pb2.PRICING_UNIT_UNSPECIFIED,
        catalog_pb2.PRICING_UNIT_PER_NIGHT,
        catalog_pb2.PRICING_UNIT_PER_GUEST,
        catalog_pb2.PRICING_UNIT_PER_HOUR,
        catalog_pb2.PRICING_UNIT_PER_GUEST_NIGHT,
    ]
    created = [
        (
            await catalog.CreateExtra(
                catalog_pb2.CreateExtraRequest(
                    company_id=company.id, name=f"Extra {n}", price=eur(100), pricing_unit=unit
                )
            )
        ).extra
        for n, unit in enumerate(units)
    ]
    assert [extra.pricing_unit for extra in created] == [catalog_pb2.PRICING_UNIT_PER_BOOKING, *units[1:]]
    listed = (await catalog.ListExtras(catalog_pb2.ListExtrasRequest(company_id=company.id))).extras
    assert list(listed) == created
    refusal = await refused(
        catalog.CreateExtra(
            catalog_pb2.CreateExtraRequest(company_id=company.id, name="X", price=eur(1), pricing_unit=42)
        )
    )
    assert (refusal.code, refusal.reason, refusal.field) == (INVALID, "INVALID_PRICING_UNIT", "pricing_unit")
