"""Who gets which e-mail reminder today, and what it says. Pure: no store, no clock, no network.

``plan(situation)`` decides from plain data (``Situation``: people, filing statuses, open returns,
overdue assignments, the reminder log, who turned reminders off, today's date); ``situation(snapshot,
settings, today)`` gathers that data from a snapshot with the functions that compute it for the rest of
the app (``filing.filing_matrix``, ``periods.open_returns``, ``proceedings.decisions``). Sending lives in
``lib/mail``.

Reasons, each sent once per reason, period and person (the message key, recorded in «Напоминания»):

- ``before``: from ``reminder_days_before`` days before the deadline of the month now due up to the
  deadline itself, to the executors of a participant that has filed nothing for that month;
- ``late``: from the day after the deadline (the 11th by default), to the executors of a participant
  whose report for that month is still missing;
- ``returned``: as soon as a report is returned for rework, with the reason (once per return: a month
  returned again after refiling is a new return);
- ``digest``: from the day after the deadline, to every coordinator: who is late for that month, which
  reports wait for rework and which assignments of the commission are overdue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pandas as pd

from lib.core import fmt
from lib.domain.periods import shift_month

REASON_LABELS = {"before": "срок подходит", "late": "срок прошёл", "returned": "возврат на доработку", "digest": "сводка координатору"}
STATE_LABELS = {"reserved": "отправляется", "sent": "отправлено", "failed": "ошибка отправки", "bounced": "адрес отклонён"}
DONE = ("reserved", "sent", "bounced")  # never sent again: delivered, refused for good, or perhaps delivered (a crash)
MAX_ATTEMPTS = 3  # a message that failed (the mail server did not take it) is tried again on the next runs, this many times in all
FOOTER = ("Это письмо отправлено автоматически рабочим местом комиссии по задолженности за ЖКУ{district}. Отключить "
          "напоминания можно на странице «Обзор» приложения.")


@dataclass(frozen=True)
class Message:
    key: str  # reason:period:…:login — one message per reason, period and person
    reason: str
    period: str  # the month the message is about (ГГГГ-ММ)
    login: str
    name: str
    participant_id: str | None
    subject: str
    body: str
    attempts: int = 0  # earlier attempts (a failed message tried again)
    retry_of: str | None = None  # the save_id of the failed record being retried; None: a new message


@dataclass(frozen=True)
class Situation:
    """Everything ``plan`` needs, as plain values."""

    today: dt.date
    due_day: int
    days_before: int
    people: list[Mapping]  # users: login, name, role, participant_id, active
    names: Mapping[str, str]  # participant id -> name
    filers: list[str]  # participants that owe the monthly report
    status: Mapping[tuple[str, str], str]  # (participant, month) -> filing status (``filing.STATUS_LABELS``)
    returns: list[Mapping] = field(default_factory=list)  # open returns: participant_id, month, reason, save_id
    overdue: list[Mapping] = field(default_factory=list)  # overdue assignments: text, responsible_id, due_date
    log: Mapping[str, Mapping] = field(default_factory=dict)  # message key -> current record: state, attempts, save_id
    quiet: frozenset[str] = frozenset()  # logins (lower case) that turned reminders off
    base_url: str = ""
    district: str = ""
    span: tuple[str, str] = ("0000-01", "9999-12")  # months the plan covers: reports are owed only for these


@dataclass(frozen=True)
class Plan:
    send: list[Message]  # to send now
    quiet: list[Message]  # would be sent, but the person turned reminders off


def deadline(month: str, due_day: int) -> dt.date:
    nxt = shift_month(month, 1)
    return dt.date(int(nxt[:4]), int(nxt[5:7]), due_day)


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def due_now(today: dt.date, due_day: int) -> str:
    """The month whose deadline is this month's ``due_day`` (on 05.12.2024: November 2024)."""
    return shift_month(month_of(today), -1)


def late_month(today: dt.date, due_day: int) -> str:
    """The latest month whose deadline has passed (on the 11th of December: November; on the 5th: October)."""
    month = due_now(today, due_day)
    return month if today > deadline(month, due_day) else shift_month(month, -1)


def link(base_url: str, page: str, **params: str) -> str:
    """A deep link into the app (``/entry?participant=…&month=…``); empty when no base address is set."""
    if not base_url.strip():
        return ""
    query = f"?{urlencode(params)}" if params else ""
    return f"{base_url.strip().rstrip('/')}/{page}{query}"


def _open(url: str, what: str) -> str:
    return f"{what}: {url}" if url else f"{what}: войдите в приложение комиссии."


def _footer(s: Situation) -> str:
    return FOOTER.format(district=f" ({s.district})" if s.district else "")


def _executors(s: Situation, participant_id: str) -> list[Mapping]:
    return [p for p in s.people if p.get("role") == "executor" and p.get("participant_id") == participant_id and _reachable(p)]


def _coordinators(s: Situation) -> list[Mapping]:
    return [p for p in s.people if p.get("role") == "coordinator" and _reachable(p)]


def _reachable(person: Mapping) -> bool:
    return not _off(person.get("active")) and "@" in str(person.get("login") or "")


def _message(s: Situation, reason: str, period: str, person: Mapping, participant_id: str | None, subject: str, lines: list[str],
             *extra_key: str) -> Message:
    login = str(person["login"]).strip().lower()
    key = ":".join([reason, period, *extra_key, login])
    greeting = f"Здравствуйте, {person.get('name') or login}!"
    body = "\n\n".join([greeting, *lines, _footer(s)]) + "\n"
    return Message(key, reason, period, login, str(person.get("name") or login), participant_id, subject, body)


def _before(s: Situation) -> list[Message]:
    month = due_now(s.today, s.due_day)
    due = deadline(month, s.due_day)
    if s.days_before <= 0 or not (due - dt.timedelta(days=s.days_before) <= s.today <= due) or not _owed(s, month):
        return []
    left = (due - s.today).days
    when = "сегодня последний день" if left == 0 else f"осталось {left} {_days(left)}"
    out = []
    for pid in s.filers:
        if s.status.get((pid, month)) not in ("not_due", "missing"):
            continue
        url = link(s.base_url, "entry", participant=pid, month=month)
        for person in _executors(s, pid):
            out.append(_message(
                s, "before", month, person, pid, f"Напоминание: отчёт за {fmt.month_label(month)} — срок до {fmt.date_ru(due)}",
                [f"Ежемесячный отчёт «{s.names.get(pid, pid)}» за {fmt.month_label(month)} ещё не сдан. Срок сдачи — до "
                 f"{fmt.date_ru(due)} включительно ({when}).", _open(url, "Открыть отчёт")]))
    return out


def _late(s: Situation) -> list[Message]:
    month = late_month(s.today, s.due_day)
    if not _owed(s, month):
        return []
    due = deadline(month, s.due_day)
    out = []
    for pid in s.filers:
        if s.status.get((pid, month)) != "missing":
            continue
        url = link(s.base_url, "entry", participant=pid, month=month)
        for person in _executors(s, pid):
            out.append(_message(
                s, "late", month, person, pid, f"Срок прошёл: отчёт за {fmt.month_label(month)} не сдан",
                [f"Ежемесячный отчёт «{s.names.get(pid, pid)}» за {fmt.month_label(month)} не сдан, срок сдачи был до "
                 f"{fmt.date_ru(due)} включительно. Пожалуйста, сдайте его как можно скорее: без него свод района неполон.",
                 _open(url, "Открыть отчёт")]))
    return out


def _returned(s: Situation) -> list[Message]:
    out = []
    for r in sorted(s.returns, key=lambda r: (r["month"], r["participant_id"])):
        pid, month = r["participant_id"], r["month"]
        url = link(s.base_url, "entry", participant=pid, month=month)
        for person in _executors(s, pid):
            out.append(_message(
                s, "returned", month, person, pid, f"Отчёт за {fmt.month_label(month)} возвращён на доработку",
                [f"Координатор вернул отчёт «{s.names.get(pid, pid)}» за {fmt.month_label(month)} на доработку.",
                 f"Причина: {r['reason']}", "Исправьте отчёт и сохраните его снова.", _open(url, "Открыть отчёт")],
                pid, str(r["save_id"])))
    return out


def _digest(s: Situation) -> list[Message]:
    month = late_month(s.today, s.due_day)
    late = [pid for pid in s.filers if s.status.get((pid, month)) == "missing"] if _owed(s, month) else []
    waiting = sorted(s.returns, key=lambda r: (r["month"], s.names.get(r["participant_id"], r["participant_id"])))
    overdue = sorted(s.overdue, key=lambda d: (d["due_date"], d["text"]))
    if not (late or waiting or overdue):
        return []
    lines = [f"Отчёты за {fmt.month_label(month)} (срок был до {fmt.date_ru(deadline(month, s.due_day))}) не сдали: {len(late)}."
             + "".join(f"\n— {s.names.get(p, p)}" for p in late)]
    if waiting:
        lines.append(f"На доработке: {len(waiting)}." + "".join(
            f"\n— {s.names.get(r['participant_id'], r['participant_id'])}, {fmt.month_label(r['month'])}: {r['reason']}" for r in waiting))
    lines.append(f"Просроченные поручения комиссии: {len(overdue)}." + "".join(
        f"\n— {d['text']} (ответственный: {s.names.get(d.get('responsible_id'), d.get('responsible_id') or 'не указан')}, "
        f"срок {fmt.date_ru(d['due_date'])})" for d in overdue))
    lines.append(_open(link(s.base_url, "dashboard"), "Свод и матрица сдачи отчётов"))
    if overdue:
        lines.append(_open(link(s.base_url, "commission"), "Поручения комиссии"))
    subject = f"Сводка: не сданы отчёты за {fmt.month_label(month)} — {len(late)}, просрочено поручений — {len(overdue)}"
    return [_message(s, "digest", month, person, None, subject, lines) for person in _coordinators(s)]


def _owed(s: Situation, month: str) -> bool:
    return s.span[0] <= month <= s.span[1]


def _days(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return "день"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return "дня"
    return "дней"


def plan(s: Situation) -> Plan:
    """The messages to send today: every reason's, minus those the log already holds (sent, being sent,
    refused for good, or failed ``MAX_ATTEMPTS`` times); a failed one is tried again, marked ``retry_of``."""
    send, quiet = [], []
    for m in [*_returned(s), *_before(s), *_late(s), *_digest(s)]:
        logged = s.log.get(m.key)
        if logged is not None:
            attempts = int(logged.get("attempts") or 0)
            if logged.get("state") in DONE or attempts >= MAX_ATTEMPTS:
                continue
            m = Message(**{**m.__dict__, "attempts": attempts, "retry_of": logged.get("save_id")})
        (quiet if m.login in s.quiet else send).append(m)
    return Plan(send, quiet)


def situation(snapshot, settings, today: dt.date) -> Situation:
    """The data ``plan`` decides on, read from a snapshot by the app's own functions."""
    from lib.domain.estimates import monthly_filers
    from lib.domain.filing import filing_matrix
    from lib.domain.periods import open_returns
    from lib.domain.proceedings import decisions

    due_day = settings["report_due_day"]
    filers = monthly_filers(snapshot)
    months = sorted({due_now(today, due_day), late_month(today, due_day)})
    matrix = filing_matrix(snapshot, filers, months, due_day, today, zone=getattr(settings, "zone", None))
    status = {(r.participant_id, r.month): r.status for r in matrix.itertuples()}
    returns = [{"participant_id": r["participant_id"], "month": r["month"], "reason": r["reason"], "save_id": r["save_id"]}
               for r in open_returns(snapshot).to_dict("records")]
    d = decisions(snapshot, today)
    overdue = [{"text": r["text"], "responsible_id": r["responsible_id"] if isinstance(r["responsible_id"], str) else None,
                "due_date": r["due_date"].date() if hasattr(r["due_date"], "date") else r["due_date"]}
               for r in d[d.overdue].to_dict("records")]
    log = {r["message_key"]: r for r in snapshot.current("reminders").to_dict("records")}
    prefs = snapshot.current("mail_preferences")
    quiet = frozenset(str(r["login"]).strip().lower() for r in prefs.to_dict("records") if _off(r["reminders"]))
    people = snapshot.current("users")[["login", "name", "role", "participant_id", "active"]].to_dict("records")
    names = dict(zip(snapshot.current("participants")["id"], snapshot.current("participants")["name"]))
    return Situation(today=today, due_day=due_day, days_before=settings["reminder_days_before"], people=people, names=names,
                     filers=filers, status=status, returns=returns, overdue=overdue, log=log, quiet=quiet,
                     base_url=settings["app_base_url"] or "", district=settings["district_name"] or "",
                     span=(settings["plan_start"], settings["plan_end"]))


def wants_reminders(snapshot, login: str) -> bool:
    """Whether this person gets reminders (nobody has turned them off: yes)."""
    prefs = snapshot.current("mail_preferences")
    mine = prefs[prefs["login"].str.strip().str.lower() == login.strip().lower()]
    return not len(mine) or not _off(mine.iloc[-1]["reminders"])


def _off(value) -> bool:
    """A stored «нет» (a numpy or pandas boolean as the frames hold it); empty is not «нет»."""
    return value is not None and not pd.isna(value) and not bool(value)


# ---- as people read them («Свод» preview, «Обзор» log) ------------------------------------------------

STUCK_AFTER = dt.timedelta(minutes=15)  # «отправляется» older than this: the run that reserved it ended without confirming


def preview_table(messages: list[Message]) -> pd.DataFrame:
    """The messages a run would send: to whom, why, which month, the subject."""
    return pd.DataFrame({"Кому": [f"{m.name} <{m.login}>" for m in messages], "Причина": [REASON_LABELS[m.reason] for m in messages],
                         "Месяц": [fmt.month_label(m.period) for m in messages], "Тема": [m.subject for m in messages]},
                        columns=["Кому", "Причина", "Месяц", "Тема"])


def trouble(log: pd.DataFrame, now: dt.datetime) -> pd.DataFrame:
    """Records of the log the coordinator must see: not delivered (failed, refused) or stuck in «отправляется»
    (``now`` aware, UTC or any zone)."""
    if log.empty:
        return log
    at = pd.to_datetime(log["saved_at"], utc=True, format="ISO8601")
    stuck = (log["state"] == "reserved") & (at < pd.Timestamp(now) - STUCK_AFTER)
    return log[log["state"].isin(["failed", "bounced"]) | stuck].reset_index(drop=True)


def log_table(log: pd.DataFrame, names: Mapping[str, str], limit: int | None = None) -> pd.DataFrame:
    """The reminder log, newest first (``limit``: only that many): when (the district's time), to whom, why, about which
    month and whose report, state, attempts, error."""
    from lib.domain.present import local_moments

    log = log.sort_values("saved_at", ascending=False, kind="stable").head(limit)
    return pd.DataFrame({
        "Когда": list(local_moments(log["saved_at"])), "Кому": log["login"].tolist(), "Причина": log["reason"].map(REASON_LABELS).tolist(),
        "Месяц": log["period"].map(fmt.month_label).tolist(),
        "Участник": [names.get(p, p) if isinstance(p, str) else "" for p in log["participant_id"]],
        "Состояние": log["state"].map(STATE_LABELS).tolist(), "Попыток": log["attempts"].tolist(),
        "Ошибка": [d if isinstance(d, str) else "" for d in log["detail"]],
    }, columns=["Когда", "Кому", "Причина", "Месяц", "Участник", "Состояние", "Попыток", "Ошибка"])
