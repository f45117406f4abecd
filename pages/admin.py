"""«Администрирование» (coordinator): users, closed quarters, returns for correction, e-mail reminders, the audit log."""

import pandas as pd
import streamlit as st

from lib.core import fmt
from lib.domain import present
from lib.domain.periods import closed_quarters, open_returns, quarter_label, quarter_of
from lib.domain.present import for_display
from lib.ui import admin_forms, reminder_forms, rollover_panel, shell

user = shell.require_user()
if user.role != "coordinator":
    st.error("Эта страница доступна только координатору.")
    st.stop()
snap = shell.snapshot()
schema = snap.schema
participants = snap.current("participants")
names = dict(zip(participants["id"], participants["name"]))
labels = present.labels(snap)

st.title("Администрирование")
users_tab, periods_tab, returns_tab, mail_tab, audit_tab, year_tab = shell.page_tabs(
    ["Пользователи", "Закрытие кварталов", "Возврат на доработку", "Рассылка", "Журнал изменений", "Новый год"], key="admin_tab")
# «Закрытие кварталов» and «Журнал изменений» run only while open (their widgets keep their values with
# persist_state); «Пользователи» and «Возврат на доработку» hold forms, drawn on closed tabs too: a form's
# typed, unsubmitted text lives only in the browser (see ui.page_tabs).

with users_tab:
    shell.table(present.table(for_display(schema["users"], snap.current("users"), labels, system=False)), hide_index=True, width="stretch")
    admin_forms.user_forms(user, snap, names)

if periods_tab.open:
    with periods_tab:
        shell.flash("periods")
        closed = closed_quarters(snap)
        months = sorted(set(snap.current("monthly_reports")["month"].dropna()))
        quarters = sorted({quarter_of(m) for m in months}, reverse=True)
        st.caption("Закрытый квартал не принимает изменений ни от кого, кроме координатора. Каждое закрытие и открытие записывается в журнал.")
        if quarters:
            status = pd.DataFrame({
                "Квартал": [quarter_label(q) for q in quarters],
                "Состояние": ["закрыт" if q in closed else "открыт" for q in quarters],
                "Кто закрыл": [closed[q]["closed_by"] if q in closed else "" for q in quarters],
                "Когда": present.local_moments([closed[q]["saved_at"] if q in closed else None for q in quarters]),
                "Основание": [closed[q].get("comment") or "" if q in closed else "" for q in quarters],
            })
            shell.table(present.table(status, moments=["Когда"]), hide_index=True, width="stretch")
        # the quarter is chosen outside the form so the button always says what it will do
        quarter = st.selectbox("Квартал", quarters, format_func=quarter_label, key="lock_quarter", persist_state="page")
        if quarter:
            shell.quarter_lock_control(user, snap, quarter, key="admin", slot="periods")

with returns_tab:
    shell.flash("returns")
    reminder_forms.mail_returned(user, shell.today())  # a report returned on the previous run: its e-mail goes out now
    waiting = open_returns(snap)
    if waiting.empty:
        st.info("Нет отчётов, ожидающих доработки.")
    else:
        shell.table(present.table(pd.DataFrame({
            "Участник": [names.get(p, p) for p in waiting["participant_id"]],
            "Месяц": [fmt.month_label(m) for m in waiting["month"]],
            "Причина": waiting["reason"].tolist(),
            "Возвращён": present.local_moments(waiting["saved_at"]).tolist(),
        }), moments=["Возвращён"]), hide_index=True, width="stretch")
    filers = participants[participants["files_monthly"].fillna(False).astype(bool)]["id"].tolist()
    admin_forms.return_form(user, snap, filers, names)

with mail_tab:  # a form: drawn on the closed tab too
    reminder_forms.mail_settings_form(user, snap)

if audit_tab.open:
    with audit_tab:
        audit = snap.all_versions("audit").iloc[::-1]
        tables = {t.key: t.title for t in schema}
        entity = st.selectbox("Лист", [None, *tables], format_func=lambda k: "все" if k is None else tables[k], key="audit_entity",
                              persist_state="page")
        if entity:
            audit = audit[audit["entity"] == entity]
        st.caption(f"Записей в журнале: {fmt.figure(len(audit), 'integer')}. Журнал ведётся автоматически и не редактируется.")
        shell.table(present.table(present.audit_table(schema, audit, labels)), hide_index=True, width="stretch")

if year_tab.open:
    with year_tab:
        rollover_panel.show(user)
