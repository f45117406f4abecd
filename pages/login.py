"""«Вход»: the built-in form, and single sign-on when [auth] is configured. Afterwards the person goes
where the link they opened pointed (``?next=``), not always to «Обзор»."""

import streamlit as st

from lib.auth import sso
from lib.auth.signin import LoginError, authenticate, throttle_for, user_by_email
from lib.domain.settings import read_settings
from lib.ui import shell

snap = shell.snapshot()
target = shell.sign_in_target()
if shell.user(snap):
    shell.go(target)  # already signed in (a cookie, single sign-on, or the form below a moment ago)
st.title("Вход")
st.markdown(f"**{read_settings(snap)['district_name']}** · рабочее место комиссии по задолженности за ЖКУ")
st.caption("Учётные записи выдаёт координатор.")
if notice := st.session_state.pop(shell.NOTICE, None):
    st.info(notice, icon=":material/info:")
if st.query_params.get("failed"):
    st.warning("Вход не сохранился в браузере: ссылка входа устарела или уже использована. Войдите ещё раз.",
               icon=":material/warning:")

if (code := st.query_params.get("sso")) in (sso.SIGNED_OUT, sso.SIGNED_OUT_APP):
    st.info(sso.SIGNED_OUT_TEXT if code == sso.SIGNED_OUT else sso.SIGNED_OUT_APP_TEXT, icon=":material/logout:")
elif code in sso.MESSAGES:  # the single sign-on round trip ended here (lib/ui/sso_routes.py): say why, in Russian
    st.error(sso.MESSAGES[code], icon=":material/error:")

if email := shell.sso_email():  # the provider vouches for this e-mail; a known user was signed in above
    try:
        user_by_email(snap, email)
    except LoginError as err:
        st.error(shell.not_a_link(str(err)))
        st.button("Выйти из единого входа", on_click=st.logout)
        st.stop()

with st.form("login", enter_to_submit=True):
    login = st.text_input("Логин (e-mail)", key="login_name", autocomplete="username")
    password = st.text_input("Пароль", type="password", key="login_password", autocomplete="current-password")
    submitted = st.form_submit_button("Войти", type="primary")
if submitted:
    try:
        signed_in = authenticate(snap, login, password, throttle_for(shell.store()))
    except LoginError as err:
        st.error(str(err))
    else:
        shell.sign_in(snap, signed_in, target)

if shell.sso_configured():
    st.divider()
    shell.sso_problems()
    shell.sso_button()
