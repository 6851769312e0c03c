"""The local mail sink of `make run` keeps each message as an .eml file its owner alone may
read: the messages hold sign-up codes and password-reset links."""

from __future__ import annotations

import stat
from email.message import EmailMessage

import aiosmtplib

from plumbing.mailsink import MailSink
from plumbing.testing import eventually


async def test_a_received_message_is_written_readable_by_its_owner_only(tmp_path):
    folder = tmp_path / "mail"
    sink = MailSink(folder=folder)
    await sink.start()
    try:
        message = EmailMessage()
        message["From"] = "bookings@platform.test"
        message["To"] = "ann@example.com"
        message["Subject"] = "Reset your password"
        message.set_content("https://example.test/reset?token=secret")
        await aiosmtplib.send(message, hostname="127.0.0.1", port=sink.port)

        (written,) = await eventually(lambda: list(folder.glob("*.eml")) or None, message="nothing written")
    finally:
        await sink.stop()

    assert b"token=secret" in written.read_bytes()
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
