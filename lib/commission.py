"""The commission: quorum (Annex 3 of seed 004), decisions and their follow-up."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd


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
    """Meetings with their quorum, newest first."""
    members = snapshot.current("commission_members")
    active = set(members[members.active.fillna(True) == True].member_id)  # noqa: E712 - nullable boolean
    rows = []
    for m in snapshot.current("meetings").to_dict("records"):
        present, represented = _refs(m["present"]) & active, _refs(m["represented"]) & active
        rows.append({**m, **quorum(len(active), present, represented)})
    frame = pd.DataFrame(rows)
    return frame.sort_values("date", ascending=False).reset_index(drop=True) if len(frame) else frame


def decisions(snapshot, today: dt.date) -> pd.DataFrame:
    """Decisions with validity (the meeting had a quorum) and whether they are overdue."""
    d = snapshot.current("decisions")
    m = meetings(snapshot)
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
