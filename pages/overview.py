"""«Обзор»: what this workspace holds and whether every cell was understood."""

import pandas as pd
import streamlit as st

from lib import fmt, ui
from lib.periods import closed_quarters, lock_note, open_returns, quarter_of
from lib.settings import read_settings

user = ui.require_user()
snap = ui.snapshot()
settings = read_settings(snap)

st.title(f"Комиссия по задолженности за ЖКУ — {settings['district_name']}")
st.markdown(
    "Рабочее место районной комиссии по работе с дебиторской задолженностью за жилищно-коммунальные "
    "услуги: организации ЖКК ежемесячно сдают отчёт по форме приложения 4, поселения — исполнение "
    "плана мероприятий, комиссия видит свод, координатор готовит квартальную выгрузку в министерство."
)

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

months = snap.current("monthly_reports")["month"].dropna()
c1, c2, c3 = st.columns(3)
c1.metric("Участников", len(snap.current("participants")))
c2.metric("Мероприятий плана", len(snap.current("plan")))
c3.metric("Последний отчётный месяц", fmt.month_label(months.max()) if len(months) else "нет отчётов")

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
st.dataframe(inventory, hide_index=True, width="stretch")

st.subheader("Проверка данных")
for line in snap.setup:
    st.warning(line, icon=":material/build:")
if snap.problems:
    rows_left_out = sum(1 for p in snap.problems if not p.column)
    st.error(
        f"Не распознано ячеек: {len(snap.problems) - rows_left_out}"
        + (f", не учтено строк: {rows_left_out}" if rows_left_out else "")
        + ". Эти значения не учтены в расчётах, пока их не исправят в таблице (они не заменены нулями)."
    )
    st.dataframe(
        pd.DataFrame(
            {
                "Лист": [p.tab for p in snap.problems],
                "Строка": [p.row for p in snap.problems],
                "Столбец": [p.column for p in snap.problems],
                "Значение": [p.value for p in snap.problems],
                "Причина": [p.reason for p in snap.problems],
            }
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.success("Все ячейки распознаны.")
manual = snap.manual_rows()
if manual:
    st.info(f"Введено вручную в таблицу (без «Код сохранения»): строк {len(manual)}.", icon=":material/edit_note:")
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
capacity = ui.capacity()
for line in capacity.lines():
    st.write(line)
if capacity.advice() and user.role == "coordinator":
    st.warning(capacity.advice(), icon=":material/inventory_2:")
