"""The gateway's whole OpenAPI, fuzzed (schemathesis) against the real platform: every
operation, as a customer, a platform operator (admin), a company admin, a staff member, a
staff-scoped API key and anonymously, with valid and invalid
input. Checks: no 5xx, every status documented, every body and content type as documented.

`make test` runs a few examples per operation, seeded (the seed is printed and in the
failure message; FUZZ_SEED=<seed> replays a run); `make fuzz` runs many more
(FUZZ_EXAMPLES, default 200 there).
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest
import requests
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from bookingplatform.wallet.v1 import wallet_pb2
from gateway.app import create_app
from gateway.settings import Settings as GatewaySettings

# The run is bounded by its example count, not by a clock: 3,678 cases (three examples) took
# 4 minutes on a quiet 2-core machine, 5.3 beside two CPU hogs and 6.5 in a clean-clone CI
# run, past the suite's 300 s guard against hung tests; a hung fuzzer still fails here.
pytestmark = [pytest.mark.e2e, pytest.mark.fuzz, pytest.mark.timeout(1200)]

# Six callers, two modes: each case costs ~0.1 s (hypothesis draws most of it), so two
# examples each keep the whole suite well under 30 minutes; `make fuzz` draws many more.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))
# Invalid input is refused by the same validation whoever sends it, once past authentication:
# the customer, the company admin and the operator between them get past it on every
# operation (staff and API keys reach a subset of the admin's, anonymous callers the public
# operations a customer reaches too), so in `make test` only they send it (2,844 cases became
# 2,142); `make fuzz` (FUZZ_EXAMPLES set) sends it as every caller.
INVALID_INPUT_CALLERS = {"customer", "company admin", "operator"}
INVALID_INPUT_FROM_EVERY_CALLER = "FUZZ_EXAMPLES" in os.environ
SEED = int(os.environ.get("FUZZ_SEED", "20261205"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
PASSWORD = "fuzz-secret-pass"


@dataclass
class FuzzReport:
    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def with_known_ids(case: schemathesis.Case, known: dict[str, str]) -> schemathesis.Case:
    """Puts the real ids of the test's tenant where the schema asks for one of that name, so
    that half of the cases get past "not found" into the services' own rules."""
    for values in (case.path_parameters, case.query):
        if values:
            for name in values.keys() & known.keys():
                values[name] = known[name]
    if isinstance(case.body, dict):
        for name in case.body.keys() & known.keys():
            case.body[name] = known[name]
    return case


def fuzz(
    schema_url: str, base_url: str, roles: dict[str, dict[str, str]], known: dict[str, str]
) -> FuzzReport:
    """Runs in a worker thread (blocking HTTP), so the test's event loop keeps serving the
    gateway and the services."""
    schema = schemathesis.openapi.from_url(schema_url)
    report = FuzzReport()
    session = requests.Session()  # kept-alive connections, as a real client keeps them
    for result in schema.get_all_operations():
        operation = result.ok()
        for role, headers in roles.items():
            modes = [GenerationMode.POSITIVE]
            if role in INVALID_INPUT_CALLERS or INVALID_INPUT_FROM_EVERY_CALLER:
                modes.append(GenerationMode.NEGATIVE)
            for mode in modes:
                label = f"{operation.method.upper()} {operation.path} as {role} ({mode.value})"
                test = _fuzz_test(operation, mode, label, headers, base_url, session, report, known)
                try:
                    test()
                except Unsatisfiable:
                    # Nothing to make invalid (no parameters, or only a raw body): not a finding.
                    if mode is not GenerationMode.NEGATIVE:
                        raise
                except Exception as error:  # one operation's failure must not hide the others'
                    report.failures.append(f"{label}:\n{error}")
    return report


def _fuzz_test(
    operation: schemathesis.APIOperation,
    mode: GenerationMode,
    label: str,
    headers: dict[str, str],
    base_url: str,
    session: requests.Session,
    report: FuzzReport,
    known: dict[str, str],
) -> Callable[[], None]:
    cases = st.tuples(operation.as_strategy(generation_mode=mode), st.booleans()).map(
        lambda pair: with_known_ids(pair[0], known) if pair[1] else pair[0]
    )

    @seed(SEED)
    @settings(
        max_examples=EXAMPLES,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=cases)
    def run(case: schemathesis.Case) -> None:
        report.cases[label] += 1
        response = case.call(base_url=base_url, headers=headers, session=session, timeout=30)
        report.statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    return run  # type: ignore[no-any-return]


async def test_the_gateway_openapi_survives_fuzzing_as_every_role(platform, tenant):
    # A gateway of its own (its own login rate limiter): the fuzzer's logins must not
    # rate-limit the other end-to-end tests, which share the platform's gateway.
    settings = GatewaySettings(
        catalog_addr=platform.addresses["catalog"],
        bookings_addr=platform.addresses["bookings"],
        wallet_addr=platform.addresses["wallet"],
        passes_addr=platform.addresses["passes"],
        payments_addr=platform.addresses["payments"],
        database_url=platform.database_url,
        jwt_secret="fuzz-secret-" + uuid.uuid4().hex,
        # On a busy machine a service may take longer than the production deadline (5 s), and
        # the gateway then rightly answers 503: the fuzzer hunts bugs, not slowness.
        grpc_timeout_seconds=60.0,
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            http="httptools",
            log_level="critical",
            timeout_keep_alive=settings.keep_alive_seconds,
        )
    )
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            assert not serving.done(), "the fuzzed gateway did not start"
            await asyncio.sleep(0.02)
        base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"

        # A customer with money and a session to book, and a platform operator.
        session = await tenant.session(capacity=5)
        email = f"fuzz-{uuid.uuid4().hex[:10]}@example.com"
        customer = (
            await platform.catalog.CreateCustomer(
                catalog_pb2.CreateCustomerRequest(
                    request_id=str(uuid.uuid4()),
                    company_id=tenant.company_id,
                    display_name="Fuzz",
                    email=email,
                )
            )
        ).customer
        await platform.wallet.TopUpWallet(
            wallet_pb2.TopUpWalletRequest(
                request_id=str(uuid.uuid4()),
                company_id=tenant.company_id,
                customer_id=customer.id,
                amount=money_pb2.Money(amount_minor=100_000, currency_code="EUR"),
                balance_kind=wallet_pb2.BALANCE_KIND_MAIN,
            )
        )
        await platform.users.create_user(
            email=email,
            password=PASSWORD,
            role="CUSTOMER",
            company_id=tenant.company_id,
            customer_id=customer.id,
        )
        operator_email = f"fuzz-op-{uuid.uuid4().hex[:10]}@example.com"
        await platform.users.create_user(email=operator_email, password=PASSWORD, role="PLATFORM_ADMIN")
        # The company's people: a company admin and a staff member.
        people = {}
        for role in ("COMPANY_ADMIN", "STAFF"):
            people[role] = f"fuzz-{role.lower()}-{uuid.uuid4().hex[:10]}@example.com"
            await platform.users.create_user(
                email=people[role], password=PASSWORD, role=role, company_id=tenant.company_id
            )
        roles: dict[str, dict[str, str]] = {"anonymous": {}}
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
            for role, login in (
                ("customer", email),
                ("operator", operator_email),
                ("company admin", people["COMPANY_ADMIN"]),
                ("staff", people["STAFF"]),
            ):
                token = await client.post("/v1/auth/token", json={"email": login, "password": PASSWORD})
                assert token.status_code == 200, token.text
                roles[role] = {"Authorization": f"Bearer {token.json()['access_token']}"}
            api_key = await client.post(
                "/v1/admin/api-keys",
                json={"name": "fuzz", "role": "STAFF"},
                headers={**roles["company admin"], "Idempotency-Key": str(uuid.uuid4())},
            )
            assert api_key.status_code == 201, api_key.text
            roles["api key"] = {"X-API-Key": api_key.json()["key"]}
            booked = await client.post(
                "/v1/bookings",
                json={"session_id": session.id, "payment": {"use_wallet": True}},
                headers={**roles["customer"], "Idempotency-Key": str(uuid.uuid4())},
            )
            assert booked.status_code == 202, booked.text
        known = {
            "company_id": tenant.company_id,
            "resource_id": tenant.resource_id,
            "session_id": session.id,
            "extra_id": tenant.extra_id,
            "booking_id": booked.json()["id"],
            "saga_id": booked.json()["saga_id"],
        }

        started = time.monotonic()
        report = await asyncio.to_thread(fuzz, f"{base_url}/openapi.json", base_url, roles, known)
        elapsed = time.monotonic() - started
    finally:
        server.should_exit = True
        await serving
        sock.close()

    total = sum(report.cases.values())
    summary = (
        f"fuzz: seed={SEED} examples/operation/role/mode={EXAMPLES}: {total} cases over "
        f"{len(report.cases)} runs in {elapsed:.1f} s; statuses {dict(sorted(report.statuses.items()))}"
    )
    print(summary)
    assert total > 0
    assert not report.failures, summary + "\n\n" + "\n\n".join(report.failures)
