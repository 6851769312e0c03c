"""The console's company profile and extras (/ops/manage/company, /ops/manage/extras): staff
read them and are refused every change (403, as the API refuses staff); a company admin changes
the profile at the version read, and what the API refuses (a field, a stale version, a locked
currency) is shown next to its field with what was typed kept; extras are created and archived
through the API's handlers; another company's extra is a 404 page; every form needs the CSRF
token."""

from __future__ import annotations

import uuid

from bookingplatform.catalog.v1 import catalog_pb2
from bookingplatform.common.v1 import money_pb2
from gateway.pages.sagas import csrf_token

PROFILE = {
    "name": "Harbour Yoga",
    "time_zone": "Europe/Paris",
    "currency_code": "EUR",
    "description": "Classes by the sea",
    "address": "1 Quay Street",
    "contact_email": "desk@example.com",
    "contact_phone": "+49 30 1234567",
    "allowed_origins": "https://shop.example.com\r\nhttps://www.example.com",
}


def fresh(token: str) -> dict[str, str]:
    """A form's hidden fields: the CSRF token and a new one-time key (each page renders one)."""
    return {"csrf_token": token, "request_key": str(uuid.uuid4())}


def _extra(fake_platform, company_id: str, name: str = "Towel") -> str:
    extra = catalog_pb2.Extra(
        id=str(uuid.uuid4()),
        company_id=company_id,
        name=name,
        price=money_pb2.Money(amount_minor=300, currency_code="EUR"),
        pricing_unit=catalog_pb2.PRICING_UNIT_PER_BOOKING,
        etag="1",
    )
    fake_platform.catalog.extras[extra.id] = extra
    return extra.id


async def test_staff_read_the_company_and_its_extras_but_change_nothing(
    http, make_account, ops_login, fake_platform, jwt_secret
):
    staff = await make_account("STAFF")
    extra = _extra(fake_platform, staff.company_id, "Mat <b>")
    cookie = await ops_login(staff)
    form = {"csrf_token": csrf_token(jwt_secret, cookie), "request_key": str(uuid.uuid4())}

    company = await http.get("/ops/manage/company")
    extras = await http.get("/ops/manage/extras")
    refused = [
        await http.post("/ops/manage/company", data={**form, **PROFILE, "etag": "1"}),
        await http.post("/ops/manage/extras", data={**form, "name": "x", "price": "1"}),
        await http.post(f"/ops/manage/extras/{extra}/archive", data={**form, "etag": "1"}),
    ]

    assert company.status_code == 200, company.text
    assert "Fake Studio" in company.text and "Europe/Berlin" in company.text
    assert "Only a company admin may change the company." in company.text
    assert 'action="/ops/manage/company"' not in company.text
    assert (
        extras.status_code == 200 and "Mat &lt;b&gt;" in extras.text and "3.00 EUR a booking" in extras.text
    )
    assert 'id="extra-form"' not in extras.text and "/archive" not in extras.text
    assert '<a href="/ops/manage/extras" aria-current="page">Extras</a>' in extras.text
    for reply in refused:
        assert reply.status_code == 403, (reply.request.url, reply.text)
        assert reply.json()["code"] == "PERMISSION_DENIED"
    assert staff.company_id not in fake_platform.catalog.companies
    assert not fake_platform.catalog.extras[extra].HasField("archive_time")


async def test_an_admin_saves_the_profile_and_sees_the_api_s_refusals_beside_the_fields(
    http, make_account, ops_login, fake_platform, jwt_secret
):
    admin = await make_account("COMPANY_ADMIN")
    other = str(uuid.uuid4())
    token = csrf_token(jwt_secret, await ops_login(admin))

    page = await http.get("/ops/manage/company")
    assert page.status_code == 200 and 'id="company-form"' in page.text
    assert 'name="etag" value="1"' in page.text

    # A time zone catalog does not know: 400, its message under the field, the rest kept.
    zone = await http.post(
        "/ops/manage/company", data={**fresh(token), **PROFILE, "time_zone": "Mars/Base", "etag": "1"}
    )
    assert zone.status_code == 400, zone.text
    assert 'id="time_zone-error"' in zone.text and "not an IANA time zone" in zone.text
    assert 'value="Mars/Base"' in zone.text and 'value="desk@example.com"' in zone.text
    # Refused by the API's own schema (pydantic) before catalog: an address that is no e-mail.
    email = await http.post(
        "/ops/manage/company", data={**fresh(token), **PROFILE, "contact_email": "no", "etag": "1"}
    )
    assert email.status_code == 400 and 'id="contact_email-error"' in email.text

    # Saved; a company id in the form names no other company for a company admin.
    saved = await http.post(
        "/ops/manage/company", data={**fresh(token), **PROFILE, "etag": "1", "company_id": other}
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == "/ops/manage/company?done=company"
    assert other not in fake_platform.catalog.companies
    stored = fake_platform.catalog.companies[admin.company_id]
    assert (stored.name, stored.time_zone, stored.contact_phone) == (
        "Harbour Yoga",
        "Europe/Paris",
        "+49 30 1234567",
    )
    assert list(stored.allowed_origins) == ["https://shop.example.com", "https://www.example.com"]
    shown = await http.get(saved.headers["location"])
    assert "Company saved." in shown.text and 'value="Harbour Yoga"' in shown.text

    # The version read is stale now: 412, said so, nothing changed.
    stale = await http.post(
        "/ops/manage/company",
        data={**fresh(token), **PROFILE, "name": "Late", "etag": "1"},
    )
    assert stale.status_code == 412 and "Changed by someone else" in stale.text
    assert fake_platform.catalog.companies[admin.company_id].name == "Harbour Yoga"

    # Catalog refuses the currency once it is locked: its reason beside the currency field.
    fake_platform.catalog.currency_locked.add(admin.company_id)
    locked = await http.post(
        "/ops/manage/company",
        data={**fresh(token), **PROFILE, "currency_code": "CHF", "etag": "2"},
    )
    assert locked.status_code == 409, locked.text
    assert "The currency can no longer change" in locked.text
    assert 'id="currency_code-error"' in locked.text
    assert "fixed once it has priced" in locked.text.split('id="currency_code-error"')[1]
    assert 'value="CHF"' in locked.text
    assert fake_platform.catalog.companies[admin.company_id].currency_code == "EUR"


async def test_an_admin_creates_and_archives_extras_and_another_company_s_is_a_404_page(
    http, make_account, ops_login, fake_platform, jwt_secret
):
    admin = await make_account("COMPANY_ADMIN")
    theirs = _extra(fake_platform, str(uuid.uuid4()), "Their towel")
    cookie = await ops_login(admin)
    form = {"csrf_token": csrf_token(jwt_secret, cookie), "request_key": str(uuid.uuid4())}

    bad = await http.post(
        "/ops/manage/extras",
        data={**form, "name": "Breakfast", "price": "12.345", "pricing_unit": "PER_GUEST"},
    )
    assert bad.status_code == 400 and 'id="price-error"' in bad.text
    assert 'value="Breakfast"' in bad.text and '<option value="PER_GUEST" selected>' in bad.text
    unit = await http.post(
        "/ops/manage/extras", data={**form, "name": "Breakfast", "price": "12", "pricing_unit": "PER_YEAR"}
    )
    assert unit.status_code == 400 and 'id="pricing_unit-error"' in unit.text

    created = await http.post(
        "/ops/manage/extras",
        data={**form, "name": "Breakfast", "price": "12.50", "pricing_unit": "PER_GUEST_NIGHT"},
    )
    assert created.status_code == 303 and created.headers["location"] == "/ops/manage/extras?done=extra"
    mine = [e for e in fake_platform.catalog.extras.values() if e.company_id == admin.company_id]
    assert [(e.name, e.price.amount_minor, e.price.currency_code) for e in mine] == [
        ("Breakfast", 1250, "EUR")
    ]
    assert mine[0].pricing_unit == catalog_pb2.PRICING_UNIT_PER_GUEST_NIGHT
    listed = await http.get("/ops/manage/extras?done=extra")
    assert "Extra created." in listed.text and "12.50 EUR a guest and night" in listed.text
    assert "Their towel" not in listed.text

    archive = f"/ops/manage/extras/{mine[0].id}/archive"
    stale = await http.post(archive, data={**form, "etag": "0", "request_key": str(uuid.uuid4())})
    assert stale.status_code == 412 and "Changed by someone else" in stale.text
    archived = await http.post(archive, data={**form, "etag": "1", "request_key": str(uuid.uuid4())})
    assert archived.status_code == 303 and mine[0].HasField("archive_time")
    assert "Breakfast" not in (await http.get("/ops/manage/extras")).text
    assert "archived</span>" in (await http.get("/ops/manage/extras?archived=1")).text

    for path in (f"/ops/manage/extras/{theirs}/archive", f"/ops/manage/extras/{uuid.uuid4()}/archive"):
        reply = await http.post(path, data={**form, "etag": "1", "request_key": str(uuid.uuid4())})
        assert reply.status_code == 404 and "<h1>Not found</h1>" in reply.text, reply.text
    assert not fake_platform.catalog.extras[theirs].HasField("archive_time")


async def test_a_platform_admin_names_the_company(http, make_account, ops_login, fake_platform, jwt_secret):
    root = await make_account("PLATFORM_ADMIN")
    company = str(uuid.uuid4())
    cookie = await ops_login(root)
    form = {"csrf_token": csrf_token(jwt_secret, cookie), "request_key": str(uuid.uuid4())}

    ask = await http.get("/ops/manage/company")
    assert ask.status_code == 200 and "Show its profile" in ask.text
    saved = await http.post(
        "/ops/manage/company", data={**form, **PROFILE, "etag": "1", "company_id": company}
    )
    assert (
        saved.status_code == 303
        and saved.headers["location"] == f"/ops/manage/company?done=company&company_id={company}"
    )
    assert fake_platform.catalog.companies[company].name == "Harbour Yoga"
    unnamed = await http.post("/ops/manage/extras", data={**form, "name": "x", "price": "1"})
    assert unnamed.status_code == 400 and unnamed.json()["code"] == "COMPANY_REQUIRED"


async def test_every_new_form_needs_the_session_s_csrf_token(http, make_account, ops_login, fake_platform):
    admin = await make_account("COMPANY_ADMIN")
    extra = _extra(fake_platform, admin.company_id)
    await ops_login(admin)
    posts = {
        "/ops/manage/company": {**PROFILE, "etag": "1"},
        "/ops/manage/extras": {"name": "x", "price": "1"},
        f"/ops/manage/extras/{extra}/archive": {"etag": "1"},
    }
    for path, data in posts.items():
        for reply in (
            await http.post(path, data=data),
            await http.post(path, data={**data, "csrf_token": "x"}),
        ):
            assert reply.status_code == 403, (path, reply.text)
            assert reply.json()["code"] == "CSRF_TOKEN_INVALID"
    assert admin.company_id not in fake_platform.catalog.companies
