"""The district's SMTP server: its settings (the «Настройки» tab; the password from secrets), a connection
(``smtplib``: STARTTLS, SSL or neither) and a message as it goes out."""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid

from lib.core import config as cfg

SECURITY = {"starttls": "starttls", "tls": "starttls", "ssl": "ssl", "нет": "none", "none": "none", "no": "none", "": "starttls"}
TIMEOUT = 30.0  # seconds: a mail server that does not answer fails the message instead of hanging the run


class MailSetupError(Exception):
    """The settings of the mail server are missing or wrong; the message says which (Russian)."""


def smtp_password(env: Mapping[str, str] | None = None, secrets: Mapping | None = None) -> str | None:
    """The SMTP password: ``DEBT_SMTP_PASSWORD``, else ``[smtp] password`` in .streamlit/secrets.toml. Never in the store."""
    env = os.environ if env is None else env
    secrets = cfg.read_secrets_file() if secrets is None else secrets
    return env.get("DEBT_SMTP_PASSWORD") or (secrets.get("smtp") or {}).get("password") or None


@dataclass(frozen=True)
class MailServer:
    host: str
    port: int
    security: str  # starttls | ssl | none
    login: str | None
    sender: str
    password: str | None = None
    timeout: float = TIMEOUT
    context: ssl.SSLContext | None = None  # None: the system's trusted certificates

    @classmethod
    def from_settings(cls, settings, password: str | None = None, **kw) -> MailServer:
        """From the district's settings; ``MailSetupError`` names every setting that is missing or wrong."""
        host = (settings["smtp_host"] or "").strip()
        sender = (settings["smtp_sender"] or "").strip()
        security = SECURITY.get((settings["smtp_security"] or "").strip().lower())
        login = (settings["smtp_login"] or "").strip() or None
        problems = []
        if not host:
            problems.append("не указан почтовый сервер (настройка «smtp_host»)")
        if "@" not in sender:
            problems.append("не указан адрес отправителя (настройка «smtp_sender», например dolg@lensk.ru)")
        if security is None:
            problems.append(f"настройка «smtp_security»: «{settings['smtp_security']}» — укажите STARTTLS, SSL или нет")
        if login and not password:
            problems.append("указан логин почтового сервера, но пароль не задан: добавьте [smtp] password в .streamlit/secrets.toml "
                            "или переменную окружения DEBT_SMTP_PASSWORD")
        if problems:
            raise MailSetupError("Письма не отправлены: " + "; ".join(problems) + ".")
        return cls(host, int(settings["smtp_port"]), security, login, sender, password, **kw)

    def describe(self) -> str:
        how = {"starttls": "STARTTLS", "ssl": "SSL", "none": "без шифрования"}[self.security]
        return f"{self.host}:{self.port} ({how}), отправитель {self.sender}"

    def connect(self) -> smtplib.SMTP:
        """An open, signed-in connection (the caller quits it)."""
        context = self.context or ssl.create_default_context()
        if self.security == "ssl":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.login:
                smtp.login(self.login, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def compose(self, to: str, subject: str, body: str) -> MIMEText:
        """The message in UTF-8. The subject is encoded by ``email.header.Header``: ``EmailMessage`` (Python 3.11–3.13)
        folds a long Cyrillic subject with the space between two encoded words outside them, and mail readers drop
        it (RFC 2047 §6.2): «отчёты за» arrived as «отчётыза»."""
        msg = MIMEText(body, "plain", "utf-8")
        msg["From"] = self.sender
        msg["To"] = to
        msg["Subject"] = Header(subject, "utf-8")
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain=self.sender.rsplit("@", 1)[-1])
        msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: autoresponders do not answer a reminder
        return msg


def failure_text(err: BaseException) -> str:
    """What the mail server (or the network) said, in Russian, for the log and the coordinator."""
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        said = "; ".join(f"{who}: {code} {_text(text)}" for who, (code, text) in err.recipients.items())
        return f"почтовый сервер отклонил адрес: {said}"
    if isinstance(err, smtplib.SMTPAuthenticationError):
        return f"почтовый сервер не принял логин и пароль: {err.smtp_code} {_text(err.smtp_error)}"
    if isinstance(err, smtplib.SMTPResponseException):
        return f"почтовый сервер ответил ошибкой: {err.smtp_code} {_text(err.smtp_error)}"
    if isinstance(err, smtplib.SMTPServerDisconnected):
        return f"почтовый сервер разорвал соединение: {err}"
    if isinstance(err, ssl.SSLError):
        return f"ошибка шифрования соединения с почтовым сервером: {err}"
    if isinstance(err, TimeoutError):
        return "почтовый сервер не ответил вовремя"
    if isinstance(err, ConnectionRefusedError):
        return "почтовый сервер не принимает соединения (в соединении отказано)"
    if isinstance(err, OSError):
        return f"нет связи с почтовым сервером: {err.strerror or err}"
    return f"ошибка отправки: {err}"


def refused_for_good(err: BaseException) -> bool:
    """The server refused the address or the message for good (5xx): trying again will not help."""
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in err.recipients.values())
    return isinstance(err, smtplib.SMTPDataError) and err.smtp_code >= 500


def _text(raw) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
