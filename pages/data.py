"""«Данные и история»: any tab as stored, the current version of each record and its history."""

import streamlit as st

from lib.auth.access import audit_for
from lib.core import fmt
from lib.domain import present
from lib.domain.present import for_display, matching_rows, record_labels
from lib.ui import shell

shell.require_user()
snap = shell.snapshot()
names = present.labels(snap)
tables = {t.title: t for t in snap.schema}

st.title("Данные и история изменений")
st.caption(
    "Записи не перезаписываются: исправление — это новая версия, прежние версии остаются. "
    "Здесь видно, кто и когда сохранил каждую версию."
)
title = st.selectbox("Лист", list(tables), key="data_tab")
table = tables[title]
show_all = st.toggle("Показать все версии, а не только текущие", key="data_all_versions")
frame = snap.all_versions(table.key) if show_all else snap.current(table.key)

query = st.text_input("Поиск по тексту", key="data_query", placeholder="например, Ленск, население, декабрь 2024 или 1 234,5")
shown = for_display(table, frame, names)
if query:  # in what the table shows, as it shows it — never in a hidden column (password hashes)
    keep = matching_rows(shown, query)
    frame, shown = frame[keep], shown[keep]

st.caption(f"Строк: {fmt.number(len(frame), 0)}")
# the file is named by the tab and the months (quarters) in it, «Ежемесячный отчёт 2023-01–2024-12.csv»; a tab without: today
period = next((present.period_of(frame[c]) for c in ("month", "period") if c in frame and frame[c].notna().any()), None)
period = period or shell.today().isoformat()
shell.table(present.table(shown), hide_index=True, width="stretch")
shell.table_download(
    "Скачать CSV (для Excel)",
    lambda: present.csv_bytes(shown),  # «;», decimal comma, UTF-8 with BOM: Russian Excel opens it in columns
    frame,
    file_name=present.file_name(table.title, period, "csv"),
    mime="text/csv",
)

if not frame.empty:
    st.subheader("История записи")
    # the records on screen (after the search), one entry per record whatever the versions shown
    latest = ~frame.duplicated(list(table.record_key), keep="last")
    labels = dict(zip(record_labels(table, shown[latest]), frame[latest].to_dict("records")))
    chosen = st.selectbox("Запись", list(labels), key="data_record")
    key = {k: labels[chosen][k] for k in table.record_key}
    history = snap.history(table.key, **key)
    st.caption(f"Версий: {len(history)}")
    shell.table(present.table(for_display(table, history, names)), hide_index=True, width="stretch")
    changes = audit_for(snap, table.key, key)
    if len(changes):
        st.caption("Журнал изменений записи")
        shell.table(present.table(present.audit_table(snap.schema, changes, names, record=False)), hide_index=True, width="stretch")
