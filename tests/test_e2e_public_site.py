"""The public booking site (gateway.site) on the real platform, over HTTP without a browser:
the company's page and its catalog, the estimator's price from the quote call, a guest booking
whose manage token lands in an HttpOnly, SameSite=Strict cookie scoped to the booking's pages
(never in an address), and the guards: another company's ids, malformed ids, a form without its
CSRF token or with hostile input are 4xx pages, never a 500 nor the API's problem+json.
The browser tests (tests/browser/test_browser_site.py) follow a booking live and cancel one."""

from __future__ import annotations

import re
import time
import uuid
from datetime import date, timedelta

import httpx
import pytest
from google.protobuf import field_mask_pb2
from sqlalchemy import func, text, update

from bookingplatform.bookings.v1 import bookings_pb2
from bookingplatform.catalog.v1 import catalog_pb2
from gateway.site import views
from gateway.tables import users
from tests.conftest import Platform, Tenant, eur

pytestmark = pytest.mark.e2e

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_ID = re.compile(r'name="form_id" value="([^"]+)"')


def _site(platform: Platform) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=platform.gateway_url, timeout=60, follow_redirects=False)


async def _form(http: httpx.AsyncClient, path: str) -> tuple[str, str]:
    page = await http.get(path)
    assert page.status_code == 200, page.text
    csrf = CSRF.search(page.text)
    form_id = FORM_ID.search(page.text)
    assert csrf and form_id, page.text
    return csrf.group(1), form_id.group(1)


async def _describe(platform: Platform, tenant: Tenant) -> None:
    company = catalog_pb2.Company(
        id=tenant.company_id,
        description="Yoga & pilates by the river.",
        address="Am Ufer 3, 10115 Berlin",
        contact_email="hello@studio.test",
    )
    await platform.catalog.UpdateCompany(
        catalog_pb2.UpdateCompanyRequest(
            request_id=str(uuid.uuid4()),
            company=company,
            update_mask=field_mask_pb2.FieldMask(paths=["description", "address", "contact_email"]),
        )
    )


async def test_the_company_page_shows_contact_map_link_catalog_and_sessions(platform, tenant):
    await _describe(platform, tenant)
    session = await tenant.session(capacity=8, price_minor=1500)
    async with _site(platform) as http:
        first_visit = await http.get(f"/site/{tenant.company_id}")
        started = time.perf_counter()
        page = await http.get(f"/site/{tenant.company_id}")
        print(f"site: the company page answered in {(time.perf_counter() - started) * 1000:.0f} ms")
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert "Test Studio" in html and "Yoga &amp; pilates by the river." in html
    assert "https://www.openstreetmap.org/search?query=Am+Ufer+3%2C+10115+Berlin" in html
    assert "hello@studio.test" in html
    assert "Studio" in html and "15.00 EUR per place" in html
    assert f"/site/{tenant.company_id}/book/session/{session.id}" in html
    # The tenant's policy (free cancellation 60 minutes before) in words.
    assert "Cancel at least 1 hour before the start: a full refund." in html
    assert "Less than 1 hour before the start: no refund." in html
    # A visitor gets the CSRF cookie of the site, HttpOnly and SameSite=Strict, path /site.
    cookie = first_visit.headers["set-cookie"].lower()
    assert "set-cookie" not in page.headers  # set once
    assert "site_csrf=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert "path=/site" in cookie


def _session_item(html: str, session_id: str) -> tuple[str, bool]:
    """What the company page's item of a session says of its places, and whether it offers a
    booking link."""
    item = re.search(rf'<li data-session="{session_id}">(.*?)</li>', html, re.S)
    assert item is not None, html
    places = re.search(r'<span class="places[^"]*">\s*(.*?)\s*</span>', item.group(1), re.S)
    return (places.group(1) if places else ""), f"/book/session/{session_id}" in item.group(1)


async def test_the_company_page_says_the_places_left_and_a_full_session_offers_no_booking(platform, tenant):
    roomy = await tenant.session(capacity=10, price_minor=1500, starts_in=timedelta(days=2))
    small = await tenant.session(capacity=3, price_minor=1500, starts_in=timedelta(days=3))
    customer = await tenant.customer(main_minor=10_000)
    first = await customer.book(small.id, quantity=2, use_wallet=True)
    assert first.status_code == 202, first.text
    async with _site(platform) as http:
        two_booked = (await http.get(f"/site/{tenant.company_id}")).text
        listed = await http.get("/v1/sessions", params={"company_id": tenant.company_id})
        last = await customer.book(small.id, quantity=1, use_wallet=True)
        assert last.status_code == 202, last.text
        await customer.wait_for(last.json()["id"], "CONFIRMED")
        sold_out = (await http.get(f"/site/{tenant.company_id}")).text
        one = await http.get(f"/v1/sessions/{small.id}")
        full_form = await http.get(f"/site/{tenant.company_id}/book/session/{small.id}")
        roomy_form = await http.get(f"/site/{tenant.company_id}/book/session/{roomy.id}")

    assert _session_item(two_booked, small.id) == ("1 place left", True)
    assert _session_item(two_booked, roomy.id) == ("10 places left", True)
    assert _session_item(sold_out, small.id) == ("Full", False)
    assert _session_item(sold_out, roomy.id) == ("10 places left", True)
    # The public API says the same to an app.
    assert listed.status_code == 200, listed.text
    assert {s["id"]: s["places_left"] for s in listed.json()["sessions"]} == {roomy.id: 10, small.id: 1}
    assert (one.status_code, one.json()["places_left"], one.json()["capacity"]) == (200, 0, 3)
    # The full session's booking page says so and offers no form; another one's says its places.
    assert full_form.status_code == 200, full_form.text
    assert "This session is full." in full_form.text and 'id="book"' not in full_form.text
    assert "10 places left" in roomy_form.text and 'id="book"' in roomy_form.text


async def test_the_estimator_prices_places_and_extras_by_the_quote(platform, tenant):
    session = await tenant.session(capacity=8, price_minor=1500)
    path = f"/site/{tenant.company_id}/book/session/{session.id}"
    async with _site(platform) as http:
        csrf, form_id = await _form(http, path)
        # htmx asks for the quote part only.
        started = time.perf_counter()
        quoted = await http.post(
            path,
            data={
                "csrf_token": csrf,
                "form_id": form_id,
                "action": "quote",
                "quantity": "3",
                "extra": f"{tenant.extra_id}:2",
            },
            headers={"HX-Request": "true"},
        )
        assert quoted.status_code == 200, quoted.text
        print(f"site: the quote part answered in {(time.perf_counter() - started) * 1000:.0f} ms")
        assert quoted.text.lstrip().startswith('<section id="quote"')
        assert "45.00 EUR" in quoted.text  # 3 x 15.00
        assert "6.00 EUR" in quoted.text  # Mat hire 3.00 x 2
        assert "51.00 EUR" in quoted.text
        # Without JavaScript: the whole page, the choice kept.
        page = await http.post(
            path,
            data={"csrf_token": csrf, "form_id": form_id, "action": "quote", "quantity": "2", "name": "Ada"},
        )
        assert page.status_code == 200
        assert "30.00 EUR" in page.text and 'value="Ada"' in page.text
        # No places: the refusal in words in the quote's place, not an error page.
        refused = await http.post(
            path,
            data={"csrf_token": csrf, "action": "quote", "quantity": "0"},
            headers={"HX-Request": "true"},
        )
        assert refused.status_code == 200
        assert 'role="alert"' in refused.text


async def test_a_guest_books_and_the_manage_token_is_only_in_a_scoped_cookie(platform, tenant):
    session = await tenant.session(capacity=8, price_minor=1500)
    path = f"/site/{tenant.company_id}/book/session/{session.id}"
    async with _site(platform) as http:
        csrf, form_id = await _form(http, path)
        form = {
            "csrf_token": csrf,
            "form_id": form_id,
            "action": "book",
            "quantity": "1",
            "name": "Ada Guest",
            "email": f"ada-{uuid.uuid4().hex[:8]}@example.com",
            "card": "4242 4242 4242 4242",
        }
        booked = await http.post(path, data=form)
        assert booked.status_code == 303, booked.text
        location = booked.headers["location"]
        assert re.fullmatch(rf"/site/{tenant.company_id}/bookings/[0-9a-f-]{{36}}", location), location
        cookie = booked.headers["set-cookie"]
        assert cookie.startswith("site_manage=")
        lowered = cookie.lower()
        assert "httponly" in lowered and "samesite=strict" in lowered and f"path={location}" in lowered
        token = cookie.split(";")[0].removeprefix("site_manage=")
        assert token not in location
        # The same form sent twice books once.
        again = await http.post(path, data=form)
        assert again.headers["location"] == location

        page = await http.get(location)
        assert page.status_code == 200, page.text
        assert "Your booking" in page.text and token not in page.text
        assert f'sse-connect="{location}/events"' in page.text

        # Another browser (no cookie) sees nothing of it.
        async with _site(platform) as stranger:
            for suffix in ("", "/events", "/cancel", "/authenticate"):
                refused = await stranger.get(location + suffix)
                assert refused.status_code == 404, (suffix, refused.text)
        # The cookie is not good under another company's address.
        other = (
            await platform.catalog.CreateCompany(
                catalog_pb2.CreateCompanyRequest(
                    request_id=str(uuid.uuid4()), name="Other", time_zone="UTC", currency_code="EUR"
                )
            )
        ).company
        moved = location.replace(tenant.company_id, other.id)
        http.cookies.set("site_manage", token, path=moved)
        assert (await http.get(moved)).status_code == 404


async def test_a_guest_opens_the_booking_in_another_browser_with_its_reference_and_e_mail(platform, tenant):
    session = await tenant.session(capacity=8, price_minor=1500)
    path = f"/site/{tenant.company_id}/book/session/{session.id}"
    email = f"Ada-{uuid.uuid4().hex[:8]}@Example.com"
    async with _site(platform) as http:
        csrf, form_id = await _form(http, path)
        booked = await http.post(
            path,
            data={
                "csrf_token": csrf,
                "form_id": form_id,
                "action": "book",
                "quantity": "1",
                "name": "Ada Guest",
                "email": email,
                "card": "4242 4242 4242 4242",
            },
        )
        assert booked.status_code == 303, booked.text
    location = booked.headers["location"]
    reference = location.rsplit("/", 1)[1]
    find = f"/site/{tenant.company_id}/find"
    other_company = (
        await platform.catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()), name="Other", time_zone="UTC", currency_code="EUR"
            )
        )
    ).company

    async with _site(platform) as phone:
        assert (await phone.get(location)).status_code == 404  # no cookie in this browser yet
        form = await phone.get(find, params={"reference": reference})
        assert form.status_code == 200 and f'value="{reference}"' in form.text
        csrf = CSRF.search(form.text)
        assert csrf
        # A wrong address, an unknown reference, a malformed one and another company's site: one
        # answer, no cookie.
        for where, fields in [
            (find, {"reference": reference, "email": "someone@example.com"}),
            (find, {"reference": str(uuid.uuid4()), "email": email}),
            (find, {"reference": "x' OR 1=1 --", "email": email}),
            (f"/site/{other_company.id}/find", {"reference": reference, "email": email}),
        ]:
            refused = await phone.post(where, data={"csrf_token": csrf.group(1), **fields})
            assert refused.status_code == 400, (fields, refused.text)
            assert "No booking matches this reference and e-mail address." in refused.text
            assert "set-cookie" not in refused.headers or "site_manage" not in refused.headers["set-cookie"]
        # Without the CSRF token nothing is looked up.
        assert (await phone.post(find, data={"reference": reference, "email": email})).status_code == 403

        # The right address (any case): the booking's own manage cookie, then its page.
        found = await phone.post(
            find, data={"csrf_token": csrf.group(1), "reference": reference.upper(), "email": email.lower()}
        )
        assert found.status_code == 303, found.text
        assert found.headers["location"] == location
        cookie = found.headers["set-cookie"].lower()
        assert cookie.startswith("site_manage=") and f"path={location}" in cookie and "httponly" in cookie
        page = await phone.get(location)
        assert page.status_code == 200 and "Your booking" in page.text
        assert (await phone.get(location + "/cancel")).status_code == 200


async def test_guessing_a_booking_s_e_mail_is_rate_limited(platform, tenant):
    reference = str(uuid.uuid4())  # counted whether or not it names a booking: nothing to learn
    find = f"/site/{tenant.company_id}/find"
    async with _site(platform) as http:
        csrf = CSRF.search((await http.get(find)).text)
        assert csrf
        answers = [
            (
                await http.post(
                    find,
                    data={
                        "csrf_token": csrf.group(1),
                        "reference": reference,
                        "email": f"guess{n}@example.com",
                    },
                )
            )
            for n in range(7)
        ]
    # GATEWAY_GUEST_BOOKING_LIMIT_PER_EMAIL (5/hour) counts the tries on one reference.
    assert [answer.status_code for answer in answers] == [400] * 5 + [429] * 2
    assert "Too many attempts" in answers[-1].text and int(answers[-1].headers["retry-after"]) > 0


async def test_other_companies_ids_and_malformed_ids_are_404_pages(platform, tenant):
    other = (
        await platform.catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()), name="Other", time_zone="UTC", currency_code="EUR"
            )
        )
    ).company
    resource = (
        await platform.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=other.id,
                name="Elsewhere",
                booking_model=catalog_pb2.BOOKING_MODEL_NIGHTLY,
            )
        )
    ).resource
    session = await tenant.session()
    me = tenant.company_id
    async with _site(platform) as http:
        for path in (
            f"/site/{uuid.uuid4()}",
            "/site/not-a-company",
            f"/site/{me}/book/session/{uuid.uuid4()}",
            f"/site/{me}/book/session/nope",
            f"/site/{me}/book/resource/{resource.id}",  # the other company's
            f"/site/{other.id}/book/session/{session.id}",  # mine under the other company
            f"/site/{me}/book/resource/{tenant.resource_id}",  # a time-slot resource has sessions
            f"/site/{me}/book/elsewhere/{session.id}",
            f"/site/{me}/bookings/{uuid.uuid4()}",
            f"/site/{me}/bookings/not-a-booking",
        ):
            page = await http.get(path)
            assert page.status_code in (400, 404), (path, page.status_code, page.text)
            assert page.headers["content-type"].startswith("text/html"), (path, page.text)
            if page.status_code == 404:
                assert "Not found" in page.text


async def test_forms_without_csrf_or_with_hostile_input_are_4xx_pages(platform, tenant):
    session = await tenant.session()
    path = f"/site/{tenant.company_id}/book/session/{session.id}"
    async with _site(platform) as http:
        csrf, form_id = await _form(http, path)
        base = {
            "form_id": form_id,
            "action": "book",
            "quantity": "1",
            "name": "Eve",
            "email": "eve@example.com",
        }
        # No token, a wrong token, and a token without its cookie: 403.
        assert (await http.post(path, data={**base, "card": "tok_visa"})).status_code == 403
        assert (
            await http.post(path, data={**base, "card": "tok_visa", "csrf_token": "x" * 43})
        ).status_code == 403
        async with _site(platform) as stranger:
            foreign = await stranger.post(path, data={**base, "card": "tok_visa", "csrf_token": csrf})
        assert foreign.status_code == 403 and "This form cannot be accepted" in foreign.text
        good = {**base, "csrf_token": csrf, "card": "tok_visa"}
        cases = [
            ({**good, "quantity": "abc"}, 400, "Places must be a whole number."),
            ({**good, "quantity": "-3"}, 400, "Places must be between"),
            ({**good, "email": "not-an-address"}, 400, "Enter a valid e-mail address."),
            ({**good, "name": "   "}, 400, "Enter your name."),
            ({**good, "name": "Eve\r\nBcc: victim@example.com"}, 400, "Enter your name."),
            ({**good, "card": ""}, 400, "Enter the card number."),
            ({**good, "form_id": "'; drop table"}, 400, "This form has expired"),
            ({**good, "extra": "<script>:1"}, None, None),  # an unknown extra is ignored
        ]
        for data, status, text in cases:
            answer = await http.post(path, data={**data, "action": "quote" if status is None else "book"})
            if status is None:
                assert answer.status_code == 200 and "<script>" not in answer.text
                continue
            assert answer.status_code == status, (data, answer.text)
            assert text in answer.text, (data, answer.text)
        # Not a form, too large, too many fields, not UTF-8.
        for content, headers, status in (
            (b"quantity=1", {"Content-Type": "application/json"}, 415),
            (b"a=" + b"x" * 9000, {"Content-Type": "application/x-www-form-urlencoded"}, 413),
            (
                b"&".join(b"f%d=1" % i for i in range(60)),
                {"Content-Type": "application/x-www-form-urlencoded"},
                400,
            ),
            (b"csrf_token=\xff\xfe", {"Content-Type": "application/x-www-form-urlencoded"}, 400),
        ):
            answer = await http.post(path, content=content, headers=headers)
            assert answer.status_code == status, (content[:40], answer.text)
            assert answer.headers["content-type"].startswith("text/html")
        # Unknown query parameters stay the gateway's 400.
        assert (await http.get(path + "?evil=1")).status_code == 400


async def test_a_nightly_resource_is_priced_from_dates_and_its_availability_shown(platform, tenant):
    resource = (
        await platform.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=tenant.company_id,
                name="River cabin",
                booking_model=catalog_pb2.BOOKING_MODEL_NIGHTLY,
                policy=catalog_pb2.ResourcePolicy(
                    cancellation_windows=[
                        catalog_pb2.CancellationWindow(minutes_before_start=7 * 24 * 60, refund_percent=100),
                        catalog_pb2.CancellationWindow(minutes_before_start=2 * 24 * 60, refund_percent=50),
                    ]
                ),
            )
        )
    ).resource
    await platform.catalog.CreateUnit(
        catalog_pb2.CreateUnitRequest(request_id=str(uuid.uuid4()), resource_id=resource.id, name="Cabin 1")
    )
    await platform.catalog.CreateRatePlan(
        catalog_pb2.CreateRatePlanRequest(
            request_id=str(uuid.uuid4()),
            resource_id=resource.id,
            name="Standard",
            default_nightly_price=eur(9000),
        )
    )
    check_in = date.today() + timedelta(days=20)
    check_out = check_in + timedelta(days=2)
    async with _site(platform) as http:
        home = await http.get(f"/site/{tenant.company_id}")
        assert "River cabin" in home.text, home.text
        assert "units free" in home.text, home.text
        assert "Cancel at least 7 days before the start: a full refund." in home.text
        assert "Cancel at least 2 days before the start: 50% refunded." in home.text
        page = await http.get(
            f"/site/{tenant.company_id}/book/resource/{resource.id}",
            params={"check_in": check_in.isoformat(), "check_out": check_out.isoformat(), "guests": "2"},
        )
        assert page.status_code == 200, page.text
        assert "180.00 EUR" in page.text, page.text
        wrong = await http.get(
            f"/site/{tenant.company_id}/book/resource/{resource.id}",
            params={"check_in": "yesterday", "check_out": check_out.isoformat()},
        )
        assert wrong.status_code == 200 and "Choose the check-in date." in wrong.text


async def _email_of(platform: Platform, customer_id: str) -> str:
    reply = await platform.catalog.GetCustomer(catalog_pb2.GetCustomerRequest(customer_id=customer_id))
    return reply.customer.email


async def _sign_in(http: httpx.AsyncClient, company_id: str, email: str, password: str) -> httpx.Response:
    login = f"/site/{company_id}/account/login"
    page = await http.get(login)
    assert page.status_code == 200, page.text
    csrf = CSRF.search(page.text)
    assert csrf
    return await http.post(login, data={"csrf_token": csrf.group(1), "email": email, "password": password})


async def test_a_customer_signs_in_pays_by_wallet_and_pass_and_sees_the_account(platform, tenant):
    ann = await tenant.customer(main_minor=5000)
    email = await _email_of(platform, ann.id)
    session = await tenant.session(capacity=8, price_minor=1500)
    me = tenant.company_id
    async with _site(platform) as http:
        wrong = await _sign_in(http, me, email, "not-the-password")
        assert wrong.status_code == 401 and "The e-mail or the password is wrong." in wrong.text
        signed = await _sign_in(http, me, email, "secret-pass")
        assert signed.status_code == 303 and signed.headers["location"] == f"/site/{me}/account"
        cookie = signed.headers["set-cookie"].lower()
        assert cookie.startswith("site_session=") and "httponly" in cookie and "samesite=strict" in cookie
        assert f"path=/site/{me}" in cookie

        account = await http.get(f"/site/{me}/account")
        assert account.status_code == 200, account.text
        assert "50.00 EUR" in account.text and "No bookings yet." in account.text

        # Pay from the wallet: no name, e-mail nor card asked.
        path = f"/site/{me}/book/session/{session.id}"
        form_page = await http.get(path)
        assert "From my wallet (balance 50.00 EUR)" in form_page.text and 'name="email"' not in form_page.text
        csrf, form_id = await _form(http, path)
        booked = await http.post(
            path,
            data={"csrf_token": csrf, "form_id": form_id, "action": "book", "quantity": "2", "pay": "wallet"},
        )
        assert booked.status_code == 303, booked.text
        location = booked.headers["location"]
        assert "set-cookie" not in booked.headers  # the session reaches the booking's pages
        booking_id = location.rsplit("/", 1)[1]
        done = await ann.wait_for(booking_id, "CONFIRMED")
        assert done["wallet_debited"]["amount_minor"] == 3000
        page = await http.get(location)
        assert page.status_code == 200 and "CONFIRMED" in page.text
        account = await http.get(f"/site/{me}/account")
        assert "20.00 EUR" in account.text and f"booking-{booking_id}" in account.text
        assert "-30.00 EUR" in account.text  # the ledger's debit

        # With a pass.
        await tenant.grant_pass(ann.id, credits=5)
        form_page = await http.get(path)
        assert "With my pass (5 credits left" in form_page.text
        entitlement = re.search(r'name="pay" value="pass:([0-9a-f-]{36})"', form_page.text)
        assert entitlement
        csrf, form_id = await _form(http, path)
        booked = await http.post(
            path,
            data={
                "csrf_token": csrf,
                "form_id": form_id,
                "action": "book",
                "quantity": "1",
                "pay": f"pass:{entitlement.group(1)}",
            },
        )
        assert booked.status_code == 303, booked.text
        done = await ann.wait_for(booked.headers["location"].rsplit("/", 1)[1], "CONFIRMED")
        assert done["pass_covered"]["amount_minor"] == 1500
        # A pass pays for places in sessions only: a rental's form does not offer it.
        kayak = (
            await platform.catalog.CreateResource(
                catalog_pb2.CreateResourceRequest(
                    request_id=str(uuid.uuid4()),
                    company_id=me,
                    name="Kayak",
                    booking_model=catalog_pb2.BOOKING_MODEL_INTERVAL,
                    hourly_rate=eur(1000),
                )
            )
        ).resource
        rental_form = await http.get(f"/site/{me}/book/resource/{kayak.id}")
        assert rental_form.status_code == 200, rental_form.text
        assert "From my wallet" in rental_form.text and "With my pass" not in rental_form.text
        assert "With my pass (4 credits left" in (await http.get(path)).text
        # Someone else's booking is not reachable with my session; a bad payment choice is said.
        bob = await tenant.customer(main_minor=5000)
        theirs = await bob.book(session.id, use_wallet=True)
        assert (await http.get(f"/site/{me}/bookings/{theirs.json()['id']}")).status_code == 404
        csrf, form_id = await _form(http, path)
        bad = await http.post(
            path, data={"csrf_token": csrf, "form_id": form_id, "action": "book", "pay": "pass:../../x"}
        )
        assert bad.status_code == 400 and "Choose how to pay." in bad.text

        # Signing out ends it.
        csrf, _ = await _form(http, path)
        out = await http.post(f"/site/{me}/account/logout", data={"csrf_token": csrf})
        assert out.status_code == 303
        assert (await http.get(f"/site/{me}/account")).headers["location"] == f"/site/{me}/account/login"


async def _cancel_says(http: httpx.AsyncClient, company_id: str, booking_id: str) -> str:
    page = await http.get(f"/site/{company_id}/bookings/{booking_id}/cancel")
    assert page.status_code == 200, page.text
    found = re.search(r'<section class="refund".*?</section>', page.text, re.S)
    assert found, page.text
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0))).replace(" ,", ",").strip()


async def _cancel_by_page(http: httpx.AsyncClient, platform: Platform, company_id: str, booking_id: str):
    path = f"/site/{company_id}/bookings/{booking_id}/cancel"
    csrf, form_id = await _form(http, path)
    done = await http.post(path, data={"csrf_token": csrf, "form_id": form_id})
    assert done.status_code == 303, done.text
    reply = await platform.bookings.GetBooking(bookings_pb2.GetBookingRequest(booking_id=booking_id))
    return reply.booking.refund


async def test_the_cancel_page_says_what_comes_back_at_the_desk_and_on_the_pass(platform, tenant):
    # The page once said "Nothing was paid, so there is nothing to refund" for both: the
    # cancellation then gave the cash back at the desk, and the pass's credit back.
    ann = await tenant.customer()
    email = await _email_of(platform, ann.id)
    session = await tenant.session(capacity=8, price_minor=1500)  # in 2 days: a full refund
    staff_email = f"desk-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(
        email=staff_email, password="desk-pass", role="STAFF", company_id=tenant.company_id
    )
    async with _site(platform) as http:
        token = await http.post("/v1/auth/token", json={"email": staff_email, "password": "desk-pass"})
        assert token.status_code == 200, token.text
        cash = await http.post(
            "/v1/admin/bookings",
            json={"customer_id": ann.id, "session_id": session.id, "payment": {"desk": "CASH"}},
            headers={
                "Authorization": f"Bearer {token.json()['access_token']}",
                "Idempotency-Key": str(uuid.uuid4()),
            },
        )
        assert cash.status_code == 202, cash.text
        entitlement = await tenant.grant_pass(ann.id, credits=5)
        with_pass = await ann.book(session.id, entitlement_id=entitlement)
        assert with_pass.status_code == 202, with_pass.text
        await ann.wait_for(with_pass.json()["id"], "CONFIRMED")
        assert (await _sign_in(http, tenant.company_id, email, "secret-pass")).status_code == 303

        said = await _cancel_says(http, tenant.company_id, cash.json()["id"])
        assert "If you cancel now: 100% refund, 15.00 EUR to collect at the front desk." in said, said
        assert "Nothing was paid" not in said and "to your card" not in said
        refund = await _cancel_by_page(http, platform, tenant.company_id, cash.json()["id"])
        assert (refund.percent, refund.desk_minor) == (100, 1500)

        said = await _cancel_says(http, tenant.company_id, with_pass.json()["id"])
        assert "If you cancel now: 100% refund, 1 pass credit back on your pass." in said, said
        assert "Nothing was paid" not in said
        refund = await _cancel_by_page(http, platform, tenant.company_id, with_pass.json()["id"])
        assert (refund.percent, refund.credits) == (100, 1)


async def test_a_cancelled_wallet_paid_booking_s_page_says_the_refund_went_to_the_wallet(platform, tenant):
    # The page said "Refund (100%): 0.00 EUR to your card — done" while the refund, the balance
    # and the e-mail were the wallet's.
    ann = await tenant.customer(main_minor=5000)
    email = await _email_of(platform, ann.id)
    made = await ann.book((await tenant.session(capacity=8, price_minor=2000)).id, use_wallet=True)
    assert made.status_code == 202, made.text
    booking_id = made.json()["id"]
    await ann.wait_for(booking_id, "CONFIRMED")
    async with _site(platform) as http:
        assert (await _sign_in(http, tenant.company_id, email, "secret-pass")).status_code == 303
        refund = await _cancel_by_page(http, platform, tenant.company_id, booking_id)
        assert (refund.percent, refund.wallet_minor, refund.card_minor) == (100, 2000, 0)
        done = await ann.wait_for(booking_id, "CANCELLED")
        assert done["refund"]["status"] == "REFUNDED", done
        page = await http.get(f"/site/{tenant.company_id}/bookings/{booking_id}")
    assert page.status_code == 200, page.text
    assert "Refund (100%): 20.00 EUR to your wallet — done" in page.text, page.text
    assert "to your card" not in page.text
    assert "the only place to manage this booking" not in page.text  # said to guests only


async def _set_refund(platform: Platform, resource_id: str, percent: int) -> None:
    resource = catalog_pb2.Resource(
        id=resource_id,
        policy=catalog_pb2.ResourcePolicy(
            cancellation_windows=[
                catalog_pb2.CancellationWindow(minutes_before_start=0, refund_percent=percent)
            ]
        ),
    )
    await platform.catalog.UpdateResource(
        catalog_pb2.UpdateResourceRequest(
            request_id=str(uuid.uuid4()),
            resource=resource,
            update_mask=field_mask_pb2.FieldMask(paths=["policy"]),
        )
    )


async def test_the_cancel_page_promises_the_refund_by_the_booking_s_own_terms(platform, tenant):
    # Booked while the policy gave nothing back; the policy then gives everything back: the
    # cancellation refunds by the windows the booking saved (0 %), and so must the page.
    ann = await tenant.customer(main_minor=5000)
    email = await _email_of(platform, ann.id)
    session = await tenant.session(capacity=8, price_minor=1500)
    await _set_refund(platform, tenant.resource_id, 0)
    made = await ann.book(session.id, use_wallet=True)
    assert made.status_code == 202, made.text
    await ann.wait_for(made.json()["id"], "CONFIRMED")
    await _set_refund(platform, tenant.resource_id, 100)
    async with _site(platform) as http:
        assert (await _sign_in(http, tenant.company_id, email, "secret-pass")).status_code == 303
        said = await _cancel_says(http, tenant.company_id, made.json()["id"])
        refund = await _cancel_by_page(http, platform, tenant.company_id, made.json()["id"])
    assert (refund.percent, refund.wallet_minor) == (0, 0)
    assert "no refund" in said and "15.00 EUR" not in said, said


async def test_the_cancel_page_and_the_api_show_bookings_answer_for_a_booking_that_saved_no_terms(
    platform, tenant
):
    # A booking made before bookings saved its windows is refunded by its free-cancellation
    # deadline (passed here: nothing back), not by the resource's policy of today (everything
    # back): the page's own copy of the rule said 100 %, bookings' cancellation gave 0 %.
    ann = await tenant.customer(main_minor=5000)
    email = await _email_of(platform, ann.id)
    session = await tenant.session(capacity=8, price_minor=1500)
    await _set_refund(platform, tenant.resource_id, 100)
    made = await ann.book(session.id, use_wallet=True)
    assert made.status_code == 202, made.text
    booking_id = made.json()["id"]
    await ann.wait_for(booking_id, "CONFIRMED")
    async with platform.db.transaction() as conn:
        await conn.execute(
            text(
                "UPDATE bookings.bookings SET cancellation_windows = '[]',"
                " free_cancellation_until = now() - interval '1 hour' WHERE id = :id"
            ),
            {"id": booking_id},
        )
    preview = await ann.http.get(f"/v1/bookings/{booking_id}/cancellation-preview")
    assert preview.status_code == 200, preview.text
    assert preview.json()["percent"] == 0 and preview.json()["wallet"]["amount_minor"] == 0
    async with _site(platform) as http:
        assert (await _sign_in(http, tenant.company_id, email, "secret-pass")).status_code == 303
        said = await _cancel_says(http, tenant.company_id, booking_id)
        refund = await _cancel_by_page(http, platform, tenant.company_id, booking_id)
    assert (refund.percent, refund.wallet_minor) == (0, 0)
    assert "no refund" in said and "15.00 EUR" not in said, said


async def test_the_api_previews_the_refund_of_my_booking_only_and_refuses_in_problem_json(platform, tenant):
    ann, bob = await tenant.customer(main_minor=5000), await tenant.customer()
    made = await ann.book((await tenant.session(capacity=8, price_minor=1500)).id, use_wallet=True)
    assert made.status_code == 202, made.text
    booking_id = made.json()["id"]
    await ann.wait_for(booking_id, "CONFIRMED")
    path = f"/v1/bookings/{booking_id}/cancellation-preview"

    preview = await ann.http.get(path)
    not_mine = await bob.http.get(path)
    malformed = await ann.http.get("/v1/bookings/not-a-uuid/cancellation-preview")
    cancelled = await ann.cancel(booking_id)
    assert cancelled.status_code == 202, cancelled.text
    after = await ann.http.get(path)
    booking = await ann.wait_for(booking_id, "CANCELLING", "CANCELLED")

    body = preview.json()
    # The tenant's policy: free cancellation until an hour before; the session is days ahead.
    assert preview.status_code == 200 and body["percent"] == 100, preview.text
    assert body["wallet"] == {"amount_minor": 1500, "currency_code": "EUR"}
    assert body["card"]["amount_minor"] == body["at_desk"]["amount_minor"] == body["credits"] == 0
    assert (booking["refund"]["percent"], booking["refund"]["wallet"]) == (body["percent"], body["wallet"])
    for refused, status, code in (
        (not_mine, 404, "BOOKING_NOT_FOUND"),
        (after, 409, "BOOKING_NOT_CANCELLABLE"),
        (malformed, 400, None),
    ):
        assert refused.status_code == status, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert code is None or refused.json()["code"] == code


async def test_a_copy_of_the_site_cookie_kept_from_before_signing_out_opens_nothing(platform, tenant):
    """Signing out ends the session on the server: the cookie copied before (a shared computer, a
    proxy's log) no longer opens the account nor pays from the wallet; it is a guest's."""
    ann = await tenant.customer(main_minor=5000)
    email = await _email_of(platform, ann.id)
    session = await tenant.session(capacity=8, price_minor=1500)
    me = tenant.company_id
    path = f"/site/{me}/book/session/{session.id}"
    async with _site(platform) as http:
        assert (await _sign_in(http, me, email, "secret-pass")).status_code == 303
        kept = http.cookies["site_session"]
        assert "From my wallet (balance 50.00 EUR)" in (await http.get(path)).text
        csrf, _ = await _form(http, path)
        out = await http.post(f"/site/{me}/account/logout", data={"csrf_token": csrf})
        assert out.status_code == 303
    async with _site(platform) as thief:
        thief.cookies.set("site_session", kept, path=f"/site/{me}")
        account = await thief.get(f"/site/{me}/account")
        assert account.status_code == 303 and account.headers["location"] == f"/site/{me}/account/login"
        form_page = await thief.get(path)
        assert form_page.status_code == 200, form_page.text
        assert "From my wallet" not in form_page.text and "Signed in as" not in form_page.text
        assert 'name="email"' in form_page.text  # the guest's form
        csrf, form_id = await _form(thief, path)
        refused = await thief.post(
            path,
            data={"csrf_token": csrf, "form_id": form_id, "action": "book", "quantity": "1", "pay": "wallet"},
        )
        assert refused.status_code == 400 and "Enter your name." in refused.text


async def test_a_rate_limited_guest_booking_says_the_limiter_s_wait_and_carries_retry_after(platform, tenant):
    session = await tenant.session(capacity=8, price_minor=1500)
    path = f"/site/{tenant.company_id}/book/session/{session.id}"
    async with _site(platform) as http:
        csrf, form_id = await _form(http, path)
        form = {
            "csrf_token": csrf,
            "form_id": form_id,
            "action": "book",
            "quantity": "1",
            "name": "Ada Guest",
            "email": f"ada-{uuid.uuid4().hex[:8]}@example.com",
            "card": "4242 4242 4242 4242",
        }
        # Every attempt counts, the same form sent again too (it books once).
        answers = [await http.post(path, data=form) for _ in range(6)]
    # GATEWAY_GUEST_BOOKING_LIMIT_PER_EMAIL: 5/hour.
    assert [answer.status_code for answer in answers] == [303] * 5 + [429], answers[-1].text
    refused = answers[-1]
    wait = int(refused.headers["retry-after"])
    assert 3000 < wait <= 3600  # the hour's window, from the first attempt
    assert f"Too many booking attempts: try again in {views.wait(wait)}." in refused.text
    assert "a minute" not in refused.text


async def test_only_this_company_s_customers_sign_in_to_its_site(platform, tenant):
    ann = await tenant.customer()
    email = await _email_of(platform, ann.id)
    other = (
        await platform.catalog.CreateCompany(
            catalog_pb2.CreateCompanyRequest(
                request_id=str(uuid.uuid4()), name="Other", time_zone="UTC", currency_code="EUR"
            )
        )
    ).company
    staff = f"staff-{uuid.uuid4().hex[:8]}@example.com"
    await platform.users.create_user(
        email=staff, password="secret-pass", role="STAFF", company_id=tenant.company_id
    )
    async with _site(platform) as http:
        assert (await _sign_in(http, other.id, email, "secret-pass")).status_code == 401
        assert (await _sign_in(http, tenant.company_id, staff, "secret-pass")).status_code == 401
        signed = await _sign_in(http, tenant.company_id, email, "secret-pass")
        assert signed.status_code == 303
        token = signed.headers["set-cookie"].split(";")[0].removeprefix("site_session=")
        # The cookie under the other company's site is nobody there.
        http.cookies.set("site_session", token, path=f"/site/{other.id}")
        assert (await http.get(f"/site/{other.id}/account")).headers["location"] == (
            f"/site/{other.id}/account/login"
        )
        # Not an API token either.
        api = await http.get("/v1/bookings", headers={"Authorization": f"Bearer {token}"})
        assert api.status_code == 401
        # A password change (over the API, elsewhere) signs the site out too.
        assert (await http.get(f"/site/{tenant.company_id}/account")).status_code == 200
        changed = await ann.http.post(
            "/v1/auth/password", json={"current_password": "secret-pass", "new_password": "secret-pass-2"}
        )
        assert changed.status_code == 204, changed.text
        assert (await http.get(f"/site/{tenant.company_id}/account")).headers["location"] == (
            f"/site/{tenant.company_id}/account/login"
        )
        assert (await _sign_in(http, tenant.company_id, email, "secret-pass-2")).status_code == 303
        # A deactivated account's cookie opens nothing any more.
        assert (await http.get(f"/site/{tenant.company_id}/account")).status_code == 200
        user = await platform.users.get_by_email(email, company_id=tenant.company_id)
        assert user is not None
        async with platform.db.transaction() as conn:
            await conn.execute(update(users).where(users.c.id == user.id).values(deactivated_at=func.now()))
        assert (await http.get(f"/site/{tenant.company_id}/account")).headers["location"] == (
            f"/site/{tenant.company_id}/account/login"
        )


async def test_a_customer_pays_later_and_settles_the_amount_due_by_card(platform, tenant):
    ann = await tenant.customer(main_minor=1000)
    email = await _email_of(platform, ann.id)
    session = await tenant.session(capacity=8, price_minor=1500)
    me = tenant.company_id
    async with _site(platform) as http:
        assert (await _sign_in(http, me, email, "secret-pass")).status_code == 303
        path = f"/site/{me}/book/session/{session.id}"
        csrf, form_id = await _form(http, path)
        booked = await http.post(
            path,
            data={
                "csrf_token": csrf,
                "form_id": form_id,
                "action": "book",
                "quantity": "1",
                "pay": "wallet",
                "pay_later": "on",
            },
        )
        assert booked.status_code == 303, booked.text
        location = booked.headers["location"]
        due = await ann.wait_for(location.rsplit("/", 1)[1], "PENDING_PAYMENT")
        owed = due["amount_due"]["amount_minor"]
        assert owed > 0
        page = await http.get(location)
        assert f"Still to pay: <strong>{owed // 100}.{owed % 100:02d} EUR</strong>" in page.text
        assert f'href="{location}/settle"' in page.text
        csrf, form_id = await _form(http, location + "/settle")
        declined = await http.post(
            location + "/settle", data={"csrf_token": csrf, "form_id": form_id, "card": ""}
        )
        assert declined.status_code == 400 and "Enter the card number." in declined.text
        paid = await http.post(
            location + "/settle", data={"csrf_token": csrf, "form_id": form_id, "card": "4242424242424242"}
        )
        assert paid.status_code == 303 and paid.headers["location"] == location
        await ann.wait_for(location.rsplit("/", 1)[1], "CONFIRMED")
        # Without the CSRF token nothing is paid.
        assert (await http.post(location + "/settle", data={"card": "4242424242424242"})).status_code == 403


async def test_an_interval_resource_is_priced_from_local_times_and_booked_by_a_guest(platform, tenant):
    resource = (
        await platform.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=tenant.company_id,
                name="Kayak",
                booking_model=catalog_pb2.BOOKING_MODEL_INTERVAL,
                hourly_rate=eur(1200),
            )
        )
    ).resource
    day = date.today() + timedelta(days=10)
    path = f"/site/{tenant.company_id}/book/resource/{resource.id}"
    # datetime-local values, in the company's zone (Europe/Berlin).
    start, end = f"{day.isoformat()}T10:00", f"{day.isoformat()}T12:00"
    async with _site(platform) as http:
        home = await http.get(f"/site/{tenant.company_id}")
        assert "Kayak" in home.text and "12.00 EUR per hour" in home.text and "hours free" in home.text
        page = await http.get(path, params={"start": start, "end": end})
        assert page.status_code == 200, page.text
        assert "24.00 EUR" in page.text, page.text
        csrf, form_id = await _form(http, path)
        booked = await http.post(
            path,
            data={
                "csrf_token": csrf,
                "form_id": form_id,
                "action": "book",
                "start": start,
                "end": end,
                "name": "Kim Guest",
                "email": f"kim-{uuid.uuid4().hex[:8]}@example.com",
                "card": "tok_visa",
            },
        )
        assert booked.status_code == 303, booked.text
        shown = await http.get(booked.headers["location"])
        assert "10:00" in shown.text and "12:00" in shown.text and "24.00 EUR" in shown.text
        # The same hours again: taken; the form says why, the choice kept.
        csrf, form_id = await _form(http, path)
        again = await http.post(
            path,
            data={
                "csrf_token": csrf,
                "form_id": form_id,
                "action": "book",
                "start": start,
                "end": end,
                "name": "Lee Guest",
                "email": f"lee-{uuid.uuid4().hex[:8]}@example.com",
                "card": "tok_visa",
            },
        )
        assert again.status_code == 409, again.text
        assert 'role="alert"' in again.text and 'value="Lee Guest"' in again.text


async def test_a_rental_time_the_clocks_skip_or_an_end_before_the_start_is_said_on_the_form(platform, tenant):
    resource = (
        await platform.catalog.CreateResource(
            catalog_pb2.CreateResourceRequest(
                request_id=str(uuid.uuid4()),
                company_id=tenant.company_id,
                name="Pedalo",
                booking_model=catalog_pb2.BOOKING_MODEL_INTERVAL,
                hourly_rate=eur(1200),
            )
        )
    ).resource
    path = f"/site/{tenant.company_id}/book/resource/{resource.id}"
    async with _site(platform) as http:
        # 2027-03-28 in Europe/Berlin: 02:30 does not exist (it was once read as 01:30 UTC).
        skipped = await http.get(path, params={"start": "2027-03-28T02:30", "end": "2027-03-28T04:00"})
        assert skipped.status_code == 200, skipped.text
        assert "The start time does not exist that day (clocks go forward)." in skipped.text
        backwards = await http.get(path, params={"start": "2027-03-27T12:00", "end": "2027-03-27T11:00"})
        assert "The end must be after the start." in backwards.text
        # 01:00 to 04:00 local is two real hours: 24.00 EUR.
        real = await http.get(path, params={"start": "2027-03-28T01:00", "end": "2027-03-28T04:00"})
        assert "24.00 EUR" in real.text and "does not exist" not in real.text, real.text
        csrf, form_id = await _form(http, path)
        booked = await http.post(
            path,
            data={
                "csrf_token": csrf,
                "form_id": form_id,
                "action": "book",
                "start": "2027-03-28T02:30",
                "end": "2027-03-28T04:00",
                "name": "Kim Guest",
                "email": f"kim-{uuid.uuid4().hex[:8]}@example.com",
                "card": "tok_visa",
            },
        )
        assert 400 <= booked.status_code < 500, booked.text
        assert 'role="alert"' in booked.text and "does not exist that day" in booked.text


async def test_the_catalog_shows_pictures_amenities_and_capacity_or_a_placeholder(platform, tenant):
    resource = catalog_pb2.Resource(
        id=tenant.resource_id,
        description="A bright room with a river view.",
        image_urls=["https://img.example.test/studio.jpg"],
        amenities=["mats", "showers"],
        capacity=12,
    )
    await platform.catalog.UpdateResource(
        catalog_pb2.UpdateResourceRequest(
            request_id=str(uuid.uuid4()),
            resource=resource,
            update_mask=field_mask_pb2.FieldMask(
                paths=["description", "image_urls", "amenities", "capacity"]
            ),
        )
    )
    await platform.catalog.CreateResource(
        catalog_pb2.CreateResourceRequest(
            request_id=str(uuid.uuid4()),
            company_id=tenant.company_id,
            name="Sauna",
            booking_model=catalog_pb2.BOOKING_MODEL_INTERVAL,
            hourly_rate=eur(900),
        )
    )
    async with _site(platform) as http:
        page = await http.get(f"/site/{tenant.company_id}")
    html = page.text
    assert '<img class="picture" src="https://img.example.test/studio.jpg" alt="Studio"' in html
    assert "A bright room with a river view." in html and "Up to 12 people" in html
    assert '<li class="amenity">mats</li>' in html and '<li class="amenity">showers</li>' in html
    # No picture: the placeholder with the initial, hidden from screen readers.
    assert '<div class="picture placeholder" aria-hidden="true"><span>S</span></div>' in html
    # Pictures may come from the company's https host; nothing else is loosened.
    csp = page.headers["content-security-policy"]
    assert "img-src 'self' data: https:" in csp and "script-src 'self'" in csp
