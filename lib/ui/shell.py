"""The thin glue between Streamlit and lib/: configuration, the shared store, the signed-in user, common chrome.

Everything Streamlit-specific that several pages need lives here so pages stay
a few lines of layout; nothing here computes a figure or decides a permission.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from lib.auth.access import User
from lib.auth.signin import current_user
from lib.core import config as cfg
from lib.demo import ensure_demo
from lib.domain import present
from lib.domain.settings import read_settings
from lib.store.factory import shared_store
from lib.store.port import Snapshot, Store, StoreError
from lib.ui import table_bytes

SESSION_USER = "user_login"
log = logging.getLogger(__name__)
UNEXPECTED = "Непредвиденная ошибка"
table_bytes.install()  # a prepared table's bytes are made once, not on every rerun


def today() -> dt.date:
    """The date the pages reason with (a function, so tests can fix it)."""
    return dt.date.today()


def secrets_mapping() -> dict:
    """``st.secrets`` as a dict; no secrets file is the normal first-run case."""
    try:
        return st.secrets.to_dict()
    except Exception:  # StreamlitSecretNotFoundError (or a malformed file, reported by resolve)
        return {}


def _unavailable(what: str, err: Exception) -> None:
    """A store that cannot be reached: the details (paths, addresses) go to the server's log and to
    people who are signed in; a visitor learns nothing about the server (issue 13, item 7)."""
    log.error("%s: %s", what, err)
    if _maybe_signed_in():
        st.error(f"{what}: {err}")
    else:
        st.error(f"{what}. Подробности — в журнале сервера; сообщите координатору.")
    st.stop()


def store() -> Store:
    """The configured store; on the default embedded store, demo data on first start."""
    try:
        config = cfg.resolve(secrets=secrets_mapping())
        current = shared_store(config)
        ensure_demo(current, config)
        return current
    except (cfg.ConfigError, StoreError) as err:
        _unavailable("Хранилище данных недоступно", err)


def snapshot() -> Snapshot:
    try:
        return store().read_all()
    except StoreError as err:
        _unavailable("Не удалось прочитать данные", err)


def capacity():
    """How full the store is (``lib.store.capacity``); a store that cannot tell says so instead of failing the page."""
    from lib.store.capacity import Capacity

    try:
        return store().capacity()
    except StoreError as err:
        st.warning(f"Заполненность хранилища не определена: {err}")
        return Capacity(0, None, None)


def sso_configured() -> bool:
    return bool(secrets_mapping().get("auth"))


def sso_identity() -> dict | None:
    """What single sign-on vouches for (``st.user``: e-mail, and ``sid`` when our callback made it), or None."""
    if not sso_configured():
        return None
    try:
        info = st.user.to_dict()
    except Exception:
        return None
    return info if info.get("is_logged_in") and info.get("email") else None


def sso_email() -> str | None:
    info = sso_identity()
    return info["email"] if info else None


# ---- who is signed in ------------------------------------------------------------------------
# A sign-in lives in the session (SESSION_USER, with the fingerprint of the account it was granted
# on) and, when the server has the cookie routes, in the browser's HttpOnly cookie, so a reload, a
# new tab or a link finds the person signed in. Either is honoured only while the account as stored
# now still has that fingerprint: a new password, role or participant, or a disabled account ends it.

SESSION_FP = "user_fingerprint"
SESSION_SID = "user_session"  # this sign-in's id (the cookie carries it too): «Выйти» ends it on the server
SESSION_VERSION = "user_version"  # save_id of the users record the sign-in was granted on
RENEW_COOKIE = "renew_sign_in_cookie"
NOTICE = "sign_in_notice"
NEXT = "sign_in_next"
LANDING = "landing_after_sso"
CHANGED = "Учётная запись изменилась (пароль, роль или доступ) — войдите снова."
ENDED = "Вы вышли из системы (в этой или другой вкладке) — войдите снова."


def _sessions():
    from lib.ui import web_session

    try:
        return web_session.sessions(secrets_mapping())
    except cfg.ConfigError as err:
        st.error(f"Вход не настроен: {err}")
        st.stop()


def _ledger():
    """The sign-ins ended on this server (lib.auth.session_cookie.SessionLedger), in the store's server file."""
    from lib.auth.session_cookie import ledger_for

    current = store()
    return ledger_for(current.server_file(), _sessions().max_age / 3600, key=str(id(current)))


def _maybe_signed_in() -> bool:
    if st.session_state.get(SESSION_USER):
        return True
    from lib.ui import web_session

    try:
        return web_session.claim_in_browser(web_session.sessions(secrets_mapping())) is not None
    except cfg.ConfigError:
        return False


def _remember(row: dict, sid: str | None = None):
    claim = _sessions().claim(row, sid)
    st.session_state[SESSION_USER] = claim.login
    st.session_state[SESSION_FP] = claim.fingerprint
    st.session_state[SESSION_SID] = claim.sid
    st.session_state[SESSION_VERSION] = claim.version
    return claim


def _session_claim():
    from lib.auth.session_cookie import Claim

    if SESSION_FP not in st.session_state:  # every sign-in sets it (tests that set only the login skip this)
        return None
    return Claim(st.session_state[SESSION_USER], st.session_state[SESSION_FP], st.session_state.get(SESSION_SID, ""),
                 st.session_state.get(SESSION_VERSION, ""))


def _forget(notice: str | None = None) -> None:
    for key in (SESSION_USER, SESSION_FP, SESSION_SID, SESSION_VERSION, RENEW_COOKIE):
        st.session_state.pop(key, None)
    st.session_state.pop(DRAFTS, None)  # the next person signing in on this browser must not find them
    st.session_state.pop(DRAFTS_LOADED, None)  # (their own are kept on the server: lib/saving/draft_store.py)
    if notice:
        st.session_state[NOTICE] = notice


def _holds(snap: Snapshot, claim) -> str | None:
    """Why this sign-in no longer holds (the notice to show), or None while it does: not ended with «Выйти»
    (on any process of the server), and the account unchanged since it was granted (every version since)."""
    from lib.auth.signin import user_row, user_versions

    sessions = _sessions()
    if _ledger().ended(claim.sid):
        return ENDED
    if not (sessions.valid_for(claim, user_row(snap, claim.login)) and sessions.still_valid(claim, user_versions(snap, claim.login))):
        return CHANGED
    return None


def _resume(snap: Snapshot) -> str | None:
    """A new session (F5, a new tab, a link): the sign-in cookie, or the single sign-on identity."""
    from lib.auth.signin import LoginError, user_by_email, user_row
    from lib.ui import web_session

    claim = web_session.claim_in_browser(_sessions())
    if claim is not None:
        why = _holds(snap, claim)
        if why is None:
            return _remember(user_row(snap, claim.login), claim.sid).login
        st.session_state[NOTICE] = why  # a genuine cookie of a sign-in ended or an account changed since
    info = sso_identity()
    if info:
        try:
            found = user_by_email(snap, info["email"])
        except LoginError:
            return None  # the login page says why
        row = user_row(snap, found.login)
        sid = str(info.get("sid") or "")
        if sid:  # our callback gave this single sign-on an id: hold it to the account as it was at its first use
            from lib.auth.session_cookie import Claim

            version = _ledger().granted(sid, str(row.get("save_id") or ""))
            why = _holds(snap, Claim(found.login, _sessions().fingerprint(row), sid, version))
            if why is not None:
                st.session_state[NOTICE] = why
                return None
        st.session_state[LANDING] = web_session.take_next()  # the link that led to «Войти через единый вход»
        return _remember(row, sid or None).login
    return None


def user(snap: Snapshot | None = None) -> User | None:
    """The signed-in user, re-read from the users tab on every run (a disabled user is out at once)."""
    snap = snap or snapshot()
    login = st.session_state.get(SESSION_USER)
    if login is None:
        login = _resume(snap)
    elif (claim := _session_claim()) is not None and (why := _holds(snap, claim)) is not None:
        _forget(why)
        return None
    _renew_cookie()
    found = current_user(snap, login)
    if found is not None:
        restore_drafts(found.login)
    return found


def renew_own_sign_in(signed_in: User, changes: dict) -> None:
    """After a save that changed one's own users record (a new password): this sign-in moves to the record as
    saved now, and the browser's cookie is re-issued for it; every other sign-in of the account stays ended."""
    from lib.auth.signin import user_row

    own = [r for r in changes.get("users", []) if str(r.get("login") or "").strip().lower() == signed_in.login.lower()]
    claim = _session_claim()
    if not own or claim is None:
        return
    row = user_row(store().read_all(), signed_in.login)
    if row is None or row.get("active") is False:
        return
    _remember(row, claim.sid)
    st.session_state[RENEW_COOKIE] = True


def _renew_cookie() -> None:
    """The browser fetches a new cookie for this sign-in in the background (the page stays as it is)."""
    from lib.ui import web_session

    if not st.session_state.pop(RENEW_COOKIE, False) or not web_session.mounted():
        return
    import json

    to = web_session.start_url(_sessions(), _session_claim(), "/")
    st.html(f"<script>fetch({json.dumps(to)}, {{credentials: 'same-origin'}});</script>", unsafe_allow_javascript=True)


def require_user() -> User:
    """For pages: the signed-in user; a visitor who is not signed in goes to the login page."""
    signed_in = user()
    if signed_in is None:
        st.switch_page("pages/login.py")
    show_flash()  # the confirmation of a save made on the previous run, on top of the fresh page
    return signed_in


def link_here(url_path: str) -> str:
    """This page with its query parameters, as a path of the app (``/data?tab=users``)."""
    from urllib.parse import urlencode

    query = urlencode([(k, v) for k in st.query_params for v in st.query_params.get_all(k)])
    return "/" + url_path.strip("/") + (f"?{query}" if query else "")


def address_choice(label: str, options: list, *, key: str, param: str, format_func, **kwargs):
    """A selectbox that the address names and follows (``/entry?participant=ves&month=2024-12``), so a link
    can point at a choice and the address shows it. The address holds the option itself, not its label
    (``bind="query-params"`` would put the formatted label there: «декабрь 2024»). A value that a link
    newly brings decides; otherwise the widget does, and it is kept for the session when the page is left.

    Returns the choice and, when the address asked for something that is not among ``options``, what it
    asked (the page says so instead of quietly showing another choice)."""
    seen = f"{key}:address"
    asked = st.query_params.get(param)
    refused = None
    if asked is not None and asked != st.session_state.get(seen):
        st.session_state[seen] = asked
        if asked in options:
            st.session_state[key] = asked
        else:
            refused = asked
    value = st.selectbox(label, options, key=key, format_func=format_func, persist_state="session", **kwargs)
    if value is not None and st.query_params.get(param) != str(value):
        st.query_params[param] = str(value)
    st.session_state[seen] = None if value is None else str(value)
    return value, refused


def page_tabs(labels: list[str], *, key: str) -> tuple:
    """A page's tabs where only the open one need run: each tab's ``.open`` says whether it is open
    (``on_change="rerun"``: a switch reruns the page, https://docs.streamlit.io/develop/api-reference/layout/st.tabs).

    The open tab is named in the address (``?commission_tab=Состав``: a reload or a link opens it) and kept for
    the session, so coming back to the page from another one opens it again; Streamlit drops a widget's state
    once its page is left, hence the copy. A tab whose form a person types into must still be drawn while closed
    (``with tab:`` without ``if tab.open``): a form's typed, unsubmitted text lives only in the browser and is lost
    when the form is not drawn; widgets outside forms on a lazy tab keep their values with ``persist_state``."""
    kept = f"{key}:kept"
    if key not in st.session_state and kept in st.session_state and st.query_params.get(key) is None:
        st.session_state[key] = st.session_state[kept]
    found = st.tabs(labels, key=key, on_change="rerun", bind="query-params")
    st.session_state[kept] = st.session_state[key]
    return found


def gate(signed_in: User | None, url_path: str, on_login_page: bool) -> None:
    """Before a page runs (app.py): a visitor goes to the login page first; a person just back from
    single sign-on goes on to the page of the link they had opened."""
    if signed_in is None and not on_login_page:
        sign_in_first(url_path)
    elif signed_in is not None and (landing := st.session_state.pop(LANDING, None)):
        go(landing)


def sign_in_first(url_path: str) -> None:
    """A visitor asked for a page: to the login page, which brings them back here afterwards."""
    target = link_here(url_path)
    st.session_state[NEXT] = target  # also here: the address bar may lag behind a quick first click
    st.switch_page("pages/login.py", query_params={"next": target} if target != "/" else None)


def sign_in_target() -> str:
    """Where the login page sends a person once signed in (its ``next``), the start page by default."""
    from lib.auth.session_cookie import safe_next

    return safe_next(st.query_params.get("next") or st.session_state.get(NEXT))


def go(target: str) -> None:
    """Open a path of this app in this session (a page and its query parameters)."""
    from urllib.parse import parse_qsl, urlsplit

    from lib.auth.page_rights import page_at

    parts = urlsplit(target)
    st.switch_page(page_at(parts.path).path, query_params=parse_qsl(parts.query) or None)


def sign_in(snap: Snapshot, signed_in: User, target: str = "/") -> None:
    """Signed in with the password form: into this session at once; then, where the server can set
    the cookie, the browser makes a round trip to it and lands on ``target``."""
    from lib.auth.signin import user_row
    from lib.ui import web_session

    row = user_row(snap, signed_in.login)
    claim = _remember(row)
    st.session_state.pop(NEXT, None)
    if web_session.mounted():
        to = web_session.start_url(_sessions(), claim, target)
        web_session.navigate(to)
        st.success("Вход выполнен. Открываем страницу…", icon=":material/check_circle:")
        st.link_button("Открыть", to, help="если страница не открылась сама")
        st.stop()
    go(target)


def sso_button() -> None:
    """«Войти через единый вход»; a missing Authlib is said in Russian instead of Streamlit's English error."""
    from streamlit.auth_util import is_authlib_installed

    if not is_authlib_installed():
        st.warning("Единый вход настроен, но не установлен пакет Authlib: выполните "
                   "`pip install -r requirements.txt` и перезапустите приложение.", icon=":material/warning:")
        return
    st.button("Войти через единый вход (SSO)", on_click=_sso_sign_in, icon=":material/key:")


_ADDRESS = re.compile(r"[^\s`«»()<>]+@[^\s`«»()<>]+\.[^\s`«»()<>.,;:!?]+")


def not_a_link(text: str) -> str:
    """A message naming an e-mail address, for Streamlit's markdown: the address as code, so it reads as the
    address and is not turned into a mailto link (a refused address is not something to write to)."""
    return _ADDRESS.sub(lambda m: f"`{m.group(0).replace('`', '')}`", text)


def sso_problems() -> None:
    """What the provider's metadata lacks (checked once per server process, lib/ui/sso_routes.check_provider)."""
    from lib.ui.sso_routes import check_provider

    problems = check_provider(secrets_mapping())
    if problems:
        st.warning("Единый вход может не работать: " + "; ".join(problems) + ". Сообщите ИТ-специалисту района "
                   "(настройка описана в docs/sign-in.md).", icon=":material/warning:")


def _sso_sign_in() -> None:
    from streamlit.errors import StreamlitAuthError

    from lib.ui import web_session

    try:
        st.login()
        # the provider sends the person back to the start page: remember where they were going
        web_session.remember_next(sign_in_target())
    except StreamlitAuthError:  # an incomplete [auth] section: Streamlit's message is English
        st.session_state[NOTICE] = ("Единый вход настроен не полностью: проверьте раздел [auth] в "
                                    ".streamlit/secrets.toml (redirect_uri, cookie_secret, client_id, client_secret, "
                                    "server_metadata_url — см. README).")


def sign_out() -> None:
    """Out of this session and out of the browser: the server deletes the cookie (and, after single
    sign-on, Streamlit's own), then shows the login page."""
    from lib.ui import web_session

    sso = bool(sso_email())
    if (claim := _session_claim()) is not None:
        _ledger().end(claim.sid)  # a copy of the cookie is refused from now on, on every process of the server
    _forget()
    if web_session.mounted():
        web_session.navigate(web_session.end_url(sso))
    elif sso:
        st.logout()


# Streamlit's own chrome, made to fit a Russian page (Streamlit 1.67 has no interface language):
# - «Press Enter to apply» / «Press Ctrl+Enter to submit form» under a field being typed in: English and
#   not needed (a field's value is taken when the person moves on or presses Enter) — hidden;
# - a metric's label is cut to one line («Не выполнено или п…»): it wraps instead;
# - a table's own «Download as CSV» writes English numbers into a comma CSV that Russian Excel does not
#   split into columns, formulas left live: hidden — the tables worth a file have a «Скачать» button;
# - the file uploader's «5MB per file • XLSX» (Streamlit 1.67 FileUploader: fixed English, no setting): hidden, the
#   limits are in the field's own label; its other English texts are rewritten by UPLOADER_SCRIPT; a chosen file's
#   name whole (the chip cuts it to 20 characters with «...»), the reason a file is refused under it (Streamlit
#   gives it only to screen readers and on hover);
# - a tab strip wider than the page scrolls sideways and fades its edge, so the last tabs cannot be seen («Поручения
#   комиссии» on «Ввод данных» at 800 px): it wraps onto a second line instead;
# - the wide layout keeps 5rem of empty margin on each side: 2rem leaves the entry grid its six figures
#   beside the keys at 1280 px with the sidebar open.
RUSSIAN_CHROME = """<style>
[data-testid='stMainBlockContainer'] {padding-left: 2rem; padding-right: 2rem}
[data-testid='InputInstructions'] {display: none}
[data-testid='stMetricLabel'], [data-testid='stMetricLabel'] * {white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important}
[data-testid='stElementToolbar'] button[aria-label='Download as CSV'] {display: none}
[data-testid='stFileUploaderDropzoneInstructions'] {display: none}
[data-testid='stTabs'] [role='tablist'] {flex-wrap: wrap; overflow-x: visible; row-gap: 0.25rem}
[data-testid='stFileChipName'] {white-space: normal !important; overflow: visible !important; overflow-wrap: anywhere}
[data-testid='stFileChip'] {flex-wrap: wrap}
[data-testid='stFileChip'] [role='alert'] {position: static !important; clip: auto !important; width: 100% !important; height: auto !important;
  overflow: visible !important; margin: 0 !important; white-space: normal !important; font-size: 0.875rem}
</style>"""
# The uploader's English — «Upload», «Drag and drop a file here», «12.3KB», «Error: … files are not allowed.», «Remove …»
# — in Russian, as Streamlit's frontend draws it (lib/ui/uploader_russian.js).
UPLOADER_SCRIPT = "<script>" + (Path(__file__).with_name("uploader_russian.js")).read_text(encoding="utf-8") + "</script>"
# Streamlit collapses the sidebar by itself only below 768 px; at 800–1100 px it takes a third of the
# screen. Below 1100 px it starts collapsed, unless the person opened or closed it themselves — the
# frontend remembers that choice in localStorage («stSidebarCollapsed-…»), and then nothing is done.
SIDEBAR_OPEN_FROM = 1100  # px
SIDEBAR_SCRIPT = """<script>
(() => {
  if (window.__debtSidebarChecked) return;
  window.__debtSidebarChecked = true;
  const KEY = "stSidebarCollapsed-";
  const chosen = () => Object.keys(window.localStorage).some(k => k.startsWith(KEY));
  if (window.innerWidth >= WIDE || chosen()) return;
  const collapse = (tries) => {
    const button = document.querySelector("[data-testid='stSidebarCollapseButton'] button");
    if (button && button.getAttribute("aria-expanded") === "true") {
      button.click();
      // the click is ours, not the person's choice: forget it, so a wider window opens the sidebar again
      setTimeout(() => Object.keys(window.localStorage).filter(k => k.startsWith(KEY)).forEach(k => window.localStorage.removeItem(k)), 0);
    } else if (tries > 0) {
      setTimeout(() => collapse(tries - 1), 100);
    }
  };
  collapse(50);
})();
</script>""".replace("WIDE", str(SIDEBAR_OPEN_FROM))


def russian_chrome() -> None:
    """On every page (app.py): Streamlit's chrome fitted to a Russian page, the sidebar out of the way on a narrow screen."""
    st.html(RUSSIAN_CHROME)
    st.html(SIDEBAR_SCRIPT, unsafe_allow_javascript=True)
    st.html(UPLOADER_SCRIPT, unsafe_allow_javascript=True)


NO_ROWS = "Записей нет."


WHOLE_ROW_HINT = "Длинный текст в ячейке не виден целиком: нажмите на строку слева (кружок) — она появится под таблицей полностью."
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$])")


def as_typed(text: str) -> str:
    """A text for ``st.markdown`` shown exactly as typed: Markdown's own signs (* _ # …) kept as signs."""
    return _MARKDOWN.sub(r"\\\1", text).replace("\n", "  \n")


def table(data, where=None, empty: str = NO_ROWS, whole: str | None = None, **kwargs) -> None:
    """A table on the page (``st.dataframe``); an empty one is said in words — Streamlit draws an empty grid with
    an English «empty» on its canvas, which no setting changes (issue 27).

    ``whole``: a key, for a table of long texts (a measure, a decision) that its cells cut at any width (Streamlit's grid
    draws one line per cell, on a canvas): a row the person chooses is shown under the table whole, every column
    (``present.row_text``)."""
    box = where or st
    frame = getattr(data, "data", data)  # a Styler of lib.domain.present.table, or a frame
    if frame is None or len(frame) == 0:
        box.caption(empty)
        return
    if whole is None:
        box.dataframe(data, **kwargs)
        return
    event = box.dataframe(data, on_select="rerun", selection_mode="single-row", key=whole, **kwargs)
    rows = [r for r in (event.selection.rows if event is not None else []) if 0 <= r < len(frame)]
    if not rows:
        box.caption(WHOLE_ROW_HINT)
        return
    card = box.container(border=True)
    for name, text in present.row_text(data, rows[0]):
        card.markdown(f"**{as_typed(name)}:** {as_typed(text)}")


def once():
    """A page's messages, each said once (issue 27: «Свод» under a resource filter repeated one box up to 7 times):
    ``say = shell.once()`` at the top of the page, then ``say(text)`` wherever it applies — the first place shows it,
    a later one nothing. ``where``: a column or container; ``kind``: «info», «warning» or «error»."""
    seen: set[str] = set()

    def say(text: str, where=None, kind: str = "info", icon: str | None = ":material/info:") -> bool:
        if not text or text in seen:
            return False
        seen.add(text)
        getattr(where or st, kind)(text, icon=icon)
        return True

    return say


def caption_upload(limit_mb: int, kinds: str) -> None:
    """Beside the file uploader (its English words are replaced by RUSSIAN_CHROME)."""
    st.caption(f"Кнопка «Выбрать файл» открывает выбор файла; файл можно и перетащить в это поле. Не больше {limit_mb} МБ, формат {kinds}.")


def caption_multiselect() -> None:
    """Beside multiselects (drawn without Streamlit's English «Select all»: ``select_all=False``)."""
    st.caption("Пустое поле — без отбора, все.")


REFUSED_DATES = "refused_dates"


def date_field(label: str, value, *, key: str, where=None, help: str | None = None, **kwargs) -> dt.date | None:
    """A date typed as people write it, ДД.ММ.ГГГГ (``lib.core.parsing.parse_date``: also 5.1.25, 2025-01-05).

    Not ``st.date_input``: its calendar speaks the browser's language — «December», the week from Sunday in an
    en-US browser — and Streamlit 1.67 has no setting for it (issue 27). A text that is not a date is said under
    the field in Russian and gives None; ``dates_refused`` tells a form's save not to go ahead. Empty: None."""
    from lib.core.fmt import date_ru
    from lib.core.parsing import ParseError, parse_date

    box = where or st
    # a field kept as a draft (``field_draft``) has its text in the session: that text is the widget's value too
    text = kept(box.text_input, label, key=key, placeholder="ДД.ММ.ГГГГ", value=date_ru(value),
                help=help or "Дата в виде ДД.ММ.ГГГГ, например 20.01.2025.", **kwargs)
    refused = st.session_state.setdefault(REFUSED_DATES, set())
    try:
        found = parse_date(text)
    except ParseError as err:
        refused.add(key)
        box.error(f"«{label}»: {err}", icon=":material/event_busy:")
        return None
    refused.discard(key)
    return found


def dates_refused(*keys: str) -> bool:
    """Whether any of these date fields holds a text that is not a date (it is said under the field)."""
    return bool(set(keys) & st.session_state.get(REFUSED_DATES, set()))


def caption_dates() -> None:
    """Beside date fields (``date_field``)."""
    st.caption("Даты — в виде ДД.ММ.ГГГГ, например 20.01.2025.")


DEMO_STEPS = """\
1. Создайте в Google Диске пустую таблицу и дайте доступ **редактора** адресу сервисного аккаунта
   (вида `…@….iam.gserviceaccount.com`; его создаёт в Google Cloud тот, кто обслуживает сервер).
2. Тот, кто обслуживает сервер, вписывает в файл `.streamlit/secrets.toml` на сервере адрес таблицы — строку
   `url = "gsheets://<адрес таблицы>"` в разделе `[store]` — и ключ сервисного аккаунта в раздел `[gcp_service_account]`
   (образец — файл `.streamlit/secrets.toml.example`).
3. Он же создаёт листы командой `python -m lib.cli bootstrap-sheet` и перезапускает приложение. Перенести в таблицу
   участников, пользователей и план из этой базы: `python -m lib.cli copy --from sqlite:///data/debt.sqlite --to gsheets://<адрес таблицы>`.
4. После перезапуска это предупреждение исчезнет.
"""


def chrome(current: Store, snap: Snapshot, signed_in: User | None) -> None:
    """Sidebar (who, where) and the demo banner, on every page. A visitor sees the district, not the server."""
    settings = read_settings(snap)
    with st.sidebar:
        if signed_in:
            participants = snap.current("participants").set_index("id")["name"]
            where = f", {participants.get(signed_in.participant_id, signed_in.participant_id)}" if signed_in.participant_id else ""
            st.markdown(f"**{signed_in.name}**  \n{signed_in.role_label}{where}")
            st.button("Выйти", key="logout", on_click=sign_out, icon=":material/logout:")
            st.divider()
        st.caption(f"Район: **{settings['district_name']}**")
        if signed_in and signed_in.role == "coordinator":  # where the data lives: the coordinator's business, as a name
            st.caption(f"Данные: {current.display_name()}")
        if signed_in:
            reread_button(current)
    if settings["demo"]:
        coordinator = signed_in is not None and signed_in.role == "coordinator"
        st.warning("Демонстрационные данные: Ленский район, 2023–2024 годы. Цифры сгенерированы и не являются отчётностью. "
                   + ("Как перейти на настоящие данные — ниже." if coordinator else "Настоящие данные подключает координатор района."),
                   icon=":material/warning:")
        if coordinator:
            with st.expander("Как перейти на настоящие данные — общую Google Таблицу", icon=":material/table_view:"):
                st.markdown(DEMO_STEPS)


REREAD_FAILED = "reread_failed"


def reread_button(current: Store) -> None:
    """A Google Sheet is read whole every ``cache_ttl`` seconds (after a save only the rows added are read):
    the button reads it whole now, so an edit someone made in the sheet is seen at once."""
    if getattr(current, "refresh", None) is None:
        return
    failed = st.session_state.pop(REREAD_FAILED, None)
    if failed:
        st.warning(f"Не удалось перечитать таблицу: {failed}")
    st.button("Перечитать таблицу", key="reread_sheet", on_click=_reread, args=(current,), icon=":material/refresh:",
              help=f"Сразу показать правки, сделанные прямо в Google Таблице (без этого они видны в течение "
                   f"{current.cache_ttl:g} с)")


def _reread(current: Store) -> None:
    try:
        current.refresh()
    except StoreError as err:
        st.session_state[REREAD_FAILED] = str(err)


RESULTS = "save_results"  # slot -> (message, form): the last save's result, shown until the form is edited again
TOKENS = "submit_tokens"


def saved(message: str, slot: str | None = None, form: str | None = None) -> None:
    """After a successful save: rerun so every figure and status on the page is fresh, and say what was saved
    on the refreshed page — where the form was (``slot``, shown by ``flash``) or on top of the page
    (``require_user`` shows those: every page calls it first). The message lasts until the form is edited
    again (``keep_draft``) or saved again; it is not gone with the next rerun."""
    st.session_state.setdefault(RESULTS, {})[slot] = (message, form)
    st.rerun()


def flash(slot: str | None = None) -> None:
    """Show the result of the last save made with this form (``slot``), if any.

    The holder is there on every run, message or not: elements after it keep their place, so widgets
    without a key (and the page's tabs) are not rebuilt on the run after a save.
    """
    holder = st.container()
    pending = st.session_state.get(RESULTS, {}).get(slot)
    if pending:
        holder.success(pending[0], icon=":material/check_circle:")


def show_flash() -> None:
    flash(None)


def edited(form: str) -> None:
    """The form is being edited again: the result of its last save is no longer what it shows."""
    results = st.session_state.get(RESULTS, {})
    for slot in [s for s, (_, f) in results.items() if f == form or s == form]:
        del results[slot]


EDIT_BASES = "edit_bases"
NEW_IDS = "new_record_ids"


def new_record_id(form: str, prefix: str) -> str:
    """The id a "new record" form will write, fixed until that save succeeds.

    Pages put it into the form's key, so a second click on a form already saved (a double click, a
    slow connection) belongs to a form that no longer exists and is ignored; and the write demands
    that the id be new, so even a repeated submit cannot create the record twice.
    """
    from lib.core.ids import new_id

    ids = st.session_state.setdefault(NEW_IDS, {})
    return ids.setdefault(form, new_id(prefix))


def edit_base(form: str, current_version: str | None) -> str | None:
    """The version an edit form was opened on (its save_id), remembered from the first run that showed it.

    A later rerun may read a newer version saved by someone else; the save must still be checked
    against what the person saw, or their edit would silently revert the other one.
    """
    bases = st.session_state.setdefault(EDIT_BASES, {})
    return bases.setdefault(form, current_version)


# ---- edits in progress (drafts) ----------------------------------------------------------------
# A draft lives in the session, apart from widget state, which Streamlit drops when the widget is not
# drawn (another month, another page): it is put back on the form when the form is shown again.

DRAFTS = "drafts"
EDITOR_ROUNDS = "editor_rounds"


@dataclass
class Draft:
    changes: dict  # record key -> {field: value as typed}, or field -> value for a one-record form
    title: str  # «Ежемесячный отчёт»
    where: str  # «ООО «ВЭС», декабрь 2024»
    page: str  # the page the form is on, and the query parameters that open it
    params: dict


def draft_changes(form: str) -> dict:
    found = st.session_state.get(DRAFTS, {}).get(form)
    return dict(found.changes) if found else {}


def keep_draft(form: str, changes: dict, *, title: str, where: str, page: str, params: dict) -> None:
    """Remember a form's changes for the session (no changes: the draft is gone)."""
    drafts = st.session_state.setdefault(DRAFTS, {})
    if changes:
        fresh = form not in drafts or drafts[form].changes != changes
        if fresh:
            edited(form)
        drafts[form] = Draft(changes, title, where, page, params)
        if fresh:
            _persist(form)
    elif drafts.pop(form, None) is not None:
        _persist(form)


def drafts() -> dict[str, Draft]:
    return dict(st.session_state.get(DRAFTS, {}))


# ---- drafts on the server: a reload (F5) starts a new session, which finds them again ----------------------------
DRAFTS_LOADED = "drafts_loaded_for"


def _draft_store():
    from lib.saving.draft_store import drafts_for

    current = store()
    return drafts_for(current.server_file(), key=str(id(current)))


def _persist(form: str) -> None:
    """The server's copy of this session's draft of ``form`` (none: deleted). Called when the draft changes, is saved
    or cancelled — not on every run. What was typed is never logged: a failure is logged by its kind only."""
    import sqlite3

    login = st.session_state.get(SESSION_USER)
    if not login:
        return
    found = st.session_state.get(DRAFTS, {}).get(form)
    try:
        if found is None:
            _draft_store().delete(login, form)
        else:
            base = st.session_state.get(EDIT_BASES, {}).get(form)
            _draft_store().put(login, form, {"changes": found.changes, "title": found.title, "where": found.where,
                                             "page": found.page, "params": found.params, "base": base})
    except (sqlite3.Error, OSError, StoreError) as err:
        log.warning("draft of a form not kept on the server: %s", type(err).__name__)


def restore_drafts(login: str) -> None:
    """Once per session and person: the drafts kept on the server for ``login`` (after F5, in a new tab) come back into
    the session, with the versions their edits were based on; a draft this session already has is left as it is."""
    import sqlite3

    if st.session_state.get(DRAFTS_LOADED) == login:
        return
    st.session_state[DRAFTS_LOADED] = login
    try:
        kept = _draft_store().load(login)
    except (sqlite3.Error, OSError, StoreError) as err:
        log.warning("drafts not read from the server: %s", type(err).__name__)
        return
    mine = st.session_state.setdefault(DRAFTS, {})
    bases = st.session_state.setdefault(EDIT_BASES, {})
    for form, d in kept.items():
        if form in mine or not isinstance(d, dict) or not d.get("changes"):
            continue
        mine[form] = Draft(d["changes"], d.get("title", ""), d.get("where", ""), d.get("page", "app.py"), d.get("params") or {})
        if d.get("base") is not None:
            bases.setdefault(form, d["base"])


def editor_key(form: str) -> str:
    """The widget key of a form's editor; a new one after «Отменить», so the browser's grid starts afresh
    (a data editor's state cannot be set, only left behind)."""
    rounds = st.session_state.get(EDITOR_ROUNDS, {}).get(form, 0)
    return form if not rounds else f"{form}~{rounds}"


def drop_draft(form: str) -> None:
    """«Отменить» / «Взять сохранённые»: the draft, its base version and the editor's state are gone; the form
    shows what is stored."""
    st.session_state.get(DRAFTS, {}).pop(form, None)
    st.session_state.get(EDIT_BASES, {}).pop(form, None)
    rounds = st.session_state.setdefault(EDITOR_ROUNDS, {})
    rounds[form] = rounds.get(form, 0) + 1
    _persist(form)


def saved_draft(form: str) -> None:
    """The form is saved: its draft and base are done with (the editor already shows what was saved)."""
    st.session_state.get(DRAFTS, {}).pop(form, None)
    st.session_state.get(EDIT_BASES, {}).pop(form, None)
    _persist(form)


def form_base(form: str, now: dict, editing: bool) -> dict:
    """The versions an edit in progress is based on: what the form showed on the run before the first change
    (the person typed looking at it); while nothing is changed, whatever is stored now."""
    bases = st.session_state.setdefault(EDIT_BASES, {})
    if not editing:
        bases[form] = now
        return now
    return bases.setdefault(form, now)


def rebase(form: str, now: dict) -> None:
    """«Оставить мои изменения»: the draft now stands on the version stored now."""
    st.session_state.setdefault(EDIT_BASES, {})[form] = now
    if form in st.session_state.get(DRAFTS, {}):
        _persist(form)


def field_draft(form: str, defaults: dict, *, title: str, where: str, page: str, params: dict) -> dict:
    """A form of separate fields (``f"{form}:{name}"`` widget keys, drawn outside ``st.form``: a value reaches the
    server when the person moves on, so it can be kept) with a draft like the entry grids': a field the page drops
    (another page, a closed tab) is filled again from the draft, else from ``defaults``; what differs from
    ``defaults`` is the draft — the sidebar lists it and the browser asks before a reload or close. Call before
    drawing the widgets (without ``value=``); returns the function that reads them after drawing."""
    kept = draft_changes(form)
    seeded = st.session_state.setdefault(f"{form}:~defaults", {})  # what the page offered: a newer default is no edit
    for name, default in defaults.items():
        key = f"{form}:{name}"
        if key not in st.session_state:
            st.session_state[key] = kept.get(name, default)
        seeded.setdefault(name, default)

    def read() -> dict:
        values = {name: st.session_state.get(f"{form}:{name}") for name in defaults}
        changes = {n: v for n, v in values.items() if _differs(v, seeded[n])}
        keep_draft(form, changes, title=title, where=where, page=page, params=params)
        return values

    return read


def _differs(value, default) -> bool:
    """A field's value is an edit of ``default`` (an emptied field and an empty default are the same)."""
    return value != default and not (value in ("", None) and default in ("", None))


_KEPT_AS = {"text_input": "value", "text_area": "value", "number_input": "value", "checkbox": "value", "toggle": "value",
            "selectbox": "index", "radio": "index", "multiselect": "default"}  # how each kind of widget is given its default


def kept(widget: Callable, label: str, *args, key: str, **kwargs):
    """Draw a widget of a draft form (``field_draft``, ``record_draft``; ``widget``: ``st.text_input``, ``c1.selectbox``, …)
    with what it holds now as its default — ``value=``, a choice's ``index=``, a multiselect's ``default=``: the browser
    then never falls back to Streamlit's own default (0, the first option, off) when it draws the widget again — with a
    draft kept on the server such a fallback would become a draft nobody typed. A default the caller gives applies only
    while the session does not hold the key yet. Returns what the widget returns."""
    kind = getattr(widget, "__name__", "")
    if kind not in _KEPT_AS:
        raise TypeError(f"shell.kept: no rule for a {kind or repr(widget)} widget; add it to _KEPT_AS")
    arg = _KEPT_AS[kind]
    if key in st.session_state or arg not in kwargs:
        value = st.session_state.get(key)
        if arg == "index":
            options = list(args[0] if args else kwargs["options"])
            value = options.index(value) if value in options else None
        kwargs[arg] = value
    return widget(label, *args, key=key, **kwargs)


def record_draft(form: str, defaults: dict, version: str | None, *, title: str, where: str, page: str, params: dict,
                 who: str = ""):
    """An edit form of one stored record (``defaults``: its fields as the widgets hold them, ``version``: its save_id now)
    with a draft like ``field_draft``'s. Returns ``(read, base)``: the function that reads the widgets after drawing them,
    and the version the edit began on (what the save is checked against).

    While nothing is typed, the form follows the record: saved meanwhile by someone else, it shows the new version. Once
    something is typed, the edit stands on the version it began on; if the record has been saved since, the draft stays
    in the form and the page says why it cannot be saved as it is and what to do (``who``: by whom and when)."""
    seen = f"{form}:~version"
    if not draft_changes(form) and st.session_state.get(seen, version) != version:
        shown = st.session_state.get(f"{form}:~defaults", {})
        keys = {name: f"{form}:{name}" for name in defaults}
        if not any(k in st.session_state and _differs(st.session_state[k], shown.get(n)) for n, k in keys.items()):
            # nothing typed (also not on this very run): the form shows the version stored now
            for name, value in defaults.items():  # a widget's state is set only when the stored value is another one
                if keys[name] in st.session_state and _differs(st.session_state[keys[name]], value):
                    st.session_state[keys[name]] = value
            st.session_state[f"{form}:~defaults"] = dict(defaults)
            st.session_state.get(EDIT_BASES, {}).pop(form, None)
    st.session_state[seen] = version
    base = edit_base(form, version)
    read = field_draft(form, defaults, title=title, where=where, page=page, params=params)
    if draft_changes(form) and base != version:
        st.error(f"**Несохранённые изменения в форме «{title}» сохранить нельзя:** запись изменена после того, как вы начали "
                 f"правку{f' ({who})' if who else ''}. Ваши изменения показаны в форме и остаются в черновике. Что делать: "
                 "посмотрите сохранённую версию в таблице выше и, если ваша правка ещё нужна, отмените изменения кнопкой ниже "
                 "и внесите её в сохранённую версию.", icon=":material/sync_problem:")
        st.button("Отменить мои изменения и показать сохранённую версию", key=f"{form}-cancel-stale", on_click=forget_form,
                  args=(form,), icon=":material/undo:")
    return read, base


def lost_drafts(prefix: str, alive: set[str], reason: str) -> None:
    """Drafts of edit forms (``prefix``…) whose record the page no longer offers (taken out of the plan, say): said with
    the reason and what was typed, and a button to cancel them — the sidebar's note must not point at nothing."""
    for form, draft in drafts().items():
        if not form.startswith(prefix) or form in alive:
            continue
        typed = "; ".join(f"{v}" for v in draft.changes.values() if v not in ("", None))
        st.error(f"**Несохранённые изменения в форме «{draft.title}» сохранить нельзя:** {reason}. Введено: {typed or '—'}. "
                 "Что делать: если правка ещё нужна, внесите её в другую запись; эти изменения отмените кнопкой ниже.",
                 icon=":material/delete_forever:")
        st.button("Отменить эти изменения", key=f"{form}-cancel-lost", on_click=forget_form, args=(form,), icon=":material/undo:")


def unsaved_notice() -> None:
    """On every page, in the sidebar: the forms with unsaved changes, each a link back to it; and the browser's
    own «Покинуть страницу?» on reload or close while there are any (a reload starts a new session, and
    the changes kept in this one are lost)."""
    pending = drafts()
    if pending:
        with st.sidebar:
            st.warning("Есть несохранённые изменения:", icon=":material/edit_note:")
            grouped: dict[tuple, list[Draft]] = {}
            for d in pending.values():
                grouped.setdefault((d.page, d.where, tuple(sorted(d.params.items()))), []).append(d)
            for (page, where, params), items in grouped.items():
                st.page_link(page, label=f"{where}: {', '.join(d.title for d in items)}", query_params=dict(params),
                             icon=":material/edit:")
    leave_guard(bool(pending))


def leave_guard(active: bool) -> None:
    """A ``beforeunload`` handler that asks only while ``active``; the flag is updated on every run. Moving
    between the app's pages is not a page unload and keeps the session (and its drafts): it does not ask."""
    flag = "true" if active else "false"
    st.sidebar.html(f"""<script>
        window.debtUnsaved = {flag};
        if (!window.debtLeaveGuard) {{
            window.debtLeaveGuard = true;
            window.addEventListener("beforeunload", (event) => {{
                if (window.debtUnsaved) {{ event.preventDefault(); event.returnValue = ""; }}
            }});
        }}
    </script><span data-testid="unsaved-{flag}"></span>""", unsafe_allow_javascript=True, width="content")


def forget_form(form: str) -> None:
    """Start a form afresh: a new id for a new record, the stored version for an edit, empty widgets, no draft."""
    st.session_state.get(NEW_IDS, {}).pop(form, None)
    had = st.session_state.get(DRAFTS, {}).pop(form, None) is not None
    st.session_state.get(EDIT_BASES, {}).pop(form, None)
    if had:
        _persist(form)
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(f"{form}:")]:
        del st.session_state[key]


def stored_version(tab: str, record: dict):
    """One stored record as «Поле — Сохранено сейчас» rows, with Russian titles and labels."""
    import pandas as pd

    from lib.core.frames import empty_frame
    from lib.core.schema import schema
    from lib.domain.present import for_display, labels, texts

    table = schema()[tab]
    frame = pd.concat([empty_frame(table), pd.DataFrame([record])], ignore_index=True)[table.keys]
    shown = texts(for_display(table, frame, labels(snapshot()))).iloc[0]  # names for codes, as every table reads
    return pd.DataFrame({"Поле": shown.index, "Сохранено сейчас": shown.tolist()})


@contextmanager
def saving():
    """While a save runs, the page says when it waits and why (behind another save, Google's per-minute
    quota): ``lib.store.port.save_progress``; the note goes once the save has answered."""
    from lib.store.port import save_progress

    slot = st.empty()
    try:
        with save_progress(lambda message: slot.info(message, icon=":material/hourglass_top:")):
            yield
    finally:
        slot.empty()


def submit(signed_in: User, changes, *, action: str | None = None, success: str = "", expect: dict | None = None,
           slot: str | None = None, form: str | None = None, on_conflict=None, verify=None, on_nothing: str = "",
           kept: str = "Введённые данные остались в форме.", draft: str | None = None, after: str = "") -> bool:
    """The one way a page saves a form (``lib.saving.service.save``), and shows its outcome the same way everywhere.

    ``changes``: a ``Submission`` or the records by tab (then ``action``, ``expect`` — the versions the form was based
    on / ids that must be new — and ``verify``, a domain check on the store at save time, make one). The form's
    state has one submit token for as long as it is unchanged: a double click or a rerun stores once and answers
    with the first save's result. An unchanged form writes nothing and says so; a conflicting edit shows what is
    stored now, or is handed to ``on_conflict(err)`` (a form that offers its own choice); any other refusal says
    why and the form keeps what was typed. Success: ``success`` and what was saved (when, which version, what
    changed), shown at ``slot`` until the form is edited again. ``form``: a form started afresh after the save
    (``forget_form``); ``draft``: a form whose draft is done with once saved (``saved_draft``).
    """
    from lib.auth import access
    from lib.saving import service
    from lib.store.port import Conflict

    submission = changes if isinstance(changes, service.Submission) else \
        service.Submission(changes, action=action, expect=expect, verify=verify)
    tokens = st.session_state.setdefault(TOKENS, service.FormTokens())
    digest = service.state_digest(signed_in.login, sorted((t, repr(r)) for t, r in submission.changes.items()),
                                  repr(submission.expect), sorted(submission.confirmed), submission.reason)
    token = tokens.token(form or draft or str(slot), digest)
    try:
        with saving():
            result = service.save(store(), signed_in, submission, token=token)
    except access.NothingChanged as err:
        st.info(f"{err} {on_nothing}".strip(), icon=":material/info:")
        return False
    except Conflict as err:
        if on_conflict is not None:
            on_conflict(err)
            return False
        st.error(f"{err} Ниже — что сохранено сейчас: загрузите эту версию в форму и внесите свою правку снова.",
                 icon=":material/sync_problem:")
        if err.current:
            table(present.table(stored_version(err.tab, err.current)), hide_index=True)
        if form:
            st.button("Загрузить сохранённую версию", key=f"reload-{form}", on_click=forget_form, args=(form,))
        return False
    except StoreError as err:  # ValidationError, Denied, Rejected, EntryRejected are StoreErrors too
        st.error(f"{err} {kept}", icon=":material/block:")
        return False
    if form:
        forget_form(form)
    renew_own_sign_in(signed_in, submission.changes)
    if draft:
        saved_draft(draft)
    saved(" ".join(x for x in (success, result.message()) if x) + (f". {after}" if after else ""), slot, form or draft)
    return True


def manual_changes(signed_in: User, snap: Snapshot) -> None:
    """Values typed in the shared sheet over saved rows (their «Печать» says what was saved): listed for
    everyone on «Обзор»; the coordinator may accept each one, which saves it as a new, audited version."""
    from lib.auth import access

    changes = snap.open_changes()
    if not changes:
        return
    coordinator = signed_in.role == "coordinator"
    st.warning(f"Изменено в таблице вручную поверх сохранённых строк: {len(changes)}. В расчётах — значения, сохранённые "
               "приложением" + (". Принять изменение можно кнопкой у строки." if coordinator else
                                "; принять изменение может координатор."), icon=":material/edit_note:")
    for i, change in enumerate(changes):
        text, button = st.columns([5, 1], vertical_alignment="center")
        text.write(f"«{snap.schema[change.tab].title}», строка {change.row}, запись «{change.record}»: {change}")
        if coordinator and button.button("Принять", key=f"accept-change-{i}-{change.tab}-{change.row}-{change.field}",
                                         help="Сохранить набранное в таблице значение как новую версию записи (с записью в журнал)"):
            try:
                with saving():
                    access.accept_manual_change(store(), signed_in, change)
            except StoreError as err:
                st.error(str(err))
                continue
            saved(f"Изменение принято: «{change.column}» = {change.now} (запись «{change.record}»).")


def quarter_lock_control(signed_in: User, snap: Snapshot, quarter: str, *, key: str, slot: str | None = None,
                         comment: str | None = None) -> None:
    """Close or reopen a quarter. Closing first lists what is still open in it (returns, months not
    filed, overdue plan reports) and asks for an explicit confirmation; nothing is closed by surprise."""
    from lib.domain.closing import quarter_open_items
    from lib.domain.periods import closed_quarters, quarter_label

    if slot is None:  # the result is said here, where the control is (a page's own slot shows it otherwise)
        slot = f"{key}-lock"
        flash(slot)
    closed = closed_quarters(snap)
    close_it = quarter not in closed
    if not close_it:
        from lib.domain.periods import lock_note

        st.caption(lock_note(quarter, closed[quarter]))
    confirmed = True
    if close_it:
        open_items = quarter_open_items(snap, quarter, read_settings(snap), today())
        if open_items:
            st.warning(f"В {quarter_label(quarter).replace('квартал', 'квартале')} не завершено:\n\n"
                       + "\n".join(f"- {line}" for line in open_items), icon=":material/warning:")
            confirmed = st.checkbox("Всё равно закрыть квартал: исполнители больше не смогут ничего исправить",
                                    key=f"{key}-lock-confirm-{quarter}", persist_state="page")
    # persist_state: on a tab that runs only while open, what was typed is kept while another tab is open
    reason = st.text_input("Основание", value=comment or "", key=f"{key}-lock-comment-{quarter}",
                           placeholder="например, отчёт направлен в МЖКХ РС(Я)", persist_state="page")
    label = f"Закрыть {quarter_label(quarter)}" if close_it else f"Открыть {quarter_label(quarter)}"
    if st.button(label, type="primary" if close_it else "secondary", disabled=not confirmed, key=f"{key}-lock-{quarter}"):
        submit(signed_in, {"locks": [{"quarter": quarter, "locked": close_it, "comment": reason or None}]},
               action="закрытие квартала" if close_it else "снятие блокировки",
               success=f"{quarter_label(quarter)}: {'закрыт' if close_it else 'открыт'}.", slot=slot)


EMPTY_TABLE = "В таблице нет строк — скачивать нечего. Измените отбор или поиск."


def table_download(label: str, data, frame, *, file_name: str, mime: str, key: str | None = None, icon: str = ":material/download:",
                   empty: str = EMPTY_TABLE, **kwargs) -> None:
    """The download of a table shown above: disabled, with the reason beside it, while the table is empty
    (an enabled button that gives nothing looks broken: issue 23, item 9)."""
    nothing = frame is None or len(frame) == 0
    st.download_button(label, data, file_name=file_name, mime=mime, key=key, icon=icon, disabled=nothing,
                       help=empty if nothing else None, **kwargs)
    if nothing:
        st.caption(empty)


def unexpected_error(err: BaseException) -> None:
    """Any error a page did not foresee: the traceback goes to the server log under a short code, the
    person gets a Russian message saying what to do (``client.showErrorDetails = "none"`` in
    .streamlit/config.toml hides Streamlit's own English traceback as a second line of defence)."""
    code = uuid.uuid4().hex[:8]
    log.error("unexpected page error %s", code, exc_info=err)
    st.error(f"{UNEXPECTED} (код {code}): страница показана не полностью. Если вы не видели сообщения «Сохранено», "
             "изменения не записаны. Обновите страницу (F5) и попробуйте ещё раз; если ошибка повторяется — сообщите "
             "координатору код ошибки.", icon=":material/error:")
