"""Addresses that would make an e-mail's To: header say something else: refused at the edge by
the one address pattern (plumbing.text), and never expanded into several recipients by the
mailer, whatever a row stored before the pattern holds."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import httpx

from gateway.notifications import mailer
from plumbing.mailsink import MailSink

SMTP = mailer.SmtpSettings(
    host="127.0.0.1", port=1, username=None, password=None, starttls=False, sender="bookings@x.test"
)
ENCODED = "=?utf-8?q?victim1=40target.example=2C_victim2=40target.example=2C?=@example.com"
HOSTILE = (
    ENCODED,
    "a\"onmouseover=alert(5)'@x.com",
    "<script>@x.com",
    '"eve"@example.com',
    "eve@example.com, boss@example.com",
    "eve (admin)@example.com",
    "eve@example.com\r\nBcc: boss@example.com",
    "a..b@example.com",
    "eve@[127.0.0.1]",
)


def outgoing(recipient: str) -> mailer.Outgoing:
    return mailer.Outgoing(
        id=str(uuid.uuid4()),
        recipient=recipient,
        subject="Hi",
        text="t",
        html="<p>t</p>",
        ics=None,
        cancel=False,
    )


async def test_a_stored_address_that_is_not_one_plain_mailbox_is_never_sent_nor_expanded() -> None:
    for recipient in HOSTILE:
        outcome = await mailer.send(outgoing(recipient), SMTP)
        # Refused for good before any connection (port 1 would be CONNECTION_FAILED).
        assert (outcome.sent, outcome.permanent, outcome.error) == (False, True, "INVALID_RECIPIENT"), (
            recipient
        )
    message = mailer.mime(outgoing("m.ali+b@example.com"), SMTP)
    assert message["To"] == "m.ali+b@example.com"
    assert [a.addr_spec for a in message["To"].addresses] == ["m.ali+b@example.com"]
    idn = mailer.mime(outgoing("li@例え.jp"), SMTP)
    assert [a.addr_spec for a in idn["To"].addresses] == ["li@xn--r8jz45g.jp"]
    assert "=?" not in idn.as_string().split("\n\n", 1)[0]


async def test_every_address_field_refuses_encoded_words_quotes_and_lists(
    http: httpx.AsyncClient, make_account: Any
) -> None:
    admin = await make_account("PLATFORM_ADMIN")
    headers = {**admin.headers, "Idempotency-Key": str(uuid.uuid4()), "If-Match": '"1"'}
    some = str(uuid.uuid4())
    fields = [
        ("PATCH", f"/v1/admin/companies/{some}", {}, "contact_email"),
        (
            "POST",
            f"/v1/public/companies/{some}/sessions/{some}/bookings",
            {"card_token": "tok_visa"},
            "guest",
        ),
        (
            "POST",
            f"/v1/companies/{some}/signup",
            {"password": "long enough pw", "display_name": "Eve"},
            "email",
        ),
        ("POST", "/v1/admin/invites", {"role": "CUSTOMER", "company_id": some}, "email"),
        ("POST", "/v1/admin/customers", {"display_name": "Eve", "company_id": some}, "email"),
        ("PATCH", f"/v1/admin/customers/{some}", {}, "email"),
        ("POST", "/v1/auth/password-reset", {}, "email"),
    ]
    for address in HOSTILE:
        for method, path, body, field in fields:
            value: Any = {"name": "Eve", "email": address} if field == "guest" else address
            reply = await http.request(method, path, json={**body, field: value}, headers=headers)
            assert reply.status_code == 400, (method, path, address, reply.text)
            problem = reply.json()
            assert problem["code"] == "VALIDATION_FAILED", (method, path, address, problem)
            assert problem["errors"][0]["field"].split(".")[-1] in ("email", "contact_email"), problem
    for address in ("m.ali+b@example.com", "li@例え.jp", "o'brien@example.ie"):
        for method, path, body, field in fields:
            value = {"name": "Eve", "email": address} if field == "guest" else address
            reply = await http.request(method, path, json={**body, field: value}, headers=headers)
            # Past validation (the stand-in platform knows none of these ids).
            assert reply.json().get("code") != "VALIDATION_FAILED", (method, path, address, reply.text)
    cleared = await http.patch(f"/v1/admin/companies/{some}", json={"contact_email": ""}, headers=headers)
    assert cleared.json().get("code") != "VALIDATION_FAILED", cleared.text


async def test_a_non_ascii_mailbox_a_server_without_smtputf8_cannot_take_fails_for_good() -> None:
    # A local part of letters needs SMTPUTF8 (RFC 6531). A server that does not offer it cannot
    # take the message on any attempt: it was retried for a day as a connection failure.
    plain = MailSink()  # aiosmtpd without SMTPUTF8
    utf8 = MailSink(smtputf8=True)
    for sink in (plain, utf8):
        await sink.start()
    try:
        to_plain, to_utf8 = (replace(SMTP, port=sink.port) for sink in (plain, utf8))
        refused = await mailer.send(outgoing("josé@example.com"), to_plain)
        assert (refused.sent, refused.permanent) == (False, True)
        assert refused.error == mailer.SMTPUTF8_NOT_SUPPORTED
        assert plain.received == []
        # The same server takes an ASCII mailbox; a server with SMTPUTF8 takes the letters.
        assert (await mailer.send(outgoing("jose@example.com"), to_plain)).sent
        assert (await mailer.send(outgoing("josé@example.com"), to_utf8)).sent
        assert [r.recipients for r in utf8.received] == [("josé@example.com",)]
        # A refusal for now stays one to retry, for a non-ASCII mailbox too.
        utf8.refuse("josé@example.com", "451 4.3.0 Try again later")
        later = await mailer.send(outgoing("josé@example.com"), to_utf8)
        assert (later.sent, later.permanent, later.error) == (False, False, "SMTP 451 4.3.0 Try again later")
    finally:
        for sink in (plain, utf8):
            await sink.stop()
    # No server at all: retried (port 1 refuses the connection).
    unreachable = await mailer.send(outgoing("josé@example.com"), SMTP)
    assert (unreachable.sent, unreachable.permanent) == (False, False)
