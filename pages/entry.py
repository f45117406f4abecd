"""«Ввод данных»: a utility's monthly report, debt structure, claims work and plan progress;
a settlement's plan progress and the debt on its territory; the offline Excel round trip."""

import pandas as pd
import streamlit as st

from lib import commission, entry, fmt, ui, ui_entry
from lib.excel_forms import UploadRejected, build_workbook, check_upload, read_upload
from lib.settings import read_settings

user = ui.require_user()
snap = ui.snapshot()
settings = read_settings(snap)
who = entry.names(snap)
if user.role == "executor":
    pid = user.participant_id
elif user.role == "coordinator":
    filers = snap.current("participants")
    filers = filers[filers.kind.isin(["utility", "settlement"])].sort_values("kind", ascending=False)["id"].tolist()
    pid = st.selectbox("Участник (координатор вводит за него)", filers, format_func=lambda p: who.get(p, p), key="entry_participant")
else:
    st.error("Члены комиссии только просматривают данные: откройте «Обзор» или «Данные и история».")
    st.stop()
me = entry.participant(snap, pid)
today = ui.today()
months = entry.selectable_months(today, settings)
st.title(f"Ввод данных — {me['name']}")
month = st.selectbox("Отчётный месяц", months, format_func=fmt.month_label, key=f"entry_month-{pid}")
status = entry.month_status(snap, pid, month, settings)
locked = status.code == "locked" and user.role != "coordinator"
if me["kind"] == "utility":
    ui_entry.status_banner(status)

assignments = commission.assignments_of(snap, pid, today)
orders_title = f"Поручения комиссии ({len(assignments)})"
if me["kind"] == "utility":
    tabs = st.tabs(["Ежемесячный отчёт", "Структура задолженности", "Претензионная работа", "Исполнение плана",
                    "Excel без интернета", orders_title])
    tabs = [*tabs[:5], None, tabs[5]]  # slot 5 is the settlement's territory view
else:
    tabs = st.tabs(["Исполнение плана", "Задолженность на территории", orders_title])
    tabs = [None, None, None, tabs[0], None, tabs[1], tabs[2]]

if me["kind"] == "utility":
    with tabs[0]:
        st.caption("Тыс. руб. Задолженность на начало месяца подставлена из остатка прошлого месяца — её можно изменить. "
                   "Собираемость считается сама.")
        monthly = ui_entry.monthly_editor(snap, pid, month, locked)
        st.dataframe(ui_entry.comparison(snap, pid, month, monthly), hide_index=True, width="stretch")
        checked = entry.check_monthly(snap, pid, month, monthly, today, settings)
        ui_entry.show_findings(checked)
        ui_entry.save_button("Сохранить отчёт", "save_monthly", user, "monthly_reports", checked, snap, locked)
        history = entry.month_history(snap, pid, month)
        with st.expander(f"История месяца: сохранений {len(history)}", icon=":material/history:"):
            st.dataframe(history, hide_index=True, width="stretch")
    with tabs[1]:
        st.caption("Просроченная задолженность по ресурсам и срокам. Сумма по срокам по всем ресурсам должна быть равна "
                   "просроченной задолженности строки ежемесячного отчёта (±0,5 тыс. руб.).")
        structure = ui_entry.structure_editor(snap, pid, month, locked)
        checked_s = entry.check_structure(snap, pid, month, structure, monthly, today, settings)
        ui_entry.show_findings(checked_s)
        ui_entry.save_button("Сохранить структуру", "save_structure", user, "debt_structure", checked_s, snap, locked)
    with tabs[2]:
        claims = ui_entry.claims_inputs(snap, pid, month, locked)
        checked_c = entry.check_claims(snap, pid, month, claims, today, settings)
        ui_entry.show_findings(checked_c)
        ui_entry.save_button("Сохранить претензионную работу", "save_claims", user, "claims_work", checked_c, snap, locked)
    with tabs[4]:
        st.markdown("Скачайте бланк месяца, заполните его без интернета (жёлтые ячейки) и загрузите обратно. "
                    "Ничего не записывается, пока весь файл не будет без ошибок.")
        st.download_button("Скачать бланк Excel", build_workbook(snap, pid, month), file_name=f"отчёт-{pid}-{month}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:")
        uploaded = st.file_uploader("Загрузить заполненный бланк или форму приложения 4", type=["xlsx"], key=f"upload-{pid}-{month}")
        served = [x for x in (me.get("serves") or "").split(";") if x]
        annex_settlement = st.selectbox("Поселение (только для формы приложения 4: в ней поселение не указано)", served,
                                        format_func=lambda p: who.get(p, p), key=f"annex4-settlement-{pid}")
        if uploaded is not None:
            try:
                upload = read_upload(uploaded.getvalue(), snap, pid, month, annex_settlement)
            except UploadRejected as err:
                st.error(f"Файл не принят: {err}")
            else:
                result = check_upload(snap, pid, month, upload, today, settings)
                if result.errors:
                    st.error(f"В файле {len(result.errors)} ошибок — ничего не записано. Исправьте и загрузите снова:")
                    st.dataframe(pd.DataFrame({"Где и что": result.errors}), hide_index=True, width="stretch")
                else:
                    for line in result.warnings:
                        st.warning(line)
                    if st.button("Сохранить загруженное", type="primary", key="save_upload", disabled=locked):
                        ui.submit(user, result.changes, action="загрузка из Excel", success="Файл загружен и сохранён.")

with tabs[3]:
    st.caption("Исполнение плана: по каждому мероприятию — за его отчётный период (месяц или квартал, как в плане).")
    plan = entry.plan_form(snap, pid, month)
    status_labels = snap.schema["plan_progress"].column("status").labels
    edited = st.data_editor(
        plan, key=f"plan-{pid}-{month}", hide_index=True, num_rows="fixed", width="stretch",
        disabled=["Пункт", "Мероприятие", "Период"] if not locked else True,
        column_config={
            "measure_id": None,
            "period": None,
            "Мероприятие": st.column_config.TextColumn(width="large"),
            "status": st.column_config.SelectboxColumn("Статус", options=list(status_labels), format_func=status_labels.get),
            "indicator_value": st.column_config.NumberColumn("Значение индикатора", min_value=0.0),
            "done_text": st.column_config.TextColumn("Что сделано", max_chars=2000, width="large"),
        },
    )
    checked_p = entry.check_plan(snap, pid, edited)
    ui_entry.show_findings(checked_p)
    ui_entry.save_button("Сохранить исполнение плана", "save_plan", user, "plan_progress", checked_p, snap, locked)

if me["kind"] == "settlement":
    with tabs[5]:
        territory = entry.territory_debt(snap, pid, month)
        if territory.empty:
            st.info(f"За {fmt.month_label(month)} организации ЖКК ещё не сдали отчёты по территории поселения.")
        else:
            st.dataframe(ui_entry.territory_table(snap, territory), hide_index=True, width="stretch")

with tabs[6]:
    if assignments.empty:
        st.info("Открытых поручений комиссии нет.")
    for a in assignments.to_dict("records"):
        overdue = a["overdue"]
        with st.container(border=True):
            st.markdown(f"**{a['text']}**  \nСрок: {fmt.date_ru(a['due_date'])}" + (" — **просрочено**" if overdue else ""))
            with st.form(f"done-{a['decision_id']}"):
                comment = st.text_area("Что сделано", key=f"done-comment-{a['decision_id']}")
                if st.form_submit_button("Сообщить об исполнении", type="primary"):
                    if not comment.strip():
                        st.error("Опишите, что сделано: комиссия увидит этот комментарий.")
                    else:
                        ui.submit(user, {"decisions": [commission.done_record(snap, a["decision_id"], comment, today)]},
                                  action="исполнение поручения", success="Исполнение поручения отмечено.")
