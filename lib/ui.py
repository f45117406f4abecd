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


def saved(message: str, slot: str | None = None) -> None:
    """After a successful save: rerun so every figure and status on the page is fresh, and say so
    once on the refreshed page — where the form was (``slot``, shown by ``flash``) or on top of the
    page (``require_user`` shows those: every page calls it first)."""
    st.session_state[FLASH] = (slot, message)
    st.rerun()


def flash(slot: str | None = None) -> None:
    """Show the confirmation of the save made on the previous run, if it belongs here."""
    pending = st.session_state.get(FLASH)
    if pending and pending[0] == slot:
        del st.session_state[FLASH]
        st.success(pending[1], icon=":material/check_circle:")


def show_flash() -> None:
    flash(None)


EDIT_BASES = "edit_bases"
NEW_IDS = "new_record_ids"


def new_record_id(form: str, prefix: str) -> str:
    """The id a "new record" form will write, fixed until that save succeeds.

    Pages put it into the form's key, so a second click on a form already saved (a double click, a
    slow connection) belongs to a form that no longer exists and is ignored; and the write demands
    that the id be new, so even a repeated submit cannot create the record twice.
    """
    from lib.ids import new_id

    ids = st.session_state.setdefault(NEW_IDS, {})
    return ids.setdefault(form, new_id(prefix))


def edit_base(form: str, current_version: str | None) -> str | None:
    """The version an edit form was opened on (its save_id), remembered from the first run that showed it.

    A later rerun may read a newer version saved by someone else; the save must still be checked
    against what the person saw, or their edit would silently revert the other one.
    """
    bases = st.session_state.setdefault(EDIT_BASES, {})
    return bases.setdefault(form, current_version)


def forget_form(form: str) -> None:
    """Start a form afresh: a new id for a new record, the stored version for an edit, empty widgets."""
    st.session_state.get(NEW_IDS, {}).pop(form, None)
    st.session_state.get(EDIT_BASES, {}).pop(form, None)
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(f"{form}:")]:
        del st.session_state[key]


def stored_version(tab: str, record: dict):
    """One stored record as «Поле — Сохранено сейчас» rows, with Russian titles and labels."""
    import pandas as pd

    from lib.frames import empty_frame
    from lib.present import for_display
    from lib.schema import schema

    table = schema()[tab]
    frame = pd.concat([empty_frame(table), pd.DataFrame([record])], ignore_index=True)[table.keys]
    shown = for_display(table, frame).iloc[0]
    return pd.DataFrame({"Поле": shown.index, "Сохранено сейчас": [str(v) for v in shown.to_numpy()]})


def submit(signed_in: User, changes: dict, *, action: str | None = None, success: str = "Сохранено.",
           expect: dict | None = None, slot: str | None = None, form: str | None = None) -> bool:
    """Write through lib.access (rules + audit); on any refusal say why and keep the form as typed.

    ``expect``: the versions the form was based on / ids that must be new (see ``access.write``).
    An unchanged form writes nothing and says so; a conflicting edit shows what is stored now.
    """
    from lib import access
    from lib.store.port import Conflict

    try:
        access.write(store(), signed_in, changes, action=action, expect=expect)
    except access.NothingChanged as err:
        st.info(str(err), icon=":material/info:")
        return False
    except Conflict as err:
        st.error(f"{err} Ниже — что сохранено сейчас: загрузите эту версию в форму и внесите свою правку снова.",
                 icon=":material/sync_problem:")
        if err.current:
            st.dataframe(stored_version(err.tab, err.current), hide_index=True)
        if form:
            st.button("Загрузить сохранённую версию", key=f"reload-{form}", on_click=forget_form, args=(form,))
        return False
    except StoreError as err:  # ValidationError, Denied and Rejected are StoreErrors too
        st.error(f"{err} Введённые данные остались в форме.")
        return False
    if form:
        forget_form(form)
    saved(success, slot)
    return True


def quarter_lock_control(signed_in: User, snap: Snapshot, quarter: str, *, key: str, slot: str | None = None,
                         comment: str | None = None) -> None:
    """Close or reopen a quarter. Closing first lists what is still open in it (returns, months not
    filed, overdue plan reports) and asks for an explicit confirmation; nothing is closed by surprise."""
    from lib.periods import closed_quarters, quarter_label, quarter_open_items

    closed = closed_quarters(snap)
    close_it = quarter not in closed
    if not close_it:
        from lib.periods import lock_note

        st.caption(lock_note(quarter, closed[quarter]))
    confirmed = True
    if close_it:
        open_items = quarter_open_items(snap, quarter, read_settings(snap), today())
        if open_items:
            st.warning(f"В {quarter_label(quarter).replace('квартал', 'квартале')} не завершено:\n\n"
                       + "\n".join(f"- {line}" for line in open_items), icon=":material/warning:")
            confirmed = st.checkbox("Всё равно закрыть квартал: исполнители больше не смогут ничего исправить",
                                    key=f"{key}-lock-confirm-{quarter}")
    reason = st.text_input("Основание", value=comment or "", key=f"{key}-lock-comment-{quarter}",
                           placeholder="например, отчёт направлен в МЖКХ РС(Я)")
    label = f"Закрыть {quarter_label(quarter)}" if close_it else f"Открыть {quarter_label(quarter)}"
    if st.button(label, type="primary" if close_it else "secondary", disabled=not confirmed, key=f"{key}-lock-{quarter}"):
        submit(signed_in, {"locks": [{"quarter": quarter, "locked": close_it, "comment": reason or None}]},
               action="закрытие квартала" if close_it else "снятие блокировки",
               success=f"{quarter_label(quarter)}: {'закрыт' if close_it else 'открыт'}.", slot=slot)
