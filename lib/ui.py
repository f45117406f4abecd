"""The thin glue between Streamlit and lib/: configuration, the shared store, the signed-in user, common chrome.

Everything Streamlit-specific that several pages need lives here so pages stay
a few lines of layout; nothing here computes a figure or decides a permission.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from lib import config as cfg
from lib.access import User
from lib.demo import ensure_demo
from lib.login import current_user
from lib.settings import read_settings
from lib.store.factory import shared_store
from lib.store.port import Snapshot, Store, StoreError

SESSION_USER = "user_login"


def today() -> dt.date:
    """The date the pages reason with (a function, so tests can fix it)."""
    return dt.date.today()


def secrets_mapping() -> dict:
    """``st.secrets`` as a dict; no secrets file is the normal first-run case."""
    try:
        return st.secrets.to_dict()
    except Exception:  # StreamlitSecretNotFoundError (or a malformed file, reported by resolve)
        return {}


def store() -> Store:
    """The configured store; on the default embedded store, demo data on first start."""
    try:
        config = cfg.resolve(secrets=secrets_mapping())
        current = shared_store(config)
        ensure_demo(current, config)
        return current
    except (cfg.ConfigError, StoreError) as err:
        st.error(f"Хранилище данных недоступно: {err}")
        st.stop()


def snapshot() -> Snapshot:
    try:
        return store().read_all()
    except StoreError as err:
        st.error(f"Не удалось прочитать данные: {err}")
        st.stop()


def capacity():
    """How full the store is (``lib.capacity``); a store that cannot tell says so instead of failing the page."""
    from lib.capacity import Capacity

    try:
        return store().capacity()
    except StoreError as err:
        st.warning(f"Заполненность хранилища не определена: {err}")
        return Capacity(0, None, None)


def sso_configured() -> bool:
    return bool(secrets_mapping().get("auth"))


def sso_email() -> str | None:
    if not sso_configured():
        return None
    try:
        info = st.user.to_dict()
    except Exception:
        return None
    return info.get("email") if info.get("is_logged_in") else None


def user(snap: Snapshot | None = None) -> User | None:
    """The signed-in user, re-read from the users tab on every run (a disabled user is out at once)."""
    return current_user(snap or snapshot(), st.session_state.get(SESSION_USER))


def require_user() -> User:
    """For pages: the signed-in user; a visitor who is not signed in goes to the login page."""
    signed_in = user()
    if signed_in is None:
        st.switch_page("pages/login.py")
    show_flash()  # the confirmation of a save made on the previous run, on top of the fresh page
    return signed_in


def sign_in(signed_in: User) -> None:
    st.session_state[SESSION_USER] = signed_in.login


def sign_out() -> None:
    st.session_state.pop(SESSION_USER, None)
    if sso_email():
        st.logout()


def chrome(current: Store, snap: Snapshot, signed_in: User | None) -> None:
    """Sidebar (who, where) and the demo banner, on every page."""
    settings = read_settings(snap)
    with st.sidebar:
        if signed_in:
            participants = snap.current("participants").set_index("id")["name"]
            where = f", {participants.get(signed_in.participant_id, signed_in.participant_id)}" if signed_in.participant_id else ""
            st.markdown(f"**{signed_in.name}**  \n{signed_in.role_label}{where}")
            st.button("Выйти", key="logout", on_click=sign_out, icon=":material/logout:")
            st.divider()
        st.caption(f"Район: **{settings['district_name']}**")
        st.caption(f"Данные: {current.describe()}")
    if settings["demo"]:
        st.warning(
            "Демонстрационные данные: Ленский район, 2023–2024 годы. Цифры сгенерированы и не являются "
            "отчётностью. Чтобы работать с настоящими данными, подключите Google Таблицу (см. README).",
            icon=":material/warning:",
        )


FLASH = "flash_message"


def saved(message: str) -> None:
    """After a successful save: rerun so every figure and status on the page is fresh, and say
    so once on top of the refreshed page (``require_user`` shows it: every page calls it first)."""
    st.session_state[FLASH] = message
    st.rerun()


def show_flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(message, icon=":material/check_circle:")
        st.toast(message, icon=":material/check_circle:")


def submit(signed_in: User, changes: dict, *, action: str | None = None, success: str = "Сохранено.") -> bool:
    """Write through lib.access (rules + audit); on any refusal say why and keep the form as typed."""
    from lib import access

    try:
        access.write(store(), signed_in, changes, action=action)
    except StoreError as err:  # ValidationError and Denied are StoreErrors too
        st.error(f"{err} Введённые данные остались в форме.")
        return False
    saved(success)
    return True
