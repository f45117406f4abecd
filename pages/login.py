"""«Вход»: the built-in form, and single sign-on when [auth] is configured."""

import streamlit as st

from lib import ui
from lib.login import LoginError, authenticate, user_by_email

snap = ui.snapshot()
if ui.user(snap):
    st.switch_page("pages/overview.py")  # already signed in (also right after the form below)
st.title("Вход")
st.caption("Рабочее место комиссии по задолженности за ЖКУ. Учётные записи выдаёт координатор.")

email = ui.sso_email()
if email:
    try:
        ui.sign_in(user_by_email(snap, email))
        st.switch_page("pages/overview.py")
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
        ui.sign_in(authenticate(snap, login, password))
        st.switch_page("pages/overview.py")
    except LoginError as err:
        st.error(str(err))

if ui.sso_configured():
    st.divider()
    st.button("Войти через единый вход (SSO)", on_click=st.login, icon=":material/key:")
