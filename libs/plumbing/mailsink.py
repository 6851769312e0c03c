"""A local SMTP sink for `make run` and the tests (aiosmtpd): it accepts every message on
127.0.0.1, on a port the OS picks, keeps what it received in memory (and, given a folder,
writes each message there as an .eml file), and can be told to refuse the next attempts for
an address with a 4xx (try again later) or 5xx (refused for good) answer.

Dev-only (deploy/check_requirements.py DEV_ONLY): aiosmtpd is a dev requirement.

    sink = MailSink()
    await sink.start()            # in the running event loop
    ... GATEWAY_SMTP_HOST=127.0.0.1 GATEWAY_SMTP_PORT=sink.port ...
    await sink.stop()

`start_in_thread()` runs it on a loop of its own, for a program without one (tools/stack.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass(frozen=True)
class Received:
    mail_from: str
    recipients: tuple[str, ...]
    raw: bytes
    # time.time() when the message was accepted.
    at: float

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class MailSink:
    folder: Path | None = None
    host: str = "127.0.0.1"
    received: list[Received] = field(default_factory=list)
    # address -> the answers still to give its next attempts instead of accepting them.
    refusals: dict[str, list[str]] = field(default_factory=dict)
    refused: list[tuple[str, str]] = field(default_factory=list)
    port: int = 0
    # Whether the sink offers SMTPUTF8 (RFC 6531), which a non-ASCII mailbox needs; aiosmtpd's
    # default, and so the sink's, is not to.
    smtputf8: bool = False
    _server: asyncio.Server | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def refuse(self, address: str, *answers: str) -> None:
        """The next attempts to deliver to `address` get these answers in turn (e.g.
        "451 4.3.0 Try again later"), then it is accepted again."""
        with self._lock:
            self.refusals[address.lower()] = list(answers)

    def to(self, address: str) -> list[Received]:
        """The messages accepted for `address`, oldest first."""
        with self._lock:
            return [r for r in self.received if address.lower() in (a.lower() for a in r.recipients)]

    # -- aiosmtpd's handler hooks ------------------------------------------------------------

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        with self._lock:
            planned = self.refusals.get(address.lower())
            if planned:
                answer = planned.pop(0)
                self.refused.append((address, answer))
                return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if isinstance(envelope.content, bytes) and not raw:
            raw = envelope.content
        received = Received(
            mail_from=str(envelope.mail_from),
            recipients=tuple(envelope.rcpt_tos),
            raw=raw,
            at=time.time(),
        )
        with self._lock:
            self.received.append(received)
            number = len(self.received)
        if self.folder is not None:
            # The messages hold sign-up codes and password-reset links: the owner's alone.
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            path = self.folder / f"{int(received.at)}-{number:05d}.eml"
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(raw)
        return "250 Message accepted for delivery"

    # -- running ------------------------------------------------------------------------------

    async def start(self, port: int = 0) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, port))
        self.port = int(sock.getsockname()[1])
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(
                self,
                hostname="mailsink.local",
                ident="booking-platform mail sink",
                enable_SMTPUTF8=self.smtputf8,
            ),
            sock=sock,
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    def start_in_thread(self, port: int = 0) -> threading.Thread:
        """Serves on an event loop of its own in a daemon thread; answers once it listens."""
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(self.start(port))
            except BaseException as error:  # shown to the caller
                failure.append(error)
                started.set()
                return
            started.set()
            loop.run_forever()

        thread = threading.Thread(target=run, name="mail-sink", daemon=True)
        thread.start()
        started.wait(10)
        if failure:
            raise failure[0]
        return thread


def parts(message: EmailMessage) -> dict[str, Any]:
    """The text part, the HTML part and the attachments (filename -> bytes) of a message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    attachments = {
        str(part.get_filename()): part.get_payload(decode=True) for part in message.iter_attachments()
    }
    return {
        "text": text.get_content() if text is not None else None,
        "html": html.get_content() if html is not None else None,
        "attachments": attachments,
    }
