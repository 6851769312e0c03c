"""Users, tokens and who may call what: real PostgreSQL, the real app over ASGI."""

from __future__ import annotations

import asyncio
import time
import uuid

import jwt
import pytest

from gateway.auth import TokenIssuer
from gateway.settings import DEV_JWT_SECRET, Settings
from gateway.users import User, UserStore

pytestmark = pytest.mark.integration


async def test_a_customer_exchanges_email_and_password_for_a_one_hour_bearer_token(
    http, make_account, jwt_secret
):
    account = await make_account()

    reply = await http.post("/v1/auth/token", json={"email": account.email, "password": account.password})

    assert reply.status_code == 200
    body = reply.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    claims = jwt.decode(
        body["access_token"], jwt_secret, algorithms=["HS256"], issuer="bookingplatform-gateway"
    )
    assert claims["sub"] == account.user_id
    assert claims["role"] == "CUSTOMER"
    assert claims["company_id"] == account.company_id
    assert claims["customer_id"] == account.customer_id
    assert claims["exp"] - claims["iat"] == 900
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "HS256"


async def test_the_email_is_matched_case_insensitively(http, make_account):
    account = await make_account()

    reply = await http.post(
        "/v1/auth/token", json={"email": "  " + account.email.upper(), "password": account.password}
    )

    assert reply.status_code == 200


async def test_a_wrong_password_and_an_unknown_email_get_the_same_401(http, make_account):
    account = await make_account()

    wrong_password = await http.post("/v1/auth/token", json={"email": account.email, "password": "nope"})
    unknown = await http.post("/v1/auth/token", json={"email": "nobody@example.com", "password": "nope"})

    for reply in (wrong_password, unknown):
        assert reply.status_code == 401
        assert reply.headers["content-type"] == "application/problem+json"
        assert reply.json()["code"] == "INVALID_CREDENTIALS"
    assert wrong_password.json()["detail"] == unknown.json()["detail"]


async def test_create_user_is_idempotent_on_the_lower_cased_email(gateway_db):
    store = UserStore(gateway_db)
    email = f"Seed-{uuid.uuid4().hex[:8]}@Example.com"
    company, customer = str(uuid.uuid4()), str(uuid.uuid4())

    first = await store.create_user(
        email=email, password="first", role="CUSTOMER", company_id=company, customer_id=customer
    )
    again = await store.create_user(
        email=email.lower(), password="second", role="CUSTOMER", company_id=company, customer_id=customer
    )

    assert again == first
    assert first.email == email.lower()
    assert await store.authenticate(email, "first") == first
    assert await store.authenticate(email, "second") is None


async def test_concurrent_create_user_with_one_email_makes_one_user(gateway_db):
    store = UserStore(gateway_db)
    email = f"race-{uuid.uuid4().hex[:8]}@example.com"

    users = await asyncio.gather(
        *(store.create_user(email=email, password="pw", role="PLATFORM_ADMIN") for _ in range(5))
    )

    assert len({user.id for user in users}) == 1


async def test_create_user_refuses_a_customer_without_company_and_customer(gateway_db):
    store = UserStore(gateway_db)
    with pytest.raises(ValueError, match="company_id and customer_id"):
        await store.create_user(email=f"x-{uuid.uuid4().hex}@example.com", password="pw", role="CUSTOMER")
    with pytest.raises(ValueError, match="UUID"):
        await store.create_user(
            email=f"y-{uuid.uuid4().hex}@example.com",
            password="pw",
            role="CUSTOMER",
            company_id="not-a-uuid",
            customer_id=str(uuid.uuid4()),
        )


async def test_a_customer_endpoint_without_a_token_is_401_with_a_bearer_challenge(http):
    reply = await http.get("/v1/wallet")

    assert reply.status_code == 401
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.headers["www-authenticate"].startswith("Bearer")
    assert reply.json()["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "authorization",
    ["Basic dXNlcjpwdw==", "Bearer", "Bearer not.a.jwt"],
)
async def test_a_malformed_authorization_header_is_401(http, authorization):
    reply = await http.get("/v1/wallet", headers={"Authorization": authorization})

    assert reply.status_code == 401
    assert reply.json()["code"] == "UNAUTHENTICATED"


async def test_an_expired_token_or_one_signed_with_another_secret_is_401(http, jwt_secret):
    user = User(id=str(uuid.uuid4()), email="a@b.c", role="CUSTOMER", company_id="c", customer_id="d")
    expired = TokenIssuer(jwt_secret).issue(user, now=time.time() - 7200)
    forged = TokenIssuer("another-secret-of-enough-length-0123456789").issue(user)

    for token in (expired, forged):
        reply = await http.get("/v1/wallet", headers={"Authorization": f"Bearer {token}"})
        assert reply.status_code == 401
        assert reply.json()["code"] == "UNAUTHENTICATED"
    reply = await http.get("/v1/wallet", headers={"Authorization": f"Bearer {expired}"})
    assert "expired" in reply.json()["detail"]


async def test_a_token_with_an_unknown_role_is_401(http, jwt_secret):
    token = jwt.encode(
        {"iss": "bookingplatform-gateway", "sub": "x", "role": "admin", "exp": int(time.time()) + 60},
        jwt_secret,
        algorithm="HS256",
    )

    reply = await http.get("/v1/ops/sagas", headers={"Authorization": f"Bearer {token}"})

    assert reply.status_code == 401


async def test_an_operator_may_not_use_customer_endpoints_and_a_customer_may_not_use_ops(http, make_account):
    operator = await make_account("PLATFORM_ADMIN")
    customer = await make_account("CUSTOMER")

    as_operator = await http.get("/v1/bookings", headers=operator.headers)
    as_customer = await http.get("/v1/ops/sagas", headers=customer.headers)

    for reply in (as_operator, as_customer):
        assert reply.status_code == 403
        assert reply.json()["code"] == "PERMISSION_DENIED"


def test_settings_need_a_jwt_secret_in_production(monkeypatch):
    for name in ("CATALOG_ADDR", "BOOKINGS_ADDR", "WALLET_ADDR", "PASSES_ADDR", "PAYMENTS_ADDR"):
        monkeypatch.setenv(name, "127.0.0.1:1")
    monkeypatch.setenv("DATABASE_URL", "postgresql://localhost/shared")
    monkeypatch.delenv("GATEWAY_DATABASE_URL", raising=False)
    monkeypatch.delenv("JWT_SECRET", raising=False)
    monkeypatch.delenv("BOOKING_ENV", raising=False)
    with pytest.raises(RuntimeError, match="JWT_SECRET"):
        Settings.from_env()

    monkeypatch.setenv("JWT_SECRET", "short")
    with pytest.raises(RuntimeError, match="at least"):
        Settings.from_env()

    monkeypatch.delenv("JWT_SECRET")
    monkeypatch.setenv("BOOKING_ENV", "dev")
    dev = Settings.from_env()
    assert dev.jwt_secret == DEV_JWT_SECRET
    assert (dev.host, dev.port, dev.port_file) == ("127.0.0.1", 0, None)
    assert dev.database_url == "postgresql://localhost/shared"

    monkeypatch.setenv("GATEWAY_DATABASE_URL", "postgresql://localhost/gateway")
    monkeypatch.setenv("GATEWAY_PORT", "8080")
    monkeypatch.setenv("JWT_SECRET", "x" * 40)
    own = Settings.from_env()
    assert (own.database_url, own.port, own.jwt_secret) == ("postgresql://localhost/gateway", 8080, "x" * 40)
