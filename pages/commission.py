"""«Комиссия»: members, meetings with quorum, decisions and their follow-up, the meeting pack."""

import datetime as dt

import pandas as pd
import streamlit as st

from lib import commission, fmt, meeting_pack, ui
from lib.entry import names as participant_names
from lib.settings import read_settings

user = ui.require_user()
snap = ui.snapshot()
settings = read_settings(snap)
names = participant_names(snap)
members = snap.current("commission_members")
roles = snap.schema["commission_members"].column("role").labels
st.title("Комиссия")
tab_meetings, tab_decisions, tab_pack, tab_members = st.tabs(["Заседания", "Решения и поручения", "Материалы к заседанию", "Состав"])

with tab_members:
    st.dataframe(pd.DataFrame({
        "Роль": members.role.map(roles), "Должность": members.position, "ФИО": members.person.fillna(""),
        "Участник": members.participant_id.map(lambda p: names.get(p, p)), "Входит в состав": members.active.map({True: "да", False: "нет"}),
    }), hide_index=True, width="stretch")

meetings = commission.meetings(snap)
member_label = dict(zip(members.member_id, members.position))
with tab_meetings:
    st.caption("Заседание правомочно, если присутствует не менее половины членов комиссии; член комиссии, "
               "направивший представителя, считается присутствующим (п. 3.7–3.8 Положения). Решения заседания без кворума недействительны.")
    if len(meetings):
        st.dataframe(pd.DataFrame({
            "№": meetings.number, "Дата": meetings.date.map(fmt.date_ru), "Лично": meetings.present_count,
            "Представители": meetings.represented_count, "Учтено": meetings.counted, "Членов": meetings.total, "Нужно": meetings.needed,
            "Кворум": meetings.has_quorum.map({True: "есть", False: "НЕТ — решения недействительны"}),
        }), hide_index=True, width="stretch")
    if user.role == "coordinator":
        with st.form("new_meeting"):
            st.subheader("Записать заседание")
            c1, c2 = st.columns(2)
            number = c1.text_input("Номер протокола")
            date = c2.date_input("Дата", value=ui.today(), format="DD.MM.YYYY")
            present = st.multiselect("Присутствовали лично", members.member_id.tolist(), format_func=member_label.get, placeholder="выберите…")
            represented = st.multiselect("Направили представителя", members.member_id.tolist(), format_func=member_label.get, placeholder="выберите…")
            agenda = st.text_area("Повестка")
            if st.form_submit_button("Сохранить заседание", type="primary"):
                ui.submit(user, {"meetings": [{"meeting_id": f"meet-{date.isoformat()}", "number": number or None, "date": date,
                                               "present": ";".join(present) or None, "represented": ";".join(represented) or None,
                                               "agenda": agenda or None}]}, action="запись заседания", success="Заседание записано.")

decisions = commission.decisions(snap, ui.today())
statuses = snap.schema["decisions"].column("status").labels
with tab_decisions:
    overdue = decisions[decisions.overdue]
    if len(overdue):
        st.error(f"Просрочено поручений: {len(overdue)}.", icon=":material/schedule:")
    table = pd.DataFrame({
        "Заседание": decisions.meeting_date.map(fmt.date_ru), "Решение": decisions.text,
        "Ответственный": decisions.responsible_id.map(lambda p: names.get(p, p)), "Срок": decisions.due_date.map(fmt.date_ru),
        "Статус": decisions.status.map(statuses), "Исполнено": decisions.done_date.map(fmt.date_ru),
        "Комментарий": decisions.comment.fillna(""),
        "Действительно": decisions.valid.map({True: "да", False: "нет (без кворума)"}),
        "Просрочено": decisions.overdue.map({True: "ПРОСРОЧЕНО", False: ""}),
    }).iloc[::-1]
    st.dataframe(table.style.apply(lambda r: ["background-color: #fde7e9" if r["Просрочено"] else "" for _ in r], axis=1),
                 hide_index=True, width="stretch")
    if user.role == "coordinator" and len(meetings):
        with st.form("new_decision"):
            st.subheader("Новое решение или поручение")
            by_id = meetings.set_index("meeting_id")
            meeting = st.selectbox("Заседание", meetings.meeting_id.tolist(),
                                   format_func=lambda m: f"№ {by_id.number[m]} от {fmt.date_ru(by_id.date[m])}")
            text = st.text_area("Текст решения")
            responsible = st.selectbox("Ответственный", list(names), format_func=names.get)
            due = st.date_input("Срок", value=ui.today() + dt.timedelta(days=30), format="DD.MM.YYYY")
            if st.form_submit_button("Сохранить решение", type="primary"):
                ui.submit(user, {"decisions": [{"decision_id": f"dec-{meeting}-{len(decisions) + 1}", "meeting_id": meeting, "text": text,
                                                "responsible_id": responsible, "due_date": due, "status": "open"}]},
                          action="решение комиссии", success="Решение записано.")

with tab_pack:
    meeting_date = st.date_input("Дата заседания", value=meeting_pack.default_date(snap, settings, ui.today()), format="DD.MM.YYYY",
                                 key="pack_date", help="По умолчанию — первое заседание после срока сдачи последнего отчётного месяца.")
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
            st.dataframe(frame, hide_index=True, width="stretch")
    c1, c2 = st.columns(2)
    c1.download_button("Скачать Excel", meeting_pack.to_xlsx(pack, district), file_name=f"заседание-{meeting_date.isoformat()}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:")
    c2.download_button("Скачать для печати (HTML)", meeting_pack.to_html(pack, district).encode("utf-8"),
                       file_name=f"заседание-{meeting_date.isoformat()}.html", mime="text/html", icon=":material/print:")
