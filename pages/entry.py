"""«Ввод данных»: a utility's monthly report, debt structure, claims work and plan progress;
a settlement's plan progress and the debt on its territory; the offline Excel round trip."""

import pandas as pd
import streamlit as st

from lib.core import fmt
from lib.domain import monthly as entry
from lib.domain import present, proceedings
from lib.domain.categories import MONEY_FIELDS
from lib.domain.registry import NO_SETTLEMENTS, served_settlements
from lib.domain.settings import read_settings
from lib.files.excel_forms import MAX_BYTES, UploadRejected, build_workbook, check_upload, read_upload
from lib.store.port import StoreError
from lib.ui import entry_forms, shell

user = shell.require_user()
snap = shell.snapshot()
settings = read_settings(snap)
who = entry.names(snap)
pending = shell.drafts()
asked = st.query_params.get("participant")  # a link: /entry?participant=ves&month=2024-12
if user.role == "executor":
    pid = user.participant_id
    if asked is not None and asked != pid:  # someone else's report: said so, never shown
        st.error(f"Ссылка ведёт к отчёту участника «{who.get(asked, asked)}». Вы вводите данные только за "
                 f"«{who.get(pid, pid)}»: чужие отчёты открывают их исполнители и координатор.", icon=":material/block:")
        month_asked = st.query_params.get("month")
        st.page_link("pages/entry.py", label="Открыть свой отчёт", icon=":material/edit_note:",
                     query_params={"participant": pid, **({"month": month_asked} if month_asked else {})})
        st.stop()
elif user.role == "coordinator":
    filers = snap.current("participants")
    filers = filers[filers.kind.isin(["utility", "settlement"])].sort_values("kind", ascending=False)["id"].tolist()
    pid, unknown = shell.address_choice(
        "Участник (координатор вводит за него)", filers, key="entry_participant", param="participant",
        format_func=lambda p: who.get(p, p))  # a fixed label: Streamlit keeps a choice by its label
    if unknown is not None:
        st.error(f"В ссылке указан участник «{unknown}»: среди организаций ЖКК и поселений его нет. Открыт «{who.get(pid, pid)}» — "
                 "выберите нужного участника выше.", icon=":material/error:")
else:
    st.error("Члены комиссии только просматривают данные: откройте «Обзор» или «Данные и история».")
    st.stop()
try:
    me = entry.participant(snap, pid)
except StoreError as err:  # a user tied to a code the registry no longer has
    st.error(f"{err} Обратитесь к координатору: он укажет участника в вашей учётной записи.")
    st.stop()
today = shell.today()
months = entry.selectable_months(today, settings)
st.title(f"Ввод данных — {me['name']}")
month, refused = shell.address_choice(
    "Отчётный месяц", months, key="entry_month", param="month",
    format_func=fmt.month_label)
if refused is not None:
    st.error(f"В ссылке указан месяц «{refused}»: его нельзя открыть — за него ещё нельзя отчитаться или он вне плана "
             f"(можно с {fmt.month_label(months[-1])} по {fmt.month_label(months[0])}). Открыт {fmt.month_label(month)}.",
             icon=":material/error:")
place = entry_forms.Place(pid, month, me["name"])
elsewhere = [d for d in pending.values() if d.params != place.params]
if elsewhere:  # switching the month or the participant keeps the drafts: say where they are
    st.info("Несохранённые изменения остались: " + "; ".join(f"{d.where} — «{d.title}»" for d in elsewhere) +
            ". Они хранятся до конца сеанса (и в списке слева): откройте тот месяц, чтобы сохранить или отменить их.",
            icon=":material/edit_note:")
status = entry.month_status(snap, pid, month, settings, today)
locked = status.code == "locked" and user.role != "coordinator"
if me["kind"] == "utility" or status.code == "locked":  # a settlement head in a closed quarter is told why too
    entry_forms.status_banner(status)

assignments = proceedings.assignments_of(snap, pid, today)
orders_title = "Поручения комиссии"  # a stable label: tabs whose labels change are rebuilt, back on the first tab
if me["kind"] == "utility":
    tabs = st.tabs(["Ежемесячный отчёт", "Структура задолженности", "Претензионная работа", "Исполнение плана",
                    "Excel без интернета", orders_title])
    tabs = [*tabs[:5], None, tabs[5]]  # slot 5 is the settlement's territory view
else:
    tabs = st.tabs(["Исполнение плана", "Задолженность на территории", orders_title])
    tabs = [None, None, None, tabs[0], None, tabs[1], tabs[2]]

served = served_settlements(snap, pid)
if me["kind"] == "utility":
    with tabs[0]:
        if not served:
            st.info(f"{me['name']}: {NO_SETTLEMENTS}.", icon=":material/info:")
        st.caption("Задолженность на начало месяца подставлена из остатка прошлого месяца — её можно изменить. "
                   "Собираемость считается сама. " + entry_forms.TYPED)
        monthly, editing = entry_forms.monthly_editor(snap, place, locked)
        checked = entry.check_monthly(snap, pid, month, monthly, today, settings)
        entry_forms.monthly_understood(snap, checked)
        entry_forms.comparison_table(snap, pid, month, checked.frame(MONEY_FIELDS))
        entry_forms.show_findings(checked)
        entry_forms.save_button("Сохранить отчёт", "save_monthly", user, "monthly_reports", checked, snap, locked,
                             entry.saved_note(snap, "monthly_reports", pid, month), editing)
        history = entry.month_history(snap, pid, month)
        with st.expander(f"История месяца: сохранений {len(history)}", icon=":material/history:"):
            shell.table(present.table(history), hide_index=True, width="stretch")
    with tabs[1]:
        st.caption("Просроченная задолженность по ресурсам и срокам. Сумма по срокам по всем ресурсам должна быть равна "
                   "просроченной задолженности строки ежемесячного отчёта (±0,5 тыс. руб.). " + entry_forms.TYPED)
        structure, editing = entry_forms.structure_editor(snap, place, locked)
        checked_s = entry.check_structure(snap, pid, month, structure, checked.frame(MONEY_FIELDS), today, settings)
        entry_forms.structure_understood(snap, checked_s)
        entry_forms.show_findings(checked_s)
        entry_forms.save_button("Сохранить структуру", "save_structure", user, "debt_structure", checked_s, snap, locked,
                             entry.saved_note(snap, "debt_structure", pid, month), editing)
    with tabs[2]:
        claims, understood_slots, editing = entry_forms.claims_inputs(snap, place, locked)
        checked_c = entry.check_claims(snap, pid, month, claims, today, settings)
        entry_forms.claims_understood(checked_c, understood_slots)
        entry_forms.show_findings(checked_c)
        entry_forms.save_button("Сохранить претензионную работу", "save_claims", user, "claims_work", checked_c, snap, locked,
                             entry.saved_note(snap, "claims_work", pid, month), editing)
    with tabs[4]:
        st.markdown("Скачайте бланк месяца, заполните его без интернета (жёлтые ячейки) и загрузите обратно. "
                    "Ничего не записывается, пока весь файл не будет без ошибок.")
        st.download_button("Скачать бланк Excel", lambda: build_workbook(snap, pid, month),
                           file_name=present.file_name(f"Бланк отчёта {who.get(pid, pid)}", month, "xlsx"),
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/download:")
        uploaded = st.file_uploader(f"Загрузить заполненный бланк или форму приложения 4 (.xlsx, до {MAX_BYTES // 1024 // 1024} МБ)",
                                    type=["xlsx"], key=f"upload-{pid}-{month}", max_upload_size=MAX_BYTES // 1024 // 1024)
        shell.caption_upload(MAX_BYTES // 1024 // 1024, ".xlsx")
        shell.flash("save_upload")  # what the last upload stored
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
                    shell.table(present.table(pd.DataFrame({"Где и что": result.errors})), hide_index=True, width="stretch")
                else:
                    for line in result.warnings:
                        st.warning(line)
                    confirmed = entry_forms.confirmation(result, "save_upload")
                    if st.button("Сохранить загруженное", type="primary", key="save_upload",
                                 disabled=locked or (bool(result.confirm) and not confirmed)):
                        entry_forms.save_file(user, result, confirmed)

with tabs[3]:
    st.caption("Исполнение плана: по каждому мероприятию — за его отчётный период (месяц или квартал, как в плане).")
    plan, editing = entry_forms.plan_editor(snap, place, locked)
    checked_p = entry.check_plan(snap, pid, plan, today)
    entry_forms.plan_understood(snap, checked_p, plan)
    entry_forms.show_findings(checked_p)
    entry_forms.save_button("Сохранить исполнение плана", "save_plan", user, "plan_progress", checked_p, snap, locked,
                         entry.saved_note(snap, "plan_progress", pid, month, periods=set(plan.period)), editing)

if me["kind"] == "settlement":
    with tabs[5]:
        territory = entry.territory_debt(snap, pid, month)
        if territory.empty:
            st.info(f"За {fmt.month_label(month)} организации ЖКК ещё не сдали отчёты по территории поселения.")
        else:
            shell.table(present.table(entry_forms.territory_table(snap, territory)), hide_index=True, width="stretch")

with tabs[6]:
    shell.flash("assignments")  # the last assignment reported done (it is no longer listed below)
    if assignments.empty:
        st.info("Открытых поручений комиссии нет.")
    else:
        st.caption(f"Открытых поручений: {len(assignments)}.")
    for a in assignments.to_dict("records"):
        entry_forms.assignment(user, snap, a, today)
