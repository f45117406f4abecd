"""A real SMTP server on loopback for the reminder tests: aiosmtpd's Controller (a thread in the test process).

``MailCatcher`` records every message it accepted (envelope and parsed message); ``refuse`` lists addresses
it answers «550» for at RCPT TO, as a district's server does for an unknown mailbox."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    sender: str
    to: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        return self.message.get_content()


@dataclass
class MailCatcher:
    refuse: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 Mailbox does not exist"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def to(self, login: str) -> list[Received]:
        return [r for r in self.received if login in r.to]


class SMTPServer:
    """Started on a free loopback port; ``stop()`` ends it (also as a context manager)."""

    def __init__(self, catcher: MailCatcher | None = None, port: int | None = None):
        self.catcher = catcher or MailCatcher()
        self.port = port or free_port()
        self.controller = Controller(self.catcher, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        """Stop listening (again: nothing)."""
        if self.controller._thread is not None:
            self.controller.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
