"""Input hardening at the edge (gateway.edge): NUL characters, unknown query parameters,
dates outside 1970..2200, bounded quantities, an OpenAPI that lists every answer, and a
crash that does not drop the kept-alive connection."""

from __future__ import annotations

import asyncio
import socket
import uuid

import httpx
import pytest
import uvicorn
from fastapi import Request

from gateway.users import UserStore
from plumbing.money import MAX_AMOUNT_MINOR

pytestmark = pytest.mark.integration


def booking_body(session_id: str, **extra) -> dict:
    return {"session_id": session_id, "quantity": 1, "payment": {"use_wallet": True}, **extra}


def assert_problem(reply: httpx.Response, status: int, code: str) -> dict:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    problem = reply.json()
    assert problem["code"] == code, problem
    return problem


# ----- NUL -----


async def test_a_nul_in_the_login_email_or_password_is_400_not_a_database_error(http):
    for body in (
        {"email": "ada\x00@example.com", "password": "pw"},
        {"email": "ada@example.com", "password": "p\x00w"},
    ):
        reply = await http.post("/v1/auth/token", json=body)

        problem = assert_problem(reply, 400, "VALIDATION_FAILED")
        assert problem["errors"][0]["field"] in ("email", "password")
        assert "\x00" not in reply.text


async def test_a_nul_in_a_nested_body_field_or_key_is_refused_before_any_call(
    http, make_account, fake_platform
):
    account = await make_account()
    session_id = str(uuid.uuid4())
    key = str(uuid.uuid4())
    headers = {**account.headers, "Idempotency-Key": key}

    in_value = await http.post(
        "/v1/bookings", json=booking_body(session_id, payment={"card_token": "tok\x00en"}), headers=headers
    )
    in_key = await http.post("/v1/bookings", json={**booking_body(session_id), "x\x00": 1}, headers=headers)

    assert assert_problem(in_value, 400, "VALIDATION_FAILED")["errors"][0]["field"] == "payment.card_token"
    assert_problem(in_key, 400, "VALIDATION_FAILED")
    assert fake_platform.bookings.create_calls[key] == 0
    # Nothing was stored under the key: the same key with a clean body goes through.
    clean = await http.post("/v1/bookings", json=booking_body(session_id), headers=headers)
    assert clean.status_code == 202, clean.text
    assert fake_platform.bookings.create_calls[key] == 1


async def test_a_nul_in_a_query_parameter_a_path_or_the_idempotency_key_is_400(http, make_account):
    account = await make_account()

    in_query = await http.get(
        "/v1/sessions", params={"company_id": str(uuid.uuid4()), "page_token": "a\x00b"}
    )
    in_name = await http.get("/v1/bookings", params={"page\x00size": "1"}, headers=account.headers)
    in_path = await http.get("/v1/bookings/%00", headers=account.headers)
    in_key = await http.post(
        "/v1/bookings",
        json=booking_body(str(uuid.uuid4())),
        headers={**account.headers, "Idempotency-Key": "k\x00"},
    )

    assert assert_problem(in_query, 400, "VALIDATION_FAILED")["errors"][0]["field"] == "page_token"
    assert_problem(in_name, 400, "VALIDATION_FAILED")
    assert assert_problem(in_path, 400, "VALIDATION_FAILED")["errors"][0]["field"] == "path"
    assert assert_problem(in_key, 400, "VALIDATION_FAILED")["errors"][0]["field"] == "Idempotency-Key"


async def test_a_nul_in_an_operator_form_is_400_before_the_form_is_read(http, make_account, fake_platform):
    operator = await make_account("PLATFORM_ADMIN")
    saga_id = str(uuid.uuid4())

    reply = await http.post(
        f"/ops/sagas/{saga_id}/retry",
        content=b"reason=a%00b&csrf_token=x",
        headers={**operator.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )

    assert assert_problem(reply, 400, "VALIDATION_FAILED")["errors"][0]["field"] == "reason"
    assert all(action[1] != saga_id for action in fake_platform.bookings.saga_actions)


async def test_a_body_too_deep_or_not_utf8_is_a_400_validation_problem(http):
    for body in (b"[" * 100_000 + b"]" * 100_000, b'{"session_id": "\xff\xfe"}'):
        reply = await http.post("/v1/quotes", content=body, headers={"Content-Type": "application/json"})

        assert_problem(reply, 400, "VALIDATION_FAILED")


# ----- unknown query parameters -----


async def test_an_unknown_query_parameter_is_refused_and_named(http, make_account):
    account = await make_account()

    # `colour` is no parameter of /v1/bookings (`status` is: a filter).
    unknown = await http.get("/v1/bookings", params={"colour": "red"}, headers=account.headers)
    two = await http.get("/healthz", params={"verbose": "1", "a": "b"})
    declared = await http.get("/v1/bookings", params={"page_size": "1"}, headers=account.headers)

    problem = assert_problem(unknown, 400, "UNKNOWN_PARAMETER")
    assert problem["errors"] == [{"field": "colour", "message": "not a parameter of this endpoint"}]
    assert "colour" in problem["detail"]
    assert [e["field"] for e in assert_problem(two, 400, "UNKNOWN_PARAMETER")["errors"]] == ["a", "verbose"]
    assert declared.status_code == 200, declared.text


async def test_the_parameters_a_route_declares_pass_and_any_other_is_refused(http, make_account):
    operator = await make_account("PLATFORM_ADMIN")

    declared = await http.get(
        "/v1/ops/sagas", params={"state": "RUNNING", "needs_attention": "true"}, headers=operator.headers
    )
    unknown = await http.get(
        "/v1/ops/sagas", params={"state": "RUNNING", "sort": "age"}, headers=operator.headers
    )

    assert declared.status_code == 200, declared.text
    assert assert_problem(unknown, 400, "UNKNOWN_PARAMETER")["errors"][0]["field"] == "sort"


async def test_a_single_valued_parameter_given_twice_is_refused_and_a_list_may_repeat(http, make_account):
    account = await make_account()

    # Starlette keeps the last of a repeated parameter: which page size was meant is unknown.
    twice = await http.get("/v1/bookings?page_size=1&page_size=200", headers=account.headers)
    statuses = await http.get("/v1/bookings?status=CONFIRMED&status=PENDING", headers=account.headers)

    problem = assert_problem(twice, 400, "VALIDATION_FAILED")
    assert problem["errors"] == [
        {"field": "page_size", "message": "given more than once; this parameter takes one value"}
    ]
    assert statuses.status_code == 200, statuses.text


@pytest.mark.parametrize("value", ["1.0", "+1", "1_0", " 1", "1e1", "true"])
async def test_a_whole_number_parameter_is_plain_digits(http, make_account, value):
    account = await make_account()

    reply = await http.get("/v1/bookings", params={"page_size": value}, headers=account.headers)

    assert assert_problem(reply, 400, "VALIDATION_FAILED")["errors"][0]["field"] == "page_size"


# ----- dates -----


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+05:00",  # converting to UTC overflows
        "9999-12-31T23:00:00-05:00",
        "1969-12-31T23:59:59Z",
        "1970-01-01T00:30:00+01:00",  # 1969 in UTC
        "2200-01-01T00:00:01Z",
        "2030-05-01T10:00:00",  # no offset
    ],
)
async def test_a_time_outside_1970_to_2200_or_without_an_offset_is_invalid_date(http, value):
    listed = await http.get("/v1/sessions", params={"company_id": str(uuid.uuid4()), "from": value})
    quoted = await http.post(
        "/v1/quotes",
        json={"resource_id": str(uuid.uuid4()), "start_time": value, "end_time": "2030-05-01T12:00:00Z"},
    )

    assert assert_problem(listed, 400, "INVALID_DATE")["errors"][0]["field"] == "from"
    assert assert_problem(quoted, 400, "INVALID_DATE")["errors"][0]["field"] == "start_time"


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1969-12-31", "2200-01-02", "2030-02-30"])
async def test_a_date_outside_1970_to_2200_is_invalid_date_everywhere(http, make_account, value):
    operator = await make_account("PLATFORM_ADMIN")
    company_id = str(uuid.uuid4())

    replies = {
        "free slots": await http.get(f"/v1/resources/{uuid.uuid4()}/free-slots", params={"date": value}),
        "day list": await http.get(
            "/v1/ops/bookings", params={"date": value, "company_id": company_id}, headers=operator.headers
        ),
        "availability": await http.get(
            "/v1/availability",
            params={"company_id": company_id, "start_date": value, "end_date": "2030-01-01"},
        ),
        "quote": await http.post(
            "/v1/quotes",
            json={"resource_id": str(uuid.uuid4()), "check_in_date": value, "check_out_date": "2030-01-02"},
        ),
    }

    for name, reply in replies.items():
        assert reply.status_code == 400, (name, reply.text)
        assert reply.json()["code"] == "INVALID_DATE", (name, reply.text)


async def test_the_edges_of_the_range_are_accepted_and_reach_the_service(http, fake_platform):
    company_id = str(uuid.uuid4())
    for value, seconds in (("1970-01-01T00:00:00Z", 0), ("2200-01-01T01:00:00+01:00", 7_258_118_400)):
        reply = await http.get("/v1/sessions", params={"company_id": company_id, "from": value})

        assert reply.status_code == 200, reply.text
        assert fake_platform.catalog.last_list is not None
        assert fake_platform.catalog.last_list.start_time_from.seconds == seconds


# ----- bounds -----


async def test_quantities_and_guests_are_bounded_and_the_openapi_says_so(http, make_account):
    account = await make_account()
    headers = {**account.headers, "Idempotency-Key": str(uuid.uuid4())}

    too_many = await http.post(
        "/v1/bookings", json=booking_body(str(uuid.uuid4()), quantity=1001), headers=headers
    )
    huge_extra = await http.post(
        "/v1/quotes",
        json={
            "session_id": str(uuid.uuid4()),
            "extras": [{"extra_id": str(uuid.uuid4()), "quantity": 2**63}],
        },
    )
    schemas = (await http.get("/openapi.json")).json()["components"]["schemas"]

    assert assert_problem(too_many, 400, "VALIDATION_FAILED")["errors"][0]["field"] == "quantity"
    assert assert_problem(huge_extra, 400, "VALIDATION_FAILED")["errors"][0]["field"] == "extras[0].quantity"
    target = schemas["CreateBookingBody"]["properties"]
    assert (target["quantity"]["minimum"], target["quantity"]["maximum"]) == (1, 1000)
    assert (target["guests"]["minimum"], target["guests"]["maximum"]) == (1, 1000)
    assert schemas["ExtraIn"]["properties"]["quantity"]["maximum"] == 1000


async def test_a_wallet_amount_past_the_wallets_bound_is_refused_where_the_openapi_says(http):
    # The wallet refuses more than MAX_AMOUNT_MINOR; the schema published it ten times larger.
    amount = (await http.get("/openapi.json")).json()["components"]["schemas"]["AmountIn"]["properties"]
    assert (amount["amount_minor"]["minimum"], amount["amount_minor"]["maximum"]) == (1, MAX_AMOUNT_MINOR)


# ----- the OpenAPI lists every answer -----

PUBLIC = {("post", "/v1/auth/token"), ("get", "/healthz"), ("get", "/readyz"), ("post", "/v1/quotes")}
PUBLIC_PREFIXES = ("/v1/sessions", "/v1/availability", "/v1/resources/", "/webhooks/", "/v1/public/")
# Account routes a person without an access token calls (a refresh or invite token, or none).
PUBLIC |= {
    ("post", "/v1/auth/refresh"),
    ("post", "/v1/auth/logout"),
    ("post", "/v1/auth/password-reset"),
    ("post", "/v1/auth/password-reset/confirm"),
    ("post", "/v1/invites/accept"),
    ("post", "/v1/companies/{company_id}/signup"),
}
NO_SERVICE = {("post", "/v1/auth/token"), ("get", "/healthz")}


async def test_the_openapi_documents_errors_as_problems_and_lists_what_each_route_answers(http):
    spec = (await http.get("/openapi.json")).json()

    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            responses = operation["responses"]
            assert "400" in responses, where
            for status, response in responses.items():
                if int(status) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], (where, status)
                    schema = response["content"]["application/problem+json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ProblemDetails"}, (where, status)
            public = (method, path) in PUBLIC or path.startswith(PUBLIC_PREFIXES)
            if not public:
                assert {"401", "403"} <= set(responses), where
            if (method, path) not in NO_SERVICE:
                assert "503" in responses, where
    assert "429" in spec["paths"]["/v1/auth/token"]["post"]["responses"]
    assert "404" in spec["paths"]["/v1/sessions"]["get"]["responses"]
    assert "404" in spec["paths"]["/v1/ops/bookings"]["get"]["responses"]


# ----- a crash keeps the connection -----


async def test_a_crash_is_a_problem_500_and_the_kept_alive_connection_serves_the_next_request(http):
    app = http._transport.app  # the app of this test, wired to the stand-in services

    async def boom() -> None:
        raise RuntimeError("do not show this")

    async def peer(request: Request) -> dict:
        assert request.client is not None
        return {"port": request.client.port}

    app.add_api_route("/boom", boom)
    app.add_api_route("/peer", peer)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, http="httptools", log_level="critical", lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            assert not serving.done(), "the server did not start"
            await asyncio.sleep(0.02)
        base = f"http://127.0.0.1:{sock.getsockname()[1]}"
        async with httpx.AsyncClient(base_url=base, limits=httpx.Limits(max_connections=1)) as client:
            before = (await client.get("/peer")).json()["port"]
            crashed = await client.get("/boom")
            after = (await client.get("/peer")).json()["port"]

        problem = assert_problem(crashed, 500, "INTERNAL")
        assert "do not show" not in crashed.text
        assert problem["instance"] == "/boom"
        assert crashed.headers.get("connection", "").lower() != "close"
        assert after == before  # the same TCP connection: uvicorn did not close it
    finally:
        server.should_exit = True
        await serving
        sock.close()


async def test_a_login_with_a_nul_never_reaches_the_users_table(http, gateway_db):
    email = f"nul-{uuid.uuid4().hex[:8]}@example.com"
    await UserStore(gateway_db).create_user(email=email, password="pw", role="PLATFORM_ADMIN")

    refused = await http.post("/v1/auth/token", json={"email": email + "\x00", "password": "pw"})
    accepted = await http.post("/v1/auth/token", json={"email": email, "password": "pw"})

    assert_problem(refused, 400, "VALIDATION_FAILED")
    assert accepted.status_code == 200, accepted.text


# ----- trailing slashes -----


async def test_a_trailing_slash_is_never_redirected_to_the_host_a_client_names(http, make_account):
    account = await make_account()
    headers = {**account.headers, "Idempotency-Key": str(uuid.uuid4()), "Host": "evil.example"}

    post = await http.post("/v1/bookings/", json=booking_body(str(uuid.uuid4())), headers=headers)
    get = await http.get("/v1/bookings/", params={"status": "CONFIRMED"}, headers={"Host": "evil.example"})
    encoded = await http.get("/site/acme%0d%0aSet-Cookie:%20x=1/")
    # Browsers read "/\\evil.example" as "//evil.example": such a path is not redirected at all.
    backslash = await http.get("/%5Cevil.example/")

    # A POST's body is never sent on to another address: an unknown path, as any.
    assert_problem(post, 404, "NOT_FOUND")
    # A page or a read keeps working for a typed slash, on the same host whatever the header.
    assert get.status_code == 308
    assert get.headers["location"] == "/v1/bookings?status=CONFIRMED"
    assert encoded.status_code == 308
    assert encoded.headers["location"] == "/site/acme%0d%0aSet-Cookie:%20x=1"
    assert "set-cookie" not in encoded.headers
    assert backslash.status_code == 404 and "location" not in backslash.headers


# ----- JSON that says two things -----


async def test_a_key_given_twice_or_a_count_written_as_true_or_a_float_is_refused(
    http, make_account, fake_platform
):
    account = await make_account()
    session_id = str(uuid.uuid4())
    other = uuid.uuid4()
    twice = f'{{"session_id": "{session_id}", "session_id": "{other}", "quantity": 1, "payment": {{}}}}'
    nested_twice = f'{{"session_id": "{session_id}", "payment": {{"use_wallet": true, "use_wallet": false}}}}'

    keys = [str(uuid.uuid4()) for _ in range(9)]
    json_headers = {**account.headers, "Content-Type": "application/json"}
    replies = [
        await http.post("/v1/bookings", content=body, headers={**json_headers, "Idempotency-Key": key})
        for body, key in zip((twice, nested_twice), keys, strict=False)
    ] + [
        await http.post(
            "/v1/bookings",
            json=booking_body(session_id, quantity=quantity),
            headers={**account.headers, "Idempotency-Key": key},
        )
        for quantity, key in zip((True, 2.0, 1e0, "1.0", " 1", "+1", "1_0"), keys[2:], strict=True)
    ]

    fields = []
    for reply in replies:
        problem = assert_problem(reply, 400, "VALIDATION_FAILED")
        fields.append(problem["errors"][0]["field"])
    assert fields[:2] == ["session_id", "use_wallet"]
    assert all(field.endswith("quantity") for field in fields[2:]), fields
    assert all(fake_platform.bookings.create_calls[key] == 0 for key in keys)
    # Plain digits stay a number (the console's forms send them).
    digits = await http.post(
        "/v1/bookings",
        json=booking_body(session_id, quantity="2"),
        headers={**account.headers, "Idempotency-Key": (key := str(uuid.uuid4()))},
    )
    assert digits.status_code == 202, digits.text
    assert fake_platform.bookings.create_calls[key] == 1
