"""The commission: quorum (Annex 3 of seed 004), decisions and their follow-up."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from lib.core import memo


def _refs(value) -> set[str]:
    return {x for x in value.split(";") if x} if isinstance(value, str) else set()


def quorum(members_total: int, present: set[str], represented: set[str]) -> dict:
    """«Правомочно, если присутствует не менее половины членов» (п. 3.7); a member who sends a
    representative (п. 3.8) counts. No members: no quorum."""
    counted = len(present | represented)
    needed = math.ceil(members_total / 2) if members_total else 1
    return {"total": members_total, "present_count": len(present), "represented_count": len(represented - present),
            "counted": counted, "needed": needed, "has_quorum": members_total > 0 and counted * 2 >= members_total}


def meetings(snapshot) -> pd.DataFrame:
    """Meetings with their quorum, newest first (computed once per snapshot, lib.core.memo; a copy is handed out)."""
    return memo.per_snapshot(snapshot, "proceedings.meetings", lambda: _meetings(snapshot)).copy()


def _meetings(snapshot) -> pd.DataFrame:
    members = snapshot.current("commission_members")
    active = set(members[members.active.fillna(True) == True].member_id)  # noqa: E712 - nullable boolean
    rows = []
    for m in snapshot.current("meetings").to_dict("records"):
        present, represented = _refs(m["present"]) & active, _refs(m["represented"]) & active
        rows.append({**m, **quorum(len(active), present, represented)})
    frame = pd.DataFrame(rows)
    return frame.sort_values("date", ascending=False).reset_index(drop=True) if len(frame) else frame


def decisions(snapshot, today: dt.date) -> pd.DataFrame:
    """Decisions with validity (the meeting had a quorum) and whether they are overdue (once per snapshot and day)."""
    return memo.recent(snapshot, "proceedings.decisions", today, lambda: _decisions(snapshot, today)).copy()


def _decisions(snapshot, today: dt.date) -> pd.DataFrame:
    d = snapshot.current("decisions")
    m = memo.per_snapshot(snapshot, "proceedings.meetings", lambda: _meetings(snapshot))
    valid = dict(zip(m.meeting_id, m.has_quorum)) if len(m) else {}
    when = dict(zip(m.meeting_id, m.date)) if len(m) else {}
    out = d.copy()
    out["valid"] = out.meeting_id.map(valid).fillna(False).astype(bool)
    out["meeting_date"] = out.meeting_id.map(when)
    out["overdue"] = (out.status == "open") & out.due_date.notna() & (out.due_date < pd.Timestamp(today)) & out.valid
    return out


def assignments_of(snapshot, participant_id: str, today: dt.date) -> pd.DataFrame:
    """Open, valid assignments of one participant (shown on its entry page)."""
    d = decisions(snapshot, today)
    return d[(d.responsible_id == participant_id) & (d.status == "open") & d.valid].sort_values("due_date")


def done_record(snapshot, decision_id: str, comment: str, today: dt.date) -> dict:
    """A decision reported done: the same record with status, date and comment changed (a new version)."""
    return {**snapshot.record("decisions", decision_id=decision_id), "status": "done", "done_date": today, "comment": comment or None}


# ---- recording meetings and decisions ---------------------------------------------------------

ATTENDANCE = {"present": "лично", "represented": "представитель", "absent": "отсутствовал"}


def attendance_of(meeting: dict | None) -> dict[str, str]:
    """member_id -> present | represented for a stored meeting (a member listed in both, as a person
    may type into the sheet, counts once, as present — the quorum counts them once too)."""
    if not meeting:
        return {}
    out = dict.fromkeys(_refs(meeting.get("represented")), "represented")
    out.update(dict.fromkeys(_refs(meeting.get("present")), "present"))
    return out


def next_meeting_number(snapshot) -> str:
    """The protocol number after the highest numeric one recorded (a suggestion the coordinator may change)."""
    numbers = [int(n) for n in snapshot.current("meetings").number.dropna() if str(n).strip().isdigit()]
    return str(max(numbers, default=0) + 1)


def meeting_label(meeting: dict) -> str:
    from lib.core import fmt

    number = f"№ {meeting['number']}" if isinstance(meeting.get("number"), str) and meeting["number"] else "без номера"
    return f"{number} от {fmt.date_ru(meeting['date'])}"


def meeting_record(snapshot, *, number: str, date: dt.date, attendance: dict[str, str], agenda: str | None,
                   meeting_id: str | None = None) -> dict:
    """A meeting to write: a new one (a generated id) or a new version of ``meeting_id``.

    Several meetings a day are allowed (an extraordinary one after the regular one); a meeting is told
    apart by its protocol number and date, so the same number on the same date is refused.
    """
    from lib.auth.access import Rejected
    from lib.core.ids import new_id

    number = (number or "").strip()
    if not number:
        raise Rejected("Укажите номер протокола: по номеру и дате заседания отличают друг от друга.")
    if date is None:
        raise Rejected("Укажите дату заседания.")
    known = set(snapshot.current("commission_members").member_id)
    unknown = sorted(set(attendance) - known)
    if unknown:
        raise Rejected(f"Нет таких членов комиссии: {', '.join(unknown)}.")
    wrong = sorted({state for state in attendance.values()} - set(ATTENDANCE))
    if wrong:
        raise Rejected(f"Недопустимая отметка присутствия: {', '.join(wrong)}.")
    meeting_unique(snapshot, number, date, meeting_id)
    present = sorted(m for m, s in attendance.items() if s == "present")
    represented = sorted(m for m, s in attendance.items() if s == "represented")
    return {"meeting_id": meeting_id or new_id("meet"), "number": number, "date": date,
            "present": ";".join(present) or None, "represented": ";".join(represented) or None,
            "agenda": (agenda or "").strip() or None}


def meeting_unique(snapshot, number: str, date: dt.date, meeting_id: str | None) -> None:
    """Refuse a protocol number and date another meeting has. Checked when the form is read and again on the
    store as it is at the moment of writing (``verify`` of the save): two pages opened before either saved must
    not both store protocol № 14 of one date."""
    from lib.auth.access import Rejected

    same = snapshot.current("meetings")
    same = same[(same.number.str.strip() == number) & (same.date == pd.Timestamp(date)) & (same.meeting_id != meeting_id)]
    if len(same):
        raise Rejected(f"Заседание № {number} от {date.strftime('%d.%m.%Y')} уже записано. Чтобы исправить его, "
                       "выберите его в «Изменить заседание»; для другого заседания укажите его номер протокола.")


def verify_meeting(fresh, parsed) -> None:
    """The save-time check of a meeting form (``lib.saving.service.Submission.verify``)."""
    for record in parsed.get("meetings", []):
        meeting_unique(fresh, record["number"], record["date"], record["meeting_id"])


DECISION_STATUSES = ("open", "done", "cancelled")


def decision_record(snapshot, *, meeting_id: str | None, text: str, responsible_id: str | None, due_date: dt.date | None,
                    decision_id: str | None = None, status: str = "open", done_date: dt.date | None = None,
                    comment: str | None = None) -> dict:
    """A decision to write: new (generated id) or a new version of ``decision_id`` (edit, done, cancel)."""
    from lib.auth.access import Rejected
    from lib.core.ids import new_id

    meetings_now = snapshot.current("meetings").set_index("meeting_id")
    if not meeting_id or meeting_id not in meetings_now.index:
        raise Rejected("Выберите заседание, на котором принято решение.")
    if not (text or "").strip():
        raise Rejected("Впишите текст решения.")
    if not responsible_id:
        raise Rejected("Выберите ответственного за исполнение.")
    if responsible_id not in set(snapshot.current("participants").id):
        raise Rejected(f"Участника «{responsible_id}» нет в справочнике.")
    if status not in DECISION_STATUSES:
        raise Rejected(f"Недопустимый статус решения: {status}.")
    held = meetings_now.loc[meeting_id, "date"]
    if due_date is not None and pd.notna(held) and pd.Timestamp(due_date) < held:
        raise Rejected(f"Срок исполнения {due_date.strftime('%d.%m.%Y')} раньше даты заседания "
                       f"{held.strftime('%d.%m.%Y')}.")
    if status == "done" and done_date is None:
        raise Rejected("Укажите дату исполнения.")
    return {"decision_id": decision_id or new_id("dec"), "meeting_id": meeting_id, "text": text.strip(),
            "responsible_id": responsible_id, "due_date": due_date, "status": status,
            "done_date": done_date if status == "done" else None, "comment": (comment or "").strip() or None}
