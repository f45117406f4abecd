"""«Обзор»: for an executor, what their organisation has to do; for the coordinator, what this workspace
holds and whether every cell was understood; for a commission member, the district at a glance."""

import pandas as pd
import streamlit as st

from lib.core import fmt
from lib.domain import present, todo
from lib.domain.monthly import participant
from lib.domain.periods import closed_quarters, lock_note, open_returns, quarter_of
from lib.domain.settings import read_settings
from lib.store.port import StoreError
from lib.ui import reminder_forms, shell

user = shell.require_user()
snap = shell.snapshot()
settings = read_settings(snap)
today = shell.today()

st.title(f"Комиссия по задолженности за ЖКУ — {settings['district_name']}")
st.markdown(
    "Рабочее место районной комиссии по работе с дебиторской задолженностью за жилищно-коммунальные "
    "услуги: организации ЖКК ежемесячно сдают отчёт по форме приложения 4, поселения — исполнение "
    "плана мероприятий, комиссия видит свод, координатор готовит квартальную выгрузку в министерство."
)

reminder_forms.my_reminders(user, snap)

if user.participant_id:
    mine = open_returns(snap)
    closed = closed_quarters(snap)
    for r in mine[mine["participant_id"] == user.participant_id].to_dict("records"):
        quarter = quarter_of(r["month"])
        # a returned month in a quarter closed since cannot be refiled here: say so, as «Ввод данных» does
        what_to_do = (f"{lock_note(quarter, closed[quarter])} Исправление — через координатора." if quarter in closed
                      else "Подайте исправленный отчёт за этот месяц.")
        st.error(
            f"Отчёт за {fmt.month_label(r['month'])} возвращён на доработку: {r['reason']} {what_to_do}",
            icon=":material/undo:",
        )

if user.role == "executor" and user.participant_id:
    try:
        me = participant(snap, user.participant_id)
    except StoreError as err:  # an account tied to a code the registry no longer has
        st.error(f"{err} Обратитесь к координатору: он укажет участника в вашей учётной записи.")
        st.stop()
    st.subheader(f"Что нужно сделать — {me['name']}")
    if me["kind"] == "utility":
        months = todo.months_due(snap, user.participant_id, settings, today)
        waiting = todo.to_do(months)
        st.markdown(f"**Ежемесячный отчёт** (срок — до {settings['report_due_day']} числа следующего месяца): "
                    + (f"ждут отчёта месяцев: {waiting}." if waiting else "все последние месяцы сданы."))
        shell.table(present.table(months), hide_index=True, width="stretch")
    plan = todo.plan_due(snap, user.participant_id, settings, today)
    st.markdown(f"**Исполнение плана мероприятий**: {'отчётов к сдаче: ' + str(len(plan)) if len(plan) else 'все отчёты поданы.'}")
    if len(plan):
        shell.table(present.table(plan), hide_index=True, width="stretch",
                     column_config={"Мероприятие": st.column_config.TextColumn(width="large")})
    orders = todo.assignments(snap, user.participant_id, today)
    st.markdown(f"**Поручения комиссии**: {'открытых ' + str(len(orders)) if len(orders) else 'открытых нет.'}")
    if len(orders):
        shell.table(present.table(orders), hide_index=True, width="stretch")
    st.page_link("pages/entry.py", label="Открыть «Ввод данных»", icon=":material/edit_note:")
    st.stop()

months = snap.current("monthly_reports")["month"].dropna()
with st.container(horizontal=True):
    st.metric("Участников", fmt.number(len(snap.current("participants")), 0), border=True)
    st.metric("Мероприятий плана", fmt.number(len(snap.current("plan")), 0), border=True)
    st.metric("Последний отчётный месяц", fmt.month_label(months.max()) if len(months) else "нет отчётов", border=True)

if user.role == "coordinator":  # what the store holds: the coordinator's concern, not a reader's
    st.subheader("Что хранится")
    schema_tables = list(snap.schema)
    counts = snap.counts()
    inventory = pd.DataFrame(
        {
            "Лист": [t.title for t in schema_tables],
            "Записей": [counts[t.key][0] for t in schema_tables],
            "Строк с версиями": [counts[t.key][1] for t in schema_tables],
            "Назначение": [t.description for t in schema_tables],
        }
    )
    shell.table(present.table(inventory), hide_index=True, width="stretch")

reminder_forms.reminder_log(user, snap)  # the coordinator: what was mailed, what failed

st.subheader("Проверка данных")
for line in snap.setup:
    st.warning(line, icon=":material/build:")
if snap.problems:
    rows_left_out = sum(1 for p in snap.problems if not p.column)
    st.error(
        f"Не распознано ячеек: {fmt.figure(len(snap.problems) - rows_left_out, 'integer')}"
        + (f", не учтено строк: {fmt.figure(rows_left_out, 'integer')}" if rows_left_out else "")
        + ". Эти значения не учтены в расчётах, пока их не исправят в таблице (они не заменены нулями)."
    )
    st.dataframe(
        present.table(pd.DataFrame(
            {
                "Лист": [p.tab for p in snap.problems],
                "Строка": [p.row for p in snap.problems],
                "Столбец": [p.column for p in snap.problems],
                "Значение": [p.value for p in snap.problems],
                "Причина": [p.reason for p in snap.problems],
            }
        )),
        hide_index=True,
        width="stretch",
    )
else:
    st.success("Все ячейки распознаны.")
shell.manual_changes(user, snap)
manual = snap.manual_rows()
if manual:
    st.info(f"Введено вручную в таблицу (без «Код сохранения»): строк {fmt.figure(len(manual), 'integer')}.", icon=":material/edit_note:")
    st.dataframe(
        pd.DataFrame({
            "Лист": [n.tab for n in manual],
            "Строка": [n.row for n in manual],
            "Запись": [n.record for n in manual],
            "Учтена": ["да" if n.counted else "нет" for n in manual],
            "Пояснение": [n.reason for n in manual],
        }),
        hide_index=True,
        width="stretch",
    )
for problem in settings.problems:
    st.warning(problem)

st.subheader("Заполненность хранилища")
capacity = shell.capacity()
for line in capacity.lines():
    st.write(line)
if capacity.advice() and user.role == "coordinator":
    st.warning(capacity.advice(), icon=":material/inventory_2:")
