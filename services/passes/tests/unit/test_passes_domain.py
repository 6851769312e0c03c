"""Domain rules of passes: request validation, hold refusals and the saga decision rules."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from passes.domain import reasons
from passes.domain.commands import CreatePassProduct, GrantPass, ListEntitlements
from passes.domain.model import Decision, Entitlement, HoldState, Money, Outcome, PassProduct
from passes.domain.rules import same_grant_request, same_product_request
from passes.domain.saga import (
    StepRequest,
    compensate_refusal,
    execute_refusal,
    finalize_refusal,
    hold_refusal,
    parse_step,
    refund_refusal,
    replayed_execute_refusal,
)
from plumbing.errors import ErrorKind, InvalidArgument
from plumbing.saga_protocol import StepAction

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def product_request(**overrides):
    fields = dict(
        request_id="req-1",
        company_id=str(uuid.uuid4()),
        name="  10 classes  ",
        credits=10,
        validity_days=90,
        price_minor=9900,
        currency="EUR",
    )
    fields.update(overrides)
    return CreatePassProduct.parse(**fields)


def entitlement(
    *, total=10, used=0, held=0, valid_from=NOW - timedelta(days=1), valid_until=NOW + timedelta(days=1)
):
    return Entitlement(
        id=uuid.uuid4(),
        company_id=uuid.uuid4(),
        customer_id=uuid.uuid4(),
        product_id=uuid.uuid4(),
        credits_total=total,
        credits_used=used,
        credits_held=held,
        valid_from=valid_from,
        valid_until=valid_until,
    )


def step_request(**overrides):
    fields = dict(
        saga_id=str(uuid.uuid4()),
        action=StepAction.EXECUTE,
        booking_id=str(uuid.uuid4()),
        company_id=str(uuid.uuid4()),
        customer_id=str(uuid.uuid4()),
        entitlement_id=str(uuid.uuid4()),
        credits=1,
        amount_minor=1500,
        session_id=str(uuid.uuid4()),
    )
    fields.update(overrides)
    return StepRequest(**fields)


def test_a_valid_product_request_is_parsed_with_its_name_trimmed():
    cmd = product_request()
    assert cmd.name == "10 classes"
    assert cmd.price == Money(9900, "EUR")
    assert isinstance(cmd.company_id, uuid.UUID)


@pytest.mark.parametrize(
    ("overrides", "reason", "field"),
    [
        ({"request_id": ""}, reasons.INVALID_REQUEST_ID, "request_id"),
        ({"request_id": "x" * 201}, reasons.INVALID_REQUEST_ID, "request_id"),
        ({"company_id": ""}, reasons.INVALID_ID, "company_id"),
        ({"company_id": "not-a-uuid"}, reasons.INVALID_ID, "company_id"),
        ({"name": "   "}, reasons.INVALID_NAME, "name"),
        ({"credits": 0}, reasons.INVALID_CREDITS, "credits"),
        ({"credits": -3}, reasons.INVALID_CREDITS, "credits"),
        ({"validity_days": 0}, reasons.INVALID_VALIDITY_DAYS, "validity_days"),
        ({"price_minor": -1}, reasons.INVALID_AMOUNT, "price.amount_minor"),
        ({"currency": ""}, reasons.INVALID_CURRENCY, "price.currency_code"),
        ({"currency": "eur"}, reasons.INVALID_CURRENCY, "price.currency_code"),
    ],
)
def test_an_invalid_product_request_names_the_field_and_reason(overrides, reason, field):
    with pytest.raises(InvalidArgument) as raised:
        product_request(**overrides)
    assert raised.value.kind is ErrorKind.INVALID_ARGUMENT
    assert (raised.value.reason, raised.value.field) == (reason, field)


def test_a_free_product_is_allowed():
    assert product_request(price_minor=0).price.amount_minor == 0


@pytest.mark.parametrize("field", ["product_id", "customer_id"])
def test_a_grant_needs_uuid_ids(field):
    fields = {"request_id": "r", "product_id": str(uuid.uuid4()), "customer_id": str(uuid.uuid4())}
    fields[field] = "42"
    with pytest.raises(InvalidArgument) as raised:
        GrantPass.parse(**fields)
    assert (raised.value.reason, raised.value.field) == (reasons.INVALID_ID, field)


def test_listing_needs_both_company_and_customer():
    with pytest.raises(InvalidArgument) as raised:
        ListEntitlements.parse(company_id=str(uuid.uuid4()), customer_id="")
    assert raised.value.field == "customer_id"


def test_ids_are_parsed_as_uuids():
    company_id, customer_id = uuid.uuid4(), uuid.uuid4()
    query = ListEntitlements.parse(company_id=str(company_id), customer_id=str(customer_id))
    assert (query.company_id, query.customer_id) == (company_id, customer_id)


def test_available_credits_exclude_used_and_held():
    assert entitlement(total=10, used=3, held=2).credits_available == 5


def test_validity_includes_the_start_and_excludes_the_end():
    e = entitlement(valid_from=NOW, valid_until=NOW + timedelta(days=1))
    assert e.is_valid_at(NOW)
    assert not e.is_valid_at(NOW + timedelta(days=1))
    assert not e.is_valid_at(NOW - timedelta(seconds=1))


def test_a_hold_that_fits_has_no_refusal():
    assert hold_refusal(entitlement(total=5, used=2, held=1), credits=2, now=NOW) is None


def test_a_missing_pass_is_refused_as_not_found():
    assert hold_refusal(None, credits=1, now=NOW) == reasons.PASS_NOT_FOUND


def test_an_expired_pass_is_refused_even_with_credits_left():
    expired = entitlement(valid_from=NOW - timedelta(days=10), valid_until=NOW)
    assert hold_refusal(expired, credits=1, now=NOW) == reasons.PASS_EXPIRED


def test_a_hold_larger_than_the_available_credits_is_refused_as_exhausted():
    assert hold_refusal(entitlement(total=5, used=2, held=2), credits=2, now=NOW) == reasons.PASS_EXHAUSTED


def test_a_step_without_a_usable_saga_booking_or_action_cannot_be_keyed():
    assert parse_step(step_request(saga_id="nope")) is None
    assert parse_step(step_request(booking_id="")) is None
    assert parse_step(step_request(action=None)) is None


def test_an_execute_with_a_bad_pass_id_is_refused_as_not_found():
    step = parse_step(step_request(entitlement_id="garbage"))
    assert step is not None
    assert execute_refusal(step) == reasons.PASS_NOT_FOUND


def test_an_execute_of_no_credits_is_refused():
    step = parse_step(step_request(credits=0))
    assert step is not None
    assert execute_refusal(step) == reasons.INVALID_CREDITS


def test_an_execute_naming_no_session_is_refused_as_not_a_place():
    # A stay or a rental: one credit is one place, not a night or an hour.
    step = parse_step(step_request(session_id="", resource_id=str(uuid.uuid4())))
    assert step is not None
    assert execute_refusal(step) == reasons.PASS_NOT_VALID_FOR_BOOKING_MODEL


def test_a_well_formed_execute_has_no_refusal():
    step = parse_step(step_request())
    assert step is not None
    assert execute_refusal(step) is None


def test_a_refund_needs_a_company_and_no_negative_credits():
    refund = StepAction.REFUND
    no_company = parse_step(step_request(action=refund, company_id="", credits=-1))
    negative = parse_step(step_request(action=refund, credits=-1))
    nothing = parse_step(step_request(action=refund, credits=0))
    assert no_company is not None and negative is not None and nothing is not None
    assert refund_refusal(no_company) == reasons.INVALID_COMMAND
    assert refund_refusal(negative) == reasons.INVALID_CREDITS
    assert refund_refusal(nothing) is None


def test_a_replayed_execute_is_refused_once_compensated():
    assert replayed_execute_refusal(HoldState.RELEASED) == reasons.ALREADY_COMPENSATED
    assert replayed_execute_refusal(HoldState.TOMBSTONE) == reasons.ALREADY_COMPENSATED
    assert replayed_execute_refusal(HoldState.HELD) is None
    assert replayed_execute_refusal(HoldState.CONSUMED) is None


def test_finalize_fails_without_a_hold_or_after_compensation_and_succeeds_when_done():
    assert finalize_refusal(None) == reasons.HOLD_NOT_FOUND
    assert finalize_refusal(HoldState.RELEASED) == reasons.ALREADY_COMPENSATED
    assert finalize_refusal(HoldState.TOMBSTONE) == reasons.ALREADY_COMPENSATED
    assert finalize_refusal(HoldState.CONSUMED) is None
    assert finalize_refusal(HoldState.RETURNED) is None


def test_compensate_after_finalize_is_refused_and_otherwise_succeeds():
    assert compensate_refusal(HoldState.CONSUMED) == reasons.ALREADY_FINALIZED
    assert compensate_refusal(HoldState.RETURNED) == reasons.ALREADY_FINALIZED
    assert compensate_refusal(HoldState.RELEASED) is None
    assert compensate_refusal(None) is None


def test_decisions_say_whether_they_succeeded():
    assert Decision.success(amount_minor=5, reference="r").succeeded
    failure = Decision.failure(reasons.PASS_EXHAUSTED)
    assert (failure.outcome, failure.reason, failure.succeeded) == (Outcome.FAILED, "PASS_EXHAUSTED", False)


def test_a_reused_request_id_matches_only_the_same_request():
    cmd = product_request()
    product = PassProduct(
        id=uuid.uuid4(),
        company_id=cmd.company_id,
        name=cmd.name,
        credits=cmd.credits,
        validity_days=cmd.validity_days,
        price=cmd.price,
    )
    assert same_product_request(product, cmd)
    assert not same_product_request(product, product_request(company_id=str(cmd.company_id), credits=5))
    grant = entitlement()
    same = GrantPass(request_id="r", product_id=grant.product_id, customer_id=grant.customer_id)
    other = GrantPass(request_id="r", product_id=grant.product_id, customer_id=uuid.uuid4())
    assert same_grant_request(grant, same)
    assert not same_grant_request(grant, other)
