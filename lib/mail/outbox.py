"""Sending the reminders ``lib.domain.reminders.plan`` chooses, each exactly once: reserve, send, confirm.

For every message:

1. **reserve** — a record «отправляется» in «Напоминания» written through ``lib.auth.access.write``
   with ``expect``: the record must not exist yet (or must still be the failed attempt this run retries).
   The store checks that on its fresh state at the moment of writing (SQLite: one ``BEGIN IMMEDIATE``
   transaction; Google Sheets: one server's processes save in turn), so of two runs — a rerun, a second
   server, the timer and the coordinator's button at once — only one gets the reservation; the other
   gets ``Conflict`` and sends nothing;
2. **send** through the district's SMTP server;
3. **confirm** — the record becomes «отправлено», or «ошибка отправки» (tried again on the next run, up to
   ``MAX_ATTEMPTS`` in all) or «адрес отклонён» (the server refused the address for good: not tried again).

A crash between 1 and 3 leaves «отправляется»: the message may or may not have gone out, and it is **not**
sent again automatically (a duplicate is worse than a gap, and the record says which one to check). «Обзор»
lists such records for the coordinator, who can send that one again by hand (``retry``).
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Collection
from dataclasses import dataclass, field

from lib.auth import access
from lib.domain import reminders
from lib.domain.reminders import Message, Plan
from lib.domain.settings import read_settings
from lib.mail.smtp import MailServer, MailSetupError, failure_text, refused_for_good, smtp_password
from lib.store.port import Conflict, StoreError

OUTCOME_LABELS = {"sent": "отправлено", "failed": "ошибка отправки", "bounced": "адрес отклонён",
                  "taken": "уже отправляется другим запуском — пропущено", "unconfirmed": "отправлено, но не отмечено в журнале",
                  "not_recorded": "не отправлено: журнал недоступен"}


@dataclass(frozen=True)
class Outcome:
    message: Message
    state: str  # OUTCOME_LABELS
    detail: str = ""

    def line(self) -> str:
        m = self.message
        text = f"{m.login} — {reminders.REASON_LABELS[m.reason]}, {m.period}: {OUTCOME_LABELS[self.state]}"
        return f"{text} ({self.detail})" if self.detail else text


@dataclass
class Run:
    plan: Plan
    outcomes: list[Outcome] = field(default_factory=list)
    stopped: str | None = None  # why nothing was sent (reminders off, the mail server not set up)
    off: bool = False  # reminders are turned off in the settings: nothing sent, and that is no failure

    def count(self, *states: str) -> int:
        return sum(1 for o in self.outcomes if o.state in states)

    @property
    def failed(self) -> bool:
        return (bool(self.stopped) and not self.off) or self.count("failed", "bounced", "unconfirmed", "not_recorded") > 0

    def summary(self) -> str:
        if self.stopped:
            return self.stopped
        if not self.outcomes:
            return "Отправлять нечего: все напоминания на сегодня уже отправлены."
        parts = [f"{OUTCOME_LABELS[s]}: {self.count(s)}" for s in OUTCOME_LABELS if self.count(s)]
        return "Напоминания: " + "; ".join(parts) + "."


def preview(snapshot, today: dt.date, reasons: Collection[str] | None = None) -> Plan:
    """What a run would send today (and to whom it would not: reminders turned off), from this snapshot."""
    found = reminders.plan(reminders.situation(snapshot, read_settings(snapshot), today))
    if reasons is None:
        return found
    return Plan([m for m in found.send if m.reason in reasons], [m for m in found.quiet if m.reason in reasons])


def remind(store, user: access.User, today: dt.date, *, reasons: Collection[str] | None = None, keys: Collection[str] | None = None,
           server: MailServer | None = None, password: str | None = None) -> Run:
    """Plan on the store as it is now and send. ``reasons``/``keys``: only those (the preview the coordinator
    confirmed: a message sent meanwhile by another run is not in the plan any more and is not sent twice)."""
    snapshot = store.read_all()
    settings = read_settings(snapshot)
    plan = preview(snapshot, today, reasons)
    if keys is not None:
        plan = Plan([m for m in plan.send if m.key in keys], [m for m in plan.quiet if m.key in keys])
    run = Run(plan)
    if not settings["reminders_enabled"]:
        run.off = True
        run.stopped = ("Напоминания выключены в настройках (reminders_enabled = нет): письма не отправлены. "
                       "Включите их на странице «Администрирование», вкладка «Рассылка».")
        return run
    if not plan.send:
        return run
    try:
        server = server or MailServer.from_settings(settings, smtp_password() if password is None else password)
    except MailSetupError as err:
        run.stopped = str(err)
        return run
    run.outcomes = deliver(store, user, plan.send, server)
    return run


def deliver(store, user: access.User, messages: list[Message], server: MailServer) -> list[Outcome]:
    """Reserve, send and confirm each message (module docstring); one SMTP connection for the run."""
    outcomes: list[Outcome] = []
    connection, broken = None, None
    try:
        for m in messages:
            try:
                reserved = _record(store, user, m, "reserved", m.attempts + 1, "", base=m.retry_of)
            except Conflict:
                outcomes.append(Outcome(m, "taken"))
                continue
            except StoreError as err:
                outcomes.append(Outcome(m, "not_recorded", str(err)))
                continue
            state, detail = "sent", ""
            try:
                if connection is None:
                    if broken is not None:
                        raise broken
                    connection = server.connect()
                connection.send_message(server.compose(m.login, m.subject, m.body))
            except (smtplib.SMTPException, OSError) as err:
                state, detail = ("bounced" if refused_for_good(err) else "failed"), failure_text(err)
                if not isinstance(err, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError):
                    connection = _close(connection)  # the connection is gone or unusable
                    if broken is None and not isinstance(err, smtplib.SMTPServerDisconnected):
                        broken = err  # the server cannot be reached: the other messages fail without a new attempt each
            try:
                _record(store, user, m, state, m.attempts + 1, detail, base=reserved.save_id)
            except StoreError as err:  # the record stays «отправляется»: never sent again by itself
                outcomes.append(Outcome(m, "unconfirmed" if state == "sent" else state, f"журнал не обновлён: {err}"))
                continue
            outcomes.append(Outcome(m, state, detail))
    finally:
        _close(connection)
    return outcomes


def retry(store, user: access.User, key: str) -> None:
    """Let a message stuck in «отправляется» (a crash between sending and confirming) or refused for good be
    sent again on the next run: the coordinator checked it did not arrive. Its attempts are kept."""
    snapshot = store.read_all()
    record = snapshot.record("reminders", message_key=key)
    if record["state"] not in ("reserved", "bounced"):
        raise access.Rejected("Повторить можно только письмо «отправляется» (прерванная отправка) или «адрес отклонён».")
    base = snapshot.current("reminders")
    base = base[base["message_key"] == key].iloc[-1]["save_id"]
    record.update(state="failed", attempts=min(int(record.get("attempts") or 0), reminders.MAX_ATTEMPTS - 1),
                  detail="отправить снова: решение координатора")
    access.write(store, user, {"reminders": [record]}, action="напоминание: отправить снова", expect={"reminders": {(key,): base}})


def _record(store, user, m: Message, state: str, attempts: int, detail: str, *, base: str | None):
    record = {"message_key": m.key, "reason": m.reason, "period": m.period, "login": m.login, "participant_id": m.participant_id,
              "state": state, "attempts": attempts, "subject": m.subject[:300], "detail": detail[:2000] or None}
    action = {"reserved": "напоминание: резерв перед отправкой"}.get(state, f"напоминание: {reminders.STATE_LABELS[state]}")
    return access.write(store, user, {"reminders": [record]}, action=action, expect={"reminders": {(m.key,): base}})


def _close(connection):
    if connection is not None:
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()
    return None
