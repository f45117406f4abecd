"""A real SMTP server on loopback for the reminder tests: aiosmtpd's Controller (a thread in the test process).

``MailCatcher`` records every message it accepted (envelope and parsed message); ``refuse`` lists addresses
it answers «550» for at RCPT TO, as a district's server does for an unknown mailbox."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


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


def self_signed(folder: Path) -> Path:
    """A certificate for 127.0.0.1 and its key (one PEM file), signed by itself: trust it with ``SSL_CERT_FILE``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    path = folder / "smtp-test.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return path


class SMTPServer:
    """Started on a free loopback port; ``stop()`` ends it (also as a context manager).

    ``certificate`` (``self_signed``): the server offers STARTTLS and requires it; ``accounts`` (login -> password):
    it requires AUTH (after STARTTLS), as a district's submission server on port 587 does."""

    def __init__(self, catcher: MailCatcher | None = None, port: int | None = None, *, certificate: Path | None = None,
                 accounts: dict[str, str] | None = None):
        self.catcher = catcher or MailCatcher()
        self.port = port or free_port()
        kw = {}
        if certificate is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(certificate)
            kw.update(tls_context=context, require_starttls=True)
        if accounts is not None:
            def check(server, session, envelope, mechanism, data):
                ok = isinstance(data, LoginPassword) and accounts.get(data.login.decode()) == data.password.decode()
                return AuthResult(success=ok, handled=False)

            kw.update(authenticator=check, auth_required=True, auth_require_tls=certificate is not None)
        self.controller = Controller(self.catcher, hostname="127.0.0.1", port=self.port, **kw)
        self.controller.start()

    def stop(self) -> None:
        """Stop listening (again: nothing)."""
        if self.controller._thread is not None:
            self.controller.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
