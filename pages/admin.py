"""«Администрирование» (coordinator): users, closed quarters, returns for correction, e-mail reminders, the audit log."""

import pandas as pd
import streamlit as st

from lib.auth.access import ROLE_LABELS
from lib.auth.passwords import PasswordError, check_new_password, hash_password
from lib.core import fmt
from lib.domain import present
from lib.domain.periods import closed_quarters, open_returns, quarter_label, quarter_of
from lib.domain.present import for_display
from lib.saving.drafts import saved_by
from lib.ui import reminder_forms, rollover_panel, shell

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
    roles = list(ROLE_LABELS)
    users_where = {"admin_tab": "Пользователи"}
    # drafts like every form's (the sidebar's note, the browser's «leave page?», back after a page switch or F5);
    # a password is never part of one: it is typed again
    form = "add_user"
    read = shell.field_draft(form, {"login": "", "name": "", "role": roles[0], "participant": None}, title="Новый пользователь",
                             where="Администрирование", page="pages/admin.py", params=users_where)
    with st.container(border=True):
        st.subheader("Новый пользователь")
        st.text_input("Логин (e-mail)", key=f"{form}:login")
        st.text_input("ФИО", key=f"{form}:name")
        st.selectbox("Роль", roles, format_func=ROLE_LABELS.get, key=f"{form}:role")
        st.selectbox("Участник (для исполнителя)", [None, *names], key=f"{form}:participant",
                     format_func=lambda p: "—" if p is None else names[p])
        password = st.text_input("Пароль", type="password", key=f"{form}:password")
        again = st.text_input("Пароль ещё раз", type="password", key=f"{form}:password_again")
        typed = read()
        clicked = st.button("Добавить", type="primary", key=f"{form}-save")
    if clicked:
        login, role, participant = (typed["login"] or "").strip().lower(), typed["role"], typed["participant"]
        existing = set(snap.current("users")["login"].str.lower())
        if login in existing:
            st.error(f"Пользователь {login} уже есть.")
        elif role == "executor" and participant is None:
            st.error("Для исполнителя выберите участника.")
        elif password != again:
            st.error("Пароли не совпадают.")
        else:
            try:
                check_new_password(password)
                record = {"login": login, "name": typed["name"], "role": role, "participant_id": participant,
                          "password_hash": hash_password(password), "active": True}
                shell.submit(user, {"users": [record]}, action="создание пользователя", expect={"users": {(login,): None}},
                             success=f"Пользователь {login} добавлен.", slot="users", form=form, draft=form)
            except PasswordError as err:
                st.error(str(err))

    st.subheader("Пароль, роль и доступ")
    shell.flash("users")
    current_users = snap.current("users")
    chosen, _ = shell.address_choice("Пользователь", current_users["login"].tolist(), key="edit_login", param="login",
                                     format_func=lambda login: f"{current_users.set_index('login').name.get(login, login)} ({login})")
    row = snap.record("users", login=chosen)
    form = f"edit_user-{chosen}"
    read, base = shell.record_draft(form, {"role": row["role"], "active": row["active"] is not False},
                                    current_users.set_index("login").save_id.get(chosen), title=f"Пользователь {chosen}",
                                    where="Администрирование", page="pages/admin.py", params={**users_where, "login": chosen},
                                    who=saved_by(snap, "users", [(chosen,)]))
    c1, c2 = st.columns(2)
    c1.selectbox("Роль", roles, format_func=ROLE_LABELS.get, key=f"{form}:role")
    c2.toggle("Может входить", key=f"{form}:active")
    new_password = st.text_input("Новый пароль (оставьте пустым, чтобы не менять)", type="password", key=f"{form}:password")
    typed = read()
    role, active = typed["role"], bool(typed["active"])
    confirmed = True
    if row["active"] is not False and not active:
        # disabling locks a person out at once: ask before doing it
        confirmed = st.checkbox(f"Да, отключить {row['name']}: пользователь не сможет войти, пока его снова не включат",
                                key=f"{form}:confirm")
    if st.button("Сохранить", key=f"{form}:save", disabled=not confirmed, type="primary"):
        record = {**row, "role": role, "active": active}
        try:
            if new_password:
                record["password_hash"] = hash_password(new_password)
            action = ("смена пароля" if new_password else "смена роли" if role != row["role"]
                      else "включение пользователя" if active else "отключение пользователя")
            shell.submit(user, {"users": [record]}, action=action, expect={"users": {(chosen,): base}},
                         success=f"Пользователь {chosen}: изменения сохранены.", slot="users", form=form, draft=form)
        except PasswordError as err:
            st.error(str(err))

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
    form = "return"
    months = sorted(set(snap.current("monthly_reports")["month"].dropna()), reverse=True)
    read = shell.field_draft(form, {"participant": filers[0] if filers else None, "month": months[0] if months else None, "reason": ""},
                             title="Возврат на доработку", where="Администрирование", page="pages/admin.py",
                             params={"admin_tab": "Возврат на доработку"})
    with st.container(border=True):
        st.selectbox("Участник", filers, format_func=lambda p: names.get(p, p), key=f"{form}:participant")
        st.selectbox("Месяц", months, format_func=fmt.month_label, key=f"{form}:month")
        st.text_area("Что исправить", key=f"{form}:reason")
        typed = read()
        clicked = st.button("Вернуть на доработку", type="primary", key=f"{form}-save")
    if clicked:
        who, month, reason = typed["participant"], typed["month"], typed["reason"] or ""
        if not reason.strip():
            st.error("Укажите причину возврата: исполнитель увидит её на своей странице.")
        else:
            reminder_forms.expect_return()
            reminder_forms.expect_return(shell.submit(
                user, {"returns": [{"participant_id": who, "month": month, "reason": reason, "active": True}]},
                action="возврат на доработку", success=f"Отчёт за {fmt.month_label(month)} возвращён на доработку.", slot="returns",
                form=form, draft=form))

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
