"""«Вход»: the built-in form, and single sign-on when [auth] is configured. Afterwards the person goes
where the link they opened pointed (``?next=``), not always to «Обзор»."""

import streamlit as st

from lib import ui
from lib.login import LoginError, authenticate, throttle_for, user_by_email
from lib.settings import read_settings

snap = ui.snapshot()
target = ui.sign_in_target()
if ui.user(snap):
    ui.go(target)  # already signed in (a cookie, single sign-on, or the form below a moment ago)
st.title("Вход")
st.markdown(f"**{read_settings(snap)['district_name']}** · рабочее место комиссии по задолженности за ЖКУ")
st.caption("Учётные записи выдаёт координатор.")
if notice := st.session_state.pop(ui.NOTICE, None):
    st.info(notice, icon=":material/info:")
if st.query_params.get("failed"):
    st.warning("Вход не сохранился в браузере: ссылка входа устарела или уже использована. Войдите ещё раз.",
               icon=":material/warning:")

if email := ui.sso_email():  # the provider vouches for this e-mail; a known user was signed in above
    try:
        user_by_email(snap, email)
    except LoginError as err:
        st.error(str(err))
        st.button("Выйти из единого входа", on_click=st.logout)
        st.stop()

with st.form("login", enter_to_submit=True):
    login = st.text_input("Логин (e-mail)", key="login_name", autocomplete="username")
    password = st.text_input("Пароль", type="password", key="login_password", autocomplete="current-password")
    submitted = st.form_submit_button("Войти", type="primary")
if submitted:
    try:
        signed_in = authenticate(snap, login, password, throttle_for(ui.store()))
    except LoginError as err:
        st.error(str(err))
    else:
        ui.sign_in(snap, signed_in, target)

if ui.sso_configured():
    st.divider()
    ui.sso_button()
