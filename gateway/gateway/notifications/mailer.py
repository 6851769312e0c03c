"""Sending one e-mail by SMTP (aiosmtplib): the MIME message (text and HTML alternatives, the
.ics attached) and the outcome, in words fit for the console (never a password)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import aiosmtplib

from plumbing.text import is_email

TIMEOUT_SECONDS = 30.0
# The error of a message to a non-ASCII mailbox the mail server cannot take (no SMTPUTF8).
SMTPUTF8_NOT_SUPPORTED = "SMTPUTF8_NOT_SUPPORTED: the mail server does not accept non-ASCII addresses"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    sender: str
    sender_name: str = "Booking platform"


@dataclass(frozen=True)
class Outgoing:
    id: str
    recipient: str
    subject: str
    text: str
    html: str
    ics: str | None
    cancel: bool


@dataclass(frozen=True)
class Outcome:
    sent: bool
    # A refusal no retry can change (a 5xx answer): the message is FAILED at once.
    permanent: bool = False
    error: str | None = None


def message_id(outgoing_id: str) -> str:
    """The Message-ID of a notification: the same on every attempt of one message row."""
    return f"<notification-{outgoing_id}@booking-platform>"


class InvalidRecipient(ValueError):
    """A stored recipient that is not one plain address: never sent (no retry changes it)."""


def recipient_address(value: str) -> Address:
    """The one mailbox of a stored recipient, as an Address: the To: header is built from its
    parts, never parsed from the stored text, so no address expands into several recipients
    (an encoded word "=?utf-8?q?a=40x=2C_b=40y?=@z" read as two, a quote or comma opening a
    display name or a list). An address that is not a plain addr-spec (plumbing.text) is
    refused; an IDN domain goes out as its ASCII form."""
    if not is_email(value):
        raise InvalidRecipient("not one plain e-mail address")
    local, _, domain = value.rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        pass  # not IDNA-encodable: left as written (it passed the pattern)
    try:
        address = Address(username=local, domain=domain)
    except ValueError as error:
        raise InvalidRecipient("not one plain e-mail address") from error
    return address


def mime(outgoing: Outgoing, settings: SmtpSettings) -> EmailMessage:
    """The message; InvalidRecipient when the recipient is not one plain address."""
    message = EmailMessage()
    message["From"] = formataddr((settings.sender_name, settings.sender))
    message["To"] = recipient_address(outgoing.recipient)
    message["Subject"] = outgoing.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id(outgoing.id)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(outgoing.text)
    message.add_alternative(outgoing.html, subtype="html")
    if outgoing.ics is not None:
        message.add_attachment(
            outgoing.ics.encode(),
            maintype="text",
            subtype="calendar",
            filename="booking.ics",
            params={"method": "CANCEL" if outgoing.cancel else "PUBLISH"},
        )
    return message


def _answer(code: int, text: str) -> Outcome:
    words = " ".join(text.split())[:200]
    return Outcome(False, permanent=500 <= code < 600, error=f"SMTP {code} {words}".strip())


async def send(outgoing: Outgoing, settings: SmtpSettings) -> Outcome:
    try:
        message = mime(outgoing, settings)
    except InvalidRecipient:
        # Stored before addresses were checked: refused for good, the address never echoed.
        return Outcome(False, permanent=True, error="INVALID_RECIPIENT")
    recipient = recipient_address(outgoing.recipient).addr_spec
    try:
        await aiosmtplib.send(
            message,
            # The envelope names the one mailbox: nothing is read back out of the headers.
            sender=settings.sender,
            recipients=[recipient],
            hostname=settings.host,
            port=settings.port,
            username=settings.username or None,
            password=settings.password or None,
            start_tls=settings.starttls,
            timeout=TIMEOUT_SECONDS,
        )
    except aiosmtplib.SMTPRecipientsRefused as refused:
        first = refused.recipients[0]
        return _answer(first.code, first.message)
    except aiosmtplib.SMTPResponseException as answered:
        return _answer(answered.code, answered.message)
    except aiosmtplib.SMTPNotSupported as unsupported:
        if "SMTPUTF8" in str(unsupported) and not recipient.isascii():
            # The server does not offer SMTPUTF8, which a non-ASCII mailbox needs (RFC 6531):
            # no retry changes that for this message, so it is FAILED at once, not for a day.
            return Outcome(False, permanent=True, error=SMTPUTF8_NOT_SUPPORTED)
        return Outcome(False, error=f"CONNECTION_FAILED ({type(unsupported).__name__})")
    except aiosmtplib.SMTPTimeoutError:
        return Outcome(False, error="TIMEOUT")
    except (aiosmtplib.SMTPException, OSError) as failure:
        # The class only: a connection error's text says nothing the console needs.
        return Outcome(False, error=f"CONNECTION_FAILED ({type(failure).__name__})")
    return Outcome(True)
