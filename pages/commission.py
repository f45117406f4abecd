"""«Комиссия»: members, meetings with quorum, decisions and their follow-up, the meeting pack."""

import pandas as pd
import streamlit as st

from lib.core import fmt
from lib.domain import present, proceedings
from lib.domain.monthly import names as participant_names
from lib.domain.settings import read_settings
from lib.files import meeting_pack
from lib.ui import commission_forms, shell

user = shell.require_user()
snap = shell.snapshot()
settings = read_settings(snap)
names = participant_names(snap)
members = snap.current("commission_members")
roles = snap.schema["commission_members"].column("role").labels
coordinator = user.role == "coordinator"
st.title("Комиссия")
tab_meetings, tab_decisions, tab_pack, tab_members = shell.page_tabs(
    ["Заседания", "Решения и поручения", "Материалы к заседанию", "Состав"], key="commission_tab")
# Only the open tab runs, except the coordinator's tabs of forms: a form's typed, unsubmitted text lives only
# in the browser and would be lost with a form not drawn while its tab is closed (see ui.page_tabs).
run_meetings = tab_meetings.open or coordinator
run_decisions = tab_decisions.open or coordinator

if tab_members.open:
    with tab_members:
        shell.table(present.table(pd.DataFrame({
            "Роль": members.role.map(roles), "Должность": members.position, "ФИО": members.person,
            "Участник": members.participant_id.map(lambda p: names.get(p, p)), "Входит в состав": members.active.astype("boolean"),
        })), hide_index=True, width="stretch")

if run_meetings or run_decisions:
    meetings = proceedings.meetings(snap)

if run_meetings:
    active_members = members[members.active.fillna(True) == True]  # noqa: E712 - nullable boolean
    member_label = {m.member_id: m.position + (f" ({m.person})" if isinstance(m.person, str) and m.person else "")
                    for m in members.itertuples()}
    with tab_meetings:
        st.caption("Заседание правомочно, если присутствует не менее половины членов комиссии; член комиссии, "
                   "направивший представителя, считается присутствующим (п. 3.7–3.8 Положения). Решения заседания без кворума недействительны.")
        if len(meetings):
            shell.table(present.table(pd.DataFrame({
                "№": meetings.number, "Дата": meetings.date, "Лично": meetings.present_count,
                "Представители": meetings.represented_count, "Учтено": meetings.counted, "Членов": meetings.total, "Нужно": meetings.needed,
                "Кворум": meetings.has_quorum.map({True: "есть", False: "НЕТ — решения недействительны"}),
            })), hide_index=True, width="stretch")
        if coordinator:
            commission_forms.meeting_forms(user, snap, meetings, active_members, member_label)

if run_decisions:
    decisions = proceedings.decisions(snap, shell.today())
    statuses = snap.schema["decisions"].column("status").labels
    with tab_decisions:
        overdue = decisions[decisions.overdue]
        if len(overdue):
            st.error(f"Просрочено поручений: {len(overdue)}.", icon=":material/schedule:")
        table = pd.DataFrame({
            "Заседание": decisions.meeting_date, "Решение": decisions.text,
            "Ответственный": decisions.responsible_id.map(lambda p: names.get(p, p)), "Срок": decisions.due_date,
            "Статус": decisions.status.map(statuses), "Исполнено": decisions.done_date,
            "Комментарий": decisions.comment,
            "Действительно": decisions.valid.map({True: "да", False: "нет (без кворума)"}),
            "Просрочено": decisions.overdue.map({True: "ПРОСРОЧЕНО", False: ""}),
        }).iloc[::-1]
        shell.table(present.table(table).apply(lambda r: ["background-color: #fde7e9" if r["Просрочено"] else "" for _ in r], axis=1),
                    hide_index=True, width="stretch", whole="decision_row")
        if coordinator and len(meetings):
            commission_forms.decision_forms(user, snap, meetings, decisions, names)

if tab_pack.open:  # the meeting pack is built only when asked for; its files only on the click
    with tab_pack:
        # kept for the session: a date chosen here stays while other tabs or pages are open
        proposed = meeting_pack.default_date(snap, settings, shell.today())
        meeting_date = shell.date_field("Дата заседания", proposed, key="pack_date", persist_state="session",
                                        help="ДД.ММ.ГГГГ. По умолчанию — первое заседание после срока сдачи последнего отчётного месяца.")
        meeting_date = meeting_date or proposed  # not a date (said under the field) or emptied: the proposed one
        pack = meeting_pack.build(snap, meeting_date, settings)
        district = settings["district_name"]
        st.markdown(f"**{meeting_pack.title(pack, district)}** — данные за {fmt.month_label(pack.month)}.")
        st.markdown("**Проект повестки**\n\n" + "\n".join(f"{i}. {item}" for i, item in enumerate(pack.agenda, start=1)))
        for note in pack.notes or []:
            st.caption(note)
        for heading, frame in meeting_pack.sections(pack):
            st.markdown(f"**{heading}**")
            if frame.empty:
                st.caption("нет")
            else:
                shell.table(present.table(frame), hide_index=True, width="stretch")
        c1, c2 = st.columns(2)
        c1.download_button("Скачать Excel", lambda: meeting_pack.to_xlsx(pack, district), file_name=f"заседание-{meeting_date.isoformat()}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:")
        c2.download_button("Скачать для печати (HTML)", lambda: meeting_pack.to_html(pack, district).encode("utf-8"),
                           file_name=f"заседание-{meeting_date.isoformat()}.html", mime="text/html", icon=":material/print:")
