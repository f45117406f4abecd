"""Streamlit forms of «Администрирование» (glue only): a new user, a user's password, role and access, a return for rework.

Every form keeps a draft like every other one (``shell.field_draft`` / ``shell.record_draft``: the sidebar's note, the
browser's «leave page?», back after a page switch or F5); a password is never part of a draft: it is typed again.
"""

from __future__ import annotations

import streamlit as st

from lib.auth.access import ROLE_LABELS, User
from lib.auth.passwords import PasswordError, check_new_password, hash_password
from lib.core import fmt
from lib.saving.drafts import saved_by
from lib.ui import reminder_forms, shell


def user_forms(user: User, snap, names: dict[str, str]) -> None:
    """«Новый пользователь» and «Пароль, роль и доступ»."""
    roles = list(ROLE_LABELS)
    users_where = {"admin_tab": "Пользователи"}
    # drafts like every form's (the sidebar's note, the browser's «leave page?», back after a page switch or F5);
    # a password is never part of one: it is typed again
    form = "add_user"
    read = shell.field_draft(form, {"login": "", "name": "", "role": roles[0], "participant": None}, title="Новый пользователь",
                             where="Администрирование", page="pages/admin.py", params=users_where)
    with st.container(border=True):
        st.subheader("Новый пользователь")
        shell.kept(st.text_input, "Логин (e-mail)", key=f"{form}:login")
        shell.kept(st.text_input, "ФИО", key=f"{form}:name")
        shell.kept(st.selectbox, "Роль", roles, key=f"{form}:role", format_func=ROLE_LABELS.get)
        shell.kept(st.selectbox, "Участник (для исполнителя)", [None, *names], key=f"{form}:participant",
                   format_func=lambda p: "—" if p is None else names[p], placeholder="—")  # None: no choice to Streamlit
        password = shell.kept(st.text_input, "Пароль", key=f"{form}:password", type="password")
        again = shell.kept(st.text_input, "Пароль ещё раз", key=f"{form}:password_again", type="password")
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
    shell.kept(c1.selectbox, "Роль", roles, key=f"{form}:role", format_func=ROLE_LABELS.get)
    shell.kept(c2.toggle, "Может входить", key=f"{form}:active")
    new_password = shell.kept(st.text_input, "Новый пароль (оставьте пустым, чтобы не менять)", key=f"{form}:password", type="password")
    typed = read()
    role, active = typed["role"], bool(typed["active"])
    confirmed = True
    if row["active"] is not False and not active:
        # disabling locks a person out at once: ask before doing it
        confirmed = shell.kept(st.checkbox, f"Да, отключить {row['name']}: пользователь не сможет войти, пока его снова не включат",
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



def return_form(user: User, snap, filers: list[str], names: dict[str, str]) -> None:
    """«Вернуть на доработку»: a month of a participant, with what to correct (the executor sees it, and gets an e-mail)."""
    form = "return"
    months = sorted(set(snap.current("monthly_reports")["month"].dropna()), reverse=True)
    read = shell.field_draft(form, {"participant": filers[0] if filers else None, "month": months[0] if months else None, "reason": ""},
                             title="Возврат на доработку", where="Администрирование", page="pages/admin.py",
                             params={"admin_tab": "Возврат на доработку"})
    with st.container(border=True):
        shell.kept(st.selectbox, "Участник", filers, key=f"{form}:participant", format_func=lambda p: names.get(p, p))
        shell.kept(st.selectbox, "Месяц", months, key=f"{form}:month", format_func=fmt.month_label)
        shell.kept(st.text_area, "Что исправить", key=f"{form}:reason")
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
