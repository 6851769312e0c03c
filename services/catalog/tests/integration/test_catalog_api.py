"""Companies, customers, resources and extras through the real gRPC server."""

import uuid
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2

pytestmark = pytest.mark.integration

INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND


def eur(amount: int) -> money_pb2.Money:
    return money_pb2.Money(amount_minor=amount, currency_code="EUR")


# Companies


async def test_a_created_company_can_be_read_back(catalog):
    before = datetime.now(UTC) - timedelta(seconds=5)
    created = (
        await catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()),
                name=" Fjord Cabins ",
                time_zone="Europe/Oslo",
                currency_code="NOK",
            )
        )
    ).company
    assert uuid.UUID(created.id).version == 4
    assert (created.name, created.time_zone, created.currency_code) == ("Fjord Cabins", "Europe/Oslo", "NOK")
    assert created.create_time.ToDatetime(tzinfo=UTC) > before
    read = (await catalog.GetCompany(catalog_pb2.GetCompanyRequest(company_id=created.id))).company
    assert read == created


@pytest.mark.parametrize(
    ("overrides", "reason", "field"),
    [
        ({"name": "  "}, "INVALID_NAME", "name"),
        ({"time_zone": "Europe/Atlantis"}, "INVALID_TIME_ZONE", "time_zone"),
        ({"time_zone": ""}, "INVALID_TIME_ZONE", "time_zone"),
        ({"currency_code": "eur"}, "INVALID_CURRENCY", "currency_code"),
        ({"currency_code": "EURO"}, "INVALID_CURRENCY", "currency_code"),
        ({"request_id": "r" * 201}, "INVALID_REQUEST_ID", "request_id"),
    ],
)
async def test_an_invalid_company_is_refused_with_its_reason_and_field(
    catalog, refused, overrides, reason, field
):
    values = {"request_id": str(uuid.uuid4()), "name": "Cafe", "time_zone": "UTC", "currency_code": "EUR"}
    refusal = await refused(
        catalog.CreateCompany(catalog_pb2.CreateCompanyRequest(**{**values, **overrides}))
    )
    assert (refusal.code, refusal.reason, refusal.field) == (INVALID, reason, field)


async def test_getting_an_unknown_company_is_company_not_found(catalog, refused):
    missing = str(uuid.uuid4())
    refusal = await refused(catalog.GetCompany(catalog_pb2.GetCompanyRequest(company_id=missing)))
    assert (refusal.code, refusal.reason) == (NOT_FOUND, "COMPANY_NOT_FOUND")
    assert refusal.metadata == {"company_id": missing}


@pytest.mark.parametrize("company_id", ["", "nope", "123e4567-e89b-12d3-a456-42661417400"])
async def test_a_malformed_company_id_is_invalid_id(catalog, refused, company_id):
    refusal = await refused(catalog.GetCompany(catalog_pb2.GetCompanyRequest(company_id=company_id)))
    assert (refusal.code, refusal.reason, refusal.field) == (INVALID, "INVALID_ID", "company_id")


# Customers


async def test_a_created_customer_can_be_read_back(catalog, company):
    created = (
        await catalog.CreateCustomer(
            catalog_pb2.CreateCustomerRequest(
                request_id=str(uuid.uuid4()),
                company_id=company.id,
                display_name="Ada Lovelace",
                email="ada@example.com",
            )
        )
    ).customer
    assert (created.company_id, created.display_name, created.email, created.guest) == (
        company.id,
        "Ada Lovelace",
        "ada@example.com",
        False,
    )
    read = (await catalog.GetCustomer(catalog_pb2.GetCustomerRequest(customer_id=created.id))).customer
    assert read == created


async def test_guests_may_have_no_email_and_several_of_them_coexist(catalog, company):
    guests = [
        (
            await catalog.CreateCustomer(
                catalog_pb2.CreateCustomerRequest(
                    company_id=company.id, display_name=f"Guest {n}", guest=True
                )
            )
        ).customer
        for n in range(2)
    ]
    assert [guest.email for guest in guests] == ["", ""]
    assert all(guest.guest for guest in guests)
    assert guests[0].id != guests[1].id


async def test_an_email_is_unique_per_company_ignoring_case(catalog, company, refused):
    request = catalog_pb2.CreateCustomerRequest(
        company_id=company.id, display_name="Bo", email="bo@example.com"
    )
    await catalog.CreateCustomer(request)
    for email in ("bo@example.com", "Bo@Example.COM"):
        refusal = await refused(
            catalog.CreateCustomer(
                catalog_pb2.CreateCustomerRequest(
                    request_id=str(uuid.uuid4()),
                    company_id=company.id,
                    display_name="Other Bo",
                    email=email,
                    guest=True,
                )
            )
        )
        assert (refusal.code, refusal.reason, refusal.field) == (
            grpc.StatusCode.ALREADY_EXISTS,
            "CUSTOMER_EMAIL_TAKEN",
            "email",
        )
        assert refusal.metadata == {"company_id": company.id}


async def test_the_same_email_may_be_used_at_another_company(catalog, company):
    other = (
        await catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(name="Other", time_zone="UTC", currency_code="EUR")
        )
    ).company
    for owner in (company, other):
        created = await catalog.CreateCustomer(
            catalog_pb2.CreateCustomerRequest(company_id=owner.id, display_name="Cy", email="cy@example.com")
        )
        assert created.customer.company_id == owner.id


@pytest.mark.parametrize(
    ("overrides", "reason", "field"),
    [
        ({"display_name": ""}, "INVALID_NAME", "display_name"),
        ({"email": "not-an-email"}, "INVALID_EMAIL", "email"),
        ({"email": "", "guest": False}, "EMAIL_REQUIRED", "email"),
        ({"company_id": "x"}, "INVALID_ID", "company_id"),
    ],
)
async def test_an_invalid_customer_is_refused_with_its_reason_and_field(
    catalog, company, refused, overrides, reason, field
):
    values = {"company_id": company.id, "display_name": "Di", "email": "di@example.com"}
    refusal = await refused(
        catalog.CreateCustomer(catalog_pb2.CreateCustomerRequest(**{**values, **overrides}))
    )
    assert (refusal.code, refusal.reason, refusal.field) == (INVALID, reason, field)


async def test_a_customer_of_an_unknown_company_is_company_not_found(catalog, refused):
    refusal = await refused(
        catalog.CreateCustomer(
            catalog_pb2.CreateCustomerRequest(
                request_id=str(uuid.uuid4()), company_id=str(uuid.uuid4()), display_name="Ed", guest=True
            )
        )
    )
    assert (refusal.code, refusal.reason) == (NOT_FOUND, "COMPANY_NOT_FOUND")


async def test_getting_an_unknown_customer_is_customer_not_found(catalog, refused):
    refusal = await refused(
        catalog.GetCustomer(catalog_pb2.GetCustomerRequest(customer_id=str(uuid.uuid4())))
    )
    assert (refusal.code, refusal.reason) == (NOT_FOUND, "CUSTOMER_NOT_FOUND")
    refusal = await refused(catalog.GetCustomer(catalog_pb2.GetCustomerRequest(customer_id="bad")))
    assert (refusal.code, refusal.reason, refusal.field) == (INVALID, "INVALID_ID", "customer_id")


# Resources


async def test_a_resource_keeps_its_booking_model_and_policy(catalog, company):
    policy = catalog_pb2.ResourcePolicy(
        lead_time_minutes=120, horizon_days=90, free_cancellation_minutes=2880, max_places_per_booking=4
    )
    created = (
        await catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=company.id,
                name="Cabin 1",
                booking_model=catalog_pb2.BOOKING_MODEL_NIGHTLY,
                policy=policy,
            )
        )
    ).resource
    assert (created.company_id, created.name, created.booking_model) == (
        company.id,
        "Cabin 1",
        catalog_pb2.BOOKING_MODEL_NIGHTLY,
    )
    # Replies carry the effective cancellation windows (here from the deprecated
    # free_cancellation_minutes) and a NIGHTLY resource's default check-in/check-out times.
    expected = catalog_pb2.ResourcePolicy()
    expected.CopyFrom(policy)
    expected.cancellation_windows.add(minutes_before_start=2880, refund_percent=100)
    expected.cancellation_windows.add(minutes_before_start=0, refund_percent=0)
    expected.check_in_time, expected.check_out_time = "15:00", "11:00"
    assert created.policy == expected
    assert created.version == 1
    read = (await catalog.GetResource(catalog_pb2.GetResourceRequest(resource_id=created.id))).resource
    assert read == created


async def test_a_resource_created_without_a_policy_gets_the_default_policy(catalog, company):
    created = (
        await catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=company.id, name="Kayak", booking_model=catalog_pb2.BOOKING_MODEL_INTERVAL
            )
        )
    ).resource
    assert created.policy == catalog_pb2.ResourcePolicy(
        lead_time_minutes=0,
        horizon_days=365,
        free_cancellation_minutes=1440,
        max_places_per_booking=0,
        cancellation_windows=[
            catalog_pb2.CancellationWindow(minutes_before_start=1440, refund_percent=100),
            catalog_pb2.CancellationWindow(minutes_before_start=0, refund_percent=0),
        ],
    )
    assert not created.HasField("hourly_rate")


@pytest.mark.parametrize(
    ("overrides", "reason", "field"),
    [
        ({"booking_model": catalog_pb2.BOOKING_MODEL_UNSPECIFIED}, "INVALID_BOOKING_MODEL", "booking_model"),
        ({"booking_model": 42}, "INVALID_BOOKING_MODEL", "booking_model"),
        ({"name": ""}, "INVALID_NAME", "name"),
        (
            {"policy": catalog_pb2.ResourcePolicy(horizon_days=-1)},
            "INVALID_POLICY",
            "policy.horizon_days",
        ),
        ({"company_id": ""}, "INVALID_ID", "company_id"),
    ],
)
async def test_an_invalid_resource_is_refused_with_its_reason_and_field(
    catalog, company, refused, overrides, reason, field
):
    values = {"company_id": company.id, "name": "Room", "booking_model": catalog_pb2.BOOKING_MODEL_TIME_SLOT}
    refusal = await refused(
        catalog.CreateResource(catalog_pb2.CreateResourceRequest(**{**values, **overrides}))
    )
    assert (refusal.code, refusal.reason, refusal.field) == (INVALID, reason, field)


async def test_a_resource_of_an_unknown_company_is_company_not_found(catalog, refused):
    refusal = await refused(
        catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                company_id=str(uuid.uuid4()), name="Room", booking_model=catalog_pb2.BOOKING_MODEL_TIME_SLOT
            )
        )
    )
    assert (refusal.code, refusal.reason) == (NOT_FOUND, "COMPANY_NOT_FOUND")


async def test_getting_an_unknown_resource_is_resource_not_found(catalog, refused):
    missing = str(uuid.uuid4())
    refusal = await refused(catalog.GetResource(catalog_pb2.GetResourceRequest(resource_id=missing)))
    assert (refusal.code, refusal.reason, refusal.metadata) == (
        NOT_FOUND,
        "RESOURCE_NOT_FOUND",
        {"resource_id": missing},
    )


# Extras


async def test_extras_are_listed_per_company_in_creation_order(catalog, company):
    names = ["Mat hire", "Towel", "Smoothie"]
    created = [
        (
            await catalog.CreateExtra(
                catalog_pb2.CreateExtraRequest(company_id=company.id, name=name, price=eur(100 * (n + 1)))
            )
        ).extra
        for n, name in enumerate(names)
    ]
    assert [extra.price.amount_minor for extra in created] == [100, 200, 300]
    listed = (await catalog.ListExtras(catalog_pb2.ListExtrasRequest(company_id=company.id))).extras
    assert list(listed) == created
    other = (
        await catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(name="Empty", time_zone="UTC", currency_code="EUR")
        )
    ).company
    assert len((await catalog.ListExtras(catalog_pb2.ListExtrasRequest(company_id=other.id))).extras) == 0


async def test_an_extra_priced_in_another_currency_is_currency_mismatch(catalog, company, refused):
    refusal = await refused(
        catalog.CreateExtra(
            catalog_pb2.CreateExtraRequest(
                company_id=company.id,
                name="Lunch",
                price=money_pb2.Money(amount_minor=900, currency_code="USD"),
            )
        )
    )
    assert (refusal.code, refusal.reason, refusal.field) == (
        INVALID,
        "CURRENCY_MISMATCH",
        "price.currency_code",
    )
    assert refusal.metadata == {"expected_currency": "EUR", "currency": "USD"}


@pytest.mark.parametrize(
    ("overrides", "reason", "field"),
    [
        ({"name": " "}, "INVALID_NAME", "name"),
        ({"price": None}, "INVALID_PRICE", "price"),
        (
            {"price": money_pb2.Money(amount_minor=-1, currency_code="EUR")},
            "INVALID_PRICE",
            "price.amount_minor",
        ),
        (
            {"price": money_pb2.Money(amount_minor=1, currency_code="E")},
            "INVALID_CURRENCY",
            "price.currency_code",
        ),
    ],
)
async def test_an_invalid_extra_is_refused_with_its_reason_and_field(
    catalog, company, refused, overrides, reason, field
):
    values = {"company_id": company.id, "name": "Lunch", "price": eur(900)}
    refusal = await refused(catalog.CreateExtra(catalog_pb2.CreateExtraRequest(**{**values, **overrides})))
    assert (refusal.code, refusal.reason, refusal.field) == (INVALID, reason, field)


async def test_extras_of_an_unknown_company_are_company_not_found(catalog, refused):
    missing = str(uuid.uuid4())
    refusal = await refused(catalog.ListExtras(catalog_pb2.ListExtrasRequest(company_id=missing)))
    assert (refusal.code, refusal.reason) == (NOT_FOUND, "COMPANY_NOT_FOUND")
    refusal = await refused(
        catalog.CreateExtra(catalog_pb2.CreateExtraRequest(company_id=missing, name="Lunch", price=eur(1)))
    )
    assert (refusal.code, refusal.reason) == (NOT_FOUND, "COMPANY_NOT_FOUND")
