"""A page of a company's site whose address carries a query parameter it does not take (unknown,
given twice, too long to read) is the site's own HTML 400 page, whatever the client accepts, as
the site's other errors are: it says so in words, links to the page without that part, and
states the stable code (`data-code` and a small line); before, the edge's check answered the
API's application/problem+json. The API's routes, and the site's event stream, keep
problem+json; an address under /site that no page matches stays the 404 page."""

from __future__ import annotations

import uuid

import httpx
import pytest

pytestmark = pytest.mark.integration

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def site_400(reply: httpx.Response, code: str) -> None:
    assert reply.status_code == 400, reply.text
    assert reply.headers["content-type"].startswith("text/html")
    assert "Content-Security-Policy" in reply.headers  # the site's page, with the site's headers
    assert "This address is not right" in reply.text
    assert "the link may be mistyped or out of date" in reply.text
    assert f'data-code="{code}"' in reply.text
    assert f"Error code: <code>{code}</code>" in reply.text


@pytest.mark.parametrize(
    "headers", [{}, BROWSER, {"Accept": "application/json"}], ids=["none", "browser", "json"]
)
async def test_an_unknown_parameter_on_a_site_page_is_the_site_s_400_page(http: httpx.AsyncClient, headers):
    company = str(uuid.uuid4())

    reply = await http.get(f"/site/{company}", params={"utm_source": "mail"}, headers=headers)

    site_400(reply, "UNKNOWN_PARAMETER")
    assert "does not have (&#39;utm_source&#39;)" in reply.text
    assert f'<a href="/site/{company}">' in reply.text  # the page without it


@pytest.mark.parametrize(
    ("path", "query", "without"),
    [
        # A parameter the page takes, given twice: which one was meant is not guessed.
        ("/site/{c}/book/session/{t}", "quantity=1&quantity=2&start=x", "/site/{c}/book/session/{t}?start=x"),
        # Longer than the page reads.
        ("/site/{c}/find", "reference=" + "A" * 65, "/site/{c}/find"),
        # Unknown, beside a parameter the page takes (kept in the link).
        ("/site/{c}/book/resource/{t}", "guests=2&colour=red", "/site/{c}/book/resource/{t}?guests=2"),
        ("/site/{c}/account", "x=1", "/site/{c}/account"),
        ("/site/{c}/bookings/{t}", "x=1", "/site/{c}/bookings/{t}"),
    ],
)
async def test_a_malformed_or_unknown_query_on_any_site_page_is_a_400_page_linking_without_it(
    http: httpx.AsyncClient, path, query, without
):
    ids = {"c": str(uuid.uuid4()), "t": str(uuid.uuid4())}

    reply = await http.get(path.format(**ids) + "?" + query)

    code = "UNKNOWN_PARAMETER" if "x=1" in query or "colour" in query else "VALIDATION_FAILED"
    site_400(reply, code)
    assert f'<a href="{without.format(**ids)}">' in reply.text


async def test_a_hostile_parameter_name_is_shown_escaped(http: httpx.AsyncClient):
    reply = await http.get(f"/site/{uuid.uuid4()}?%3Cscript%3Ealert(1)%3C/script%3E=1", headers=BROWSER)

    site_400(reply, "UNKNOWN_PARAMETER")
    assert "<script>alert" not in reply.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in reply.text


async def test_an_address_no_page_matches_stays_the_404_page_whatever_its_query(http: httpx.AsyncClient):
    reply = await http.get(f"/site/{uuid.uuid4()}/no-such-page?x=1")

    assert reply.status_code == 404
    assert reply.headers["content-type"].startswith("text/html")
    assert 'data-code="NOT_FOUND"' in reply.text


async def test_the_api_and_the_site_s_event_stream_keep_problem_json(http: httpx.AsyncClient, make_account):
    customer = await make_account("CUSTOMER")
    api = await http.get("/v1/bookings?colour=red", headers=customer.headers)
    twice = await http.get("/v1/bookings?page_size=1&page_size=2", headers=customer.headers)
    stream = await http.get(f"/site/{uuid.uuid4()}/bookings/{uuid.uuid4()}/events?x=1")

    for reply, code in (
        (api, "UNKNOWN_PARAMETER"),
        (twice, "VALIDATION_FAILED"),
        (stream, "UNKNOWN_PARAMETER"),
    ):
        assert reply.status_code == 400
        assert reply.headers["content-type"] == "application/problem+json"
        assert reply.json()["code"] == code
    assert api.json()["errors"] == [{"field": "colour", "message": "not a parameter of this endpoint"}]
