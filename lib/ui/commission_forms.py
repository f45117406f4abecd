"""Streamlit forms of «Комиссия» (glue only: the records are built and checked in lib.domain.proceedings).

Every form follows the same pattern: a new record gets a generated id that the write demands be new,
and the form's key carries that id, so a repeated click belongs to a form that is gone; an edit is
checked against the version the form was opened on; the outcome is shown once, where the form is.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from lib.auth.access import Rejected, User, audit_for
from lib.core import fmt
from lib.domain import present, proceedings
from lib.saving.drafts import saved_by
from lib.ui import shell


def attendance_inputs(form: str, members: pd.DataFrame, labels: dict[str, str], stored: dict[str, str], seed: bool = True) -> dict[str, str]:
    """One choice per member — лично / представитель / отсутствовал — so nobody can be both. ``seed``: the choices
    are filled by ``shell.field_draft`` (then the widgets get no value of their own)."""
    states = list(proceedings.ATTENDANCE)
    chosen = {}
    with st.expander(f"Присутствие: членов комиссии {len(members)}", expanded=True):
        cols = st.columns(2)
        for i, member_id in enumerate(members.member_id):
            first = states.index(stored.get(member_id, "absent")) if seed else 0  # until the draft holds a choice
            chosen[member_id] = shell.kept(cols[i % 2].radio, labels[member_id], states, key=f"{form}:attend-{member_id}", index=first,
                                           format_func=proceedings.ATTENDANCE.get, horizontal=True)
    return {m: s for m, s in chosen.items() if s != "absent"}


MEETINGS_TAB = {"commission_tab": "Заседания"}
DECISIONS_TAB = {"commission_tab": "Решения и поручения"}


def _write_meeting(user: User, snap, fields: dict, meeting_id: str, base: str | None, form: str, action: str, done: str) -> None:
    try:
        record = proceedings.meeting_record(snap, meeting_id=meeting_id, **fields)
    except Rejected as err:
        st.error(str(err))
        return
    shell.submit(user, {"meetings": [record]}, action=action, expect={"meetings": {(meeting_id,): base}},
                 verify=proceedings.verify_meeting, success=f"Заседание {proceedings.meeting_label(record)} {done}.",
                 slot="meetings", form=form, draft=form)


def meeting_forms(user: User, snap, meetings: pd.DataFrame, members: pd.DataFrame, labels: dict[str, str]) -> None:
    """«Записать заседание» and «Изменить заседание»."""
    shell.flash("meetings")
    form = "new_meeting"
    meeting_id = shell.new_record_id(form, "meet")
    # separate fields, not an st.form: what is typed reaches the server and is kept as a draft (a page switch,
    # the sidebar's note, the browser's «leave page?»), as on «Ввод данных»
    defaults = {"number": proceedings.next_meeting_number(snap), "date": fmt.date_ru(shell.today()), "agenda": "",
                **{f"attend-{m}": "absent" for m in members.member_id}}
    read = shell.field_draft(form, defaults, title="Новое заседание", where="Комиссия", page="pages/commission.py", params=MEETINGS_TAB)
    with st.container(border=True):
        st.subheader("Записать заседание")
        shell.caption_dates()
        c1, c2 = st.columns(2)
        shell.kept(c1.text_input, "Номер протокола", key=f"{form}:number")
        date = shell.date_field("Дата", shell.today(), key=f"{form}:date", where=c2)
        attendance = attendance_inputs(form, members, labels, {}, seed=False)
        shell.kept(st.text_area, "Повестка", key=f"{form}:agenda")
        typed = read()
        clicked = st.button("Сохранить заседание", type="primary", key=f"{form}-save")
    if clicked and not shell.dates_refused(f"{form}:date"):  # a refusal may offer buttons below the form
        fields = {"number": typed["number"], "date": date, "attendance": attendance, "agenda": typed["agenda"]}
        _write_meeting(user, snap, fields, meeting_id, None, form, "запись заседания", "записано")

    if meetings.empty:
        return
    st.subheader("Изменить заседание")
    by_id = meetings.set_index("meeting_id")
    chosen, _ = shell.address_choice("Заседание", meetings.meeting_id.tolist(), key="edit_meeting_id", param="meeting",
                                     format_func=lambda m: proceedings.meeting_label(by_id.loc[m].to_dict()))
    current = snap.record("meetings", meeting_id=chosen)
    form = f"edit_meeting-{chosen}"
    stored = proceedings.attendance_of(current)
    defaults = {"number": current["number"] or "", "date": fmt.date_ru(current["date"]), "agenda": current["agenda"] or "",
                **{f"attend-{m}": stored.get(m, "absent") for m in members.member_id}}
    read, base = shell.record_draft(form, defaults, by_id.loc[chosen, "save_id"], title=f"Заседание {proceedings.meeting_label(current)}",
                                    where="Комиссия", page="pages/commission.py", params={**MEETINGS_TAB, "meeting": chosen},
                                    who=saved_by(snap, "meetings", [(chosen,)]))
    with st.container(border=True):
        c1, c2 = st.columns(2)
        shell.kept(c1.text_input, "Номер протокола", key=f"{form}:number")
        date = shell.date_field("Дата", current["date"], key=f"{form}:date", where=c2)
        attendance = attendance_inputs(form, members, labels, stored, seed=False)
        shell.kept(st.text_area, "Повестка", key=f"{form}:agenda")
        typed = read()
        clicked = st.button("Сохранить исправление", key=f"{form}-save")
    if clicked and not shell.dates_refused(f"{form}:date"):
        fields = {"number": typed["number"], "date": date, "attendance": attendance, "agenda": typed["agenda"]}
        _write_meeting(user, snap, fields, chosen, base, form, "исправление заседания", "исправлено")


def _write_decision(user: User, snap, fields: dict, decision_id: str, base: str | None, form: str, action: str, done: str) -> None:
    try:
        record = proceedings.decision_record(snap, decision_id=decision_id, **fields)
    except Rejected as err:
        st.error(str(err))
        return
    shell.submit(user, {"decisions": [record]}, action=action, expect={"decisions": {(decision_id,): base}},
                 success=done, slot="decisions", form=form, draft=form)


def decision_forms(user: User, snap, meetings: pd.DataFrame, decisions: pd.DataFrame, names: dict[str, str]) -> None:
    """«Новое решение или поручение» and «Изменить, отметить исполнение или снять с контроля»."""
    shell.flash("decisions")
    responsible_ids = list(names)
    form = "new_decision"
    decision_id = shell.new_record_id(form, "dec")
    newest = meetings.meeting_id.tolist()[0]  # newest first: the meeting just held is the default
    defaults = {"meeting": newest, "text": "", "responsible": None, "due": fmt.date_ru(shell.today() + dt.timedelta(days=30))}
    read = shell.field_draft(form, defaults, title="Новое решение", where="Комиссия", page="pages/commission.py", params=DECISIONS_TAB)
    # a meeting recorded since the form was filled becomes its default: a choice left as it was must not stick to the
    # previous meeting, or the next decision is filed under it without anyone noticing
    seeded = st.session_state[f"{form}:~defaults"]
    if seeded["meeting"] != newest:
        if st.session_state.get(f"{form}:meeting") in (seeded["meeting"], None):
            st.session_state[f"{form}:meeting"] = newest
        seeded["meeting"] = newest
    if st.session_state.get(f"{form}:meeting") not in set(meetings.meeting_id):
        st.session_state[f"{form}:meeting"] = newest
    by_id = meetings.set_index("meeting_id")
    with st.container(border=True):
        st.subheader("Новое решение или поручение")
        shell.caption_dates()
        shell.kept(st.selectbox, "Заседание", meetings.meeting_id.tolist(), key=f"{form}:meeting",
                   format_func=lambda m: proceedings.meeting_label(by_id.loc[m].to_dict()))
        shell.kept(st.text_area, "Текст решения", key=f"{form}:text")
        # no default: a preselected participant is how decisions ended up with the wrong one
        shell.kept(st.selectbox, "Ответственный", responsible_ids, key=f"{form}:responsible", placeholder="выберите участника…",
                   format_func=names.get)
        due = shell.date_field("Срок", shell.today() + dt.timedelta(days=30), key=f"{form}:due")
        typed = read()
        clicked = st.button("Сохранить решение", type="primary", key=f"{form}-save")
    if clicked and not shell.dates_refused(f"{form}:due"):
        fields = {"meeting_id": typed["meeting"], "text": typed["text"], "responsible_id": typed["responsible"], "due_date": due}
        _write_decision(user, snap, fields, decision_id, None, form, "решение комиссии", "Решение записано.")

    if decisions.empty:
        return
    st.subheader("Изменить, отметить исполнение или снять с контроля")
    statuses = snap.schema["decisions"].column("status").labels
    ordered = decisions.iloc[::-1]
    by_decision = ordered.set_index("decision_id")
    chosen, _ = shell.address_choice(
        "Решение", ordered.decision_id.tolist(), key="edit_decision_id", param="decision",
        format_func=lambda d: f"{fmt.date_ru(by_decision.loc[d, 'meeting_date'])} — {names.get(by_decision.loc[d, 'responsible_id'], '')}: "
                              f"{by_decision.loc[d, 'text'][:80]}")
    current = snap.record("decisions", decision_id=chosen)
    form = f"edit_decision-{chosen}"
    status_keys = list(proceedings.DECISION_STATUSES)
    meeting_ids = meetings.meeting_id.tolist()
    defaults = {"meeting": current["meeting_id"] if current["meeting_id"] in meeting_ids else meeting_ids[0], "text": current["text"] or "",
                "responsible": current["responsible_id"] if current["responsible_id"] in responsible_ids else None,
                "due": fmt.date_ru(current["due_date"]), "status": current["status"],
                "done": fmt.date_ru(current["done_date"] or shell.today()), "comment": current["comment"] or ""}
    read, base = shell.record_draft(form, defaults, by_decision.loc[chosen, "save_id"], title="Изменение решения", where="Комиссия",
                                    page="pages/commission.py", params={**DECISIONS_TAB, "decision": chosen},
                                    who=saved_by(snap, "decisions", [(chosen,)]))
    with st.container(border=True):
        shell.kept(st.selectbox, "Заседание", meeting_ids, key=f"{form}:meeting",
                   format_func=lambda m: proceedings.meeting_label(by_id.loc[m].to_dict()))
        shell.kept(st.text_area, "Текст решения", key=f"{form}:text")
        shell.kept(st.selectbox, "Ответственный", responsible_ids, key=f"{form}:responsible", format_func=names.get,
                   placeholder="выберите участника…")
        c1, c2, c3 = st.columns(3)
        due = shell.date_field("Срок", current["due_date"], key=f"{form}:due", where=c1)
        shell.kept(c2.radio, "Статус", status_keys, key=f"{form}:status", format_func=statuses.get)
        done = shell.date_field("Дата исполнения", current["done_date"] or shell.today(), key=f"{form}:done", where=c3)
        shell.kept(st.text_area, "Комментарий (что сделано или почему снято с контроля)", key=f"{form}:comment")
        typed = read()
        clicked = st.button("Сохранить новую версию", key=f"{form}-save")
    if clicked and not shell.dates_refused(f"{form}:due", f"{form}:done"):
        fields = {"meeting_id": typed["meeting"], "text": typed["text"], "responsible_id": typed["responsible"], "due_date": due,
                  "status": typed["status"], "done_date": done, "comment": typed["comment"]}
        action = {"cancelled": "снятие решения с контроля", "done": "исполнение решения"}.get(fields["status"], "изменение решения")
        _write_decision(user, snap, fields, chosen, base, form, action, "Решение сохранено новой версией.")
    history = audit_for(snap, "decisions", {"decision_id": chosen})
    with st.expander(f"История решения: изменений {len(history)}", icon=":material/history:"):
        shell.table(present.table(present.audit_table(snap.schema, history, present.labels(snap), record=False)),
                     hide_index=True, width="stretch")
