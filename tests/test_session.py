"""The sign-in cookie, landing after sign-in, single sign-on, and secrets that never reach a page.

The browser side (the cookie really set, F5, tabs, sign-out) is tests/e2e/test_browser_session.py; here
the rules behind it, on both stores, and the pages in-process with AppTest.
"""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest
from streamlit.testing.v1 import AppTest

from lib.auth.access import command_line_user, write
from lib.auth.passwords import hash_password
from lib.auth.session_cookie import DEFAULT_HOURS, Claim, Sessions, safe_next, settings_from
from lib.auth.signin import user_row
from lib.core.config import PROJECT_ROOT, ConfigError
from lib.core.frames import SECRET_PROBLEM, cells_to_frame
from lib.core.schema import schema
from tests.support.apptest import run_app
from tests.support.shown import cells

APP = str(PROJECT_ROOT / "app.py")
SECRET = "unit-test-secret-" + "z" * 32
CLI = command_line_user("test")


class Clock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


# ---- the cookie, on both stores ---------------------------------------------------------------


def _user(login: str, role: str, password: str, **more) -> dict:
    return {"login": login, "name": "Проверка", "role": role, "participant_id": None,
            "password_hash": hash_password(password), "active": True, **more}


def _record(row: dict) -> dict:
    return {c.key: row[c.key] for c in schema()["users"].data_columns}


def test_a_cookie_ends_when_password_role_or_active_flag_change_on_both_stores(store):
    write(store, CLI, {"users": [_user("boss@x.ru", "coordinator", "boss-password")]})  # the last coordinator stays
    write(store, CLI, {"users": [_user("member@x.ru", "commission", "first-password")]})
    sessions = Sessions(SECRET)
    row = user_row(store.read_all(), "Member@X.ru ")
    cookie = sessions.cookie(sessions.claim(row))
    claim = sessions.read_cookie(cookie)
    assert (claim.login, claim.fingerprint, claim.version) == ("member@x.ru", sessions.fingerprint(row), row["save_id"])
    assert sessions.valid_for(claim, user_row(store.read_all(), "member@x.ru"))

    # the name is not what the sign-in rests on: no one is signed out for a corrected spelling
    write(store, CLI, {"users": [{**_record(row), "name": "Проверка Исправленная"}]})
    assert sessions.valid_for(claim, user_row(store.read_all(), "member@x.ru"))

    for change in ({"password_hash": hash_password("second-password")}, {"role": "coordinator"}, {"active": False}):
        current = user_row(store.read_all(), "member@x.ru")
        cookie = sessions.cookie(sessions.claim(current))
        write(store, CLI, {"users": [{**_record(current), **change}]})
        after = user_row(store.read_all(), "member@x.ru")
        assert not sessions.valid_for(sessions.read_cookie(cookie), after), change
    assert not sessions.valid_for(claim, None)  # a login that is gone


def test_a_cookie_expires_and_cannot_be_forged_or_swapped_for_a_ticket():
    clock = Clock()
    sessions = Sessions(SECRET, hours=12, clock=clock)
    claim = Claim("a@x.ru", "f" * 32, "sid-1", "save-1")
    cookie = sessions.cookie(claim)
    clock.now += 12 * 3600 - 5
    assert sessions.read_cookie(cookie) == claim
    clock.now += 10
    assert sessions.read_cookie(cookie) is None  # older than its lifetime
    clock.now -= 12 * 3600 + 10
    assert sessions.read_cookie(Sessions("another-secret-" + "q" * 32, clock=clock).cookie(claim)) is None
    assert sessions.read_cookie(cookie[:-1] + ("A" if cookie[-1] != "A" else "B")) is None
    for junk in (None, "", "a@x.ru", "x" * 5000, "ä.b.c"):
        assert sessions.read_cookie(junk) is None
    ticket = sessions.ticket(claim, "browser-1")
    assert sessions.read_cookie(ticket) is None  # a ticket is not a cookie ...
    assert sessions.redeem(cookie, "browser-1") is None  # ... nor a cookie a ticket


def test_a_ticket_works_once_for_its_browser_within_a_minute():
    clock = Clock()
    sessions = Sessions(SECRET, clock=clock)
    claim = Claim("a@x.ru", "f" * 32, "sid-1", "save-1")
    assert sessions.redeem(sessions.ticket(claim, "browser-1"), "browser-2") is None
    ticket = sessions.ticket(claim, "browser-1")
    assert sessions.redeem(ticket, "browser-1") == claim
    assert sessions.redeem(ticket, "browser-1") is None  # used
    late = sessions.ticket(claim, "browser-1")
    clock.now += 61
    assert sessions.redeem(late, "browser-1") is None


@pytest.mark.parametrize(("asked", "goes_to"), [
    ("/admin", "/admin"),
    ("/data?tab=users&q=1%202", "/data?tab=users&q=1%202"),
    (None, "/"), ("", "/"),
    ("https://evil.example/", "/"), ("//evil.example/x", "/"), ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"), ("admin", "/"), ("/a\nb", "/"),
])
def test_after_sign_in_only_a_page_of_this_app(asked, goes_to):
    assert safe_next(asked) == goes_to


def test_the_secret_comes_from_the_environment_or_secrets_else_a_generated_file(tmp_path):
    generated = tmp_path / "data" / "session-secret"
    secret, hours = settings_from({}, {}, generated)
    assert len(secret) >= 48 and hours == DEFAULT_HOURS
    assert generated.read_text() == secret and stat.S_IMODE(os.stat(generated).st_mode) == 0o600
    assert settings_from({}, {}, generated)[0] == secret  # the same after a restart: people stay signed in
    assert settings_from({}, {"session": {"cookie_secret": "s" * 40, "hours": 8}}, generated) == ("s" * 40, 8.0)
    assert settings_from({"DEBT_COOKIE_SECRET": "e" * 40, "DEBT_SESSION_HOURS": "2"},
                         {"session": {"cookie_secret": "s" * 40}}, generated) == ("e" * 40, 2.0)
    with pytest.raises(ConfigError, match="не меньше 32"):
        settings_from({"DEBT_COOKIE_SECRET": "short"}, {}, generated)
    with pytest.raises(ConfigError, match="число часов"):
        settings_from({"DEBT_SESSION_HOURS": "всегда"}, {}, generated)


def test_a_short_configured_secret_is_refused_in_russian_not_replaced(demo_store_url, monkeypatch):
    monkeypatch.setenv("DEBT_COOKIE_SECRET", "short")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert any(e.value.startswith("Вход не настроен: DEBT_COOKIE_SECRET / [session] cookie_secret: нужно не меньше 32")
               for e in at.error)


# ---- landing where the link pointed (AppTest: no cookie route, the session carries the sign-in) ----


def test_a_visitor_following_a_link_signs_in_and_lands_on_that_page(demo_store_url):
    """The browser test follows /admin?tab=users through the cookie route; here the same landing in
    one session: the link's page and parameters survive the login page."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["tab"] = "users"
    at.run()
    assert at.title[0].value == "Вход"
    assert at.query_params == {"next": "/?tab=users"}
    at.text_input(key="login_name").input("coordinator@lensk.demo")
    at.text_input(key="login_password").input("demo-coordinator")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Комиссия по задолженности за ЖКУ — Ленский район"
    assert at.query_params == {"tab": "users"}
    assert "sign_in_next" not in at.session_state


def test_the_login_page_names_the_district_and_nothing_about_the_server(demo_store_url):
    at = AppTest.from_file(APP, default_timeout=60).run()
    texts = [e.value for e in (*at.markdown, *at.caption, *at.sidebar.caption, *at.title)]
    assert at.title[0].value == "Вход" and any("Ленский район" in t for t in texts)
    assert not any("SQLite" in t or "sqlite" in t or demo_store_url[len("sqlite:///"):] in t for t in texts), texts


# ---- single sign-on ---------------------------------------------------------------------------

AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "c" * 40,
                 "client_id": "debt-app", "client_secret": "s" * 20,
                 "server_metadata_url": "https://sso.example/.well-known/openid-configuration"}}


def sso_app(email: str | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets = AUTH
    at.user = {"is_logged_in": True, "email": email, "name": "Кто-то"} if email else {"is_logged_in": False}
    return at


def test_single_sign_on_signs_a_known_email_in_and_opens_the_linked_page(demo_store_url):
    at = sso_app("Coordinator@Lensk.demo").run()
    assert not at.exception
    assert at.title[0].value == "Комиссия по задолженности за ЖКУ — Ленский район"
    assert "Беляев И.А." in at.sidebar.markdown[0].value
    at.switch_page("pages/admin.py").run()
    assert at.title[0].value == "Администрирование"


@pytest.mark.parametrize(("email", "refusal"), [
    # the address as code: read as the address, never a mailto link (issue 25, «Why» 6)
    ("stranger@gmail.com", "Адрес `stranger@gmail.com` не зарегистрирован в системе. Обратитесь к координатору, чтобы вас добавили."),
    ("tsk@lensk.demo", "Учётная запись отключена. Обратитесь к координатору."),
])
def test_single_sign_on_refuses_an_unknown_or_disabled_email_in_russian(demo_store_url, email, refusal):
    from lib.store.sqlite_store import SQLiteStore

    store = SQLiteStore(demo_store_url[len("sqlite:///"):])
    row = user_row(store.read_all(), "tsk@lensk.demo")
    write(store, CLI, {"users": [{**_record(row), "active": False}]})
    at = sso_app(email).run()
    assert not at.exception
    assert at.title[0].value == "Вход"
    assert [e.value for e in at.error] == [refusal]
    at.switch_page("pages/admin.py").run()  # and no page opens by address either
    assert at.title[0].value == "Вход"
    at.button(key=next(b.key for b in at.button if b.label == "Выйти из единого входа")).click().run()
    assert at.user == {"is_logged_in": False}


def test_the_sso_button_explains_an_incomplete_setup_in_russian(demo_store_url, monkeypatch):
    at = sso_app(None).run()
    sso = next(b for b in at.button if b.label == "Войти через единый вход (SSO)")
    sso.click().run()  # st.login checks the real [auth] section, which this test machine does not have
    assert not at.exception
    assert any("Единый вход настроен не полностью" in i.value for i in at.info)
    monkeypatch.setattr("streamlit.auth_util.is_authlib_installed", lambda: False)
    at = sso_app(None).run()
    assert any("не установлен пакет Authlib" in w.value for w in at.warning)
    assert not any(b.label.startswith("Войти через единый вход") for b in at.button)


# ---- no hash, salt or key on any page, in any message, log or file --------------------------------


def _texts(at: AppTest) -> str:
    """Everything an AppTest run shows: text elements, tables (every cell), widget labels and options."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "error", "warning", "info",
                 "success", "exception", "metric", "code", "json", "table"):
        parts += [str(getattr(e, "value", "")) for e in getattr(at, kind)]
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    for widget in (*at.selectbox, *at.multiselect, *at.radio):
        parts += [str(o) for o in widget.options]
    return "\n".join(parts)


def _hash_fragments(store_url: str) -> list[str]:
    """The salt and digest of every stored hash, each a long random string no page may contain."""
    from lib.store.sqlite_store import SQLiteStore

    users = SQLiteStore(store_url[len("sqlite:///"):]).read_all().all_versions("users")
    return [part for h in users["password_hash"].dropna() for part in h.split("$")[-2:]] + ["$argon2"]


def test_the_hash_oracle_of_the_search_box_finds_nothing(demo_store_url):
    """Issue 13: a commission member recovered the coordinator's hash character by character from the
    row count of «Поиск по тексту». Every prefix of it now finds nothing; what is shown is still found."""
    from lib.store.sqlite_store import SQLiteStore

    target = user_row(SQLiteStore(demo_store_url[len("sqlite:///"):]).read_all(), "coordinator@lensk.demo")["password_hash"]
    at = run_app("pages/data.py", login="commission@lensk.demo")
    at.selectbox(key="data_tab").select("Пользователи").run()
    at.toggle(key="data_all_versions").set_value(True).run()
    for prefix in ("$", "$argon2id$", "$argon2id$v=19$m=", target[:30], target[:60], target):
        at.text_input(key="data_query").input(prefix).run()
        assert "Строк: 0" in [c.value for c in at.caption], prefix
        assert not at.dataframe  # an empty table is said in words, not drawn (shell.table)
    at.text_input(key="data_query").input("КООРДИНАТОР").run()  # a shown label, in any case
    assert at.dataframe[0].value["Логин (e-mail)"].tolist() == ["coordinator@lensk.demo"]
    assert not at.exception


def test_search_looks_at_what_is_shown_as_it_is_shown(demo_store_url):
    at = run_app("pages/data.py", login="commission@lensk.demo")
    at.selectbox(key="data_tab").select("Ежемесячный отчёт").run()
    shown = cells(at.dataframe[0])  # as the page shows them (numbers stay numbers underneath)
    money = next(v for v in shown["Задолженность на начало месяца"] if "\u00a0" in v)  # «1 234,567» with a non-breaking space
    for query, column, expected in (("население", "Группа потребителей", "население"),
                                    (money.replace("\u00a0", " "), "Задолженность на начало месяца", money),
                                    ("ленск", "Поселение", "МО «Город Ленск»"), ("декабрь 2024", "Отчётный месяц", "декабрь 2024")):
        at.text_input(key="data_query").input(query).run()
        found = cells(at.dataframe[0])
        assert len(found) and (found[column].str.contains(expected, regex=False)).any(), query
    at.text_input(key="data_query").input("population").run()  # the stored code is not what is shown
    assert not at.dataframe  # nothing found: said in words, not an empty grid (shell.table)
    at.text_input(key="data_query").input("").run()
    record = at.selectbox(key="data_record").options[0]
    assert "население" in record or "прочие" in record, record  # records named as shown too


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/dashboard.py", "pages/entry.py", "pages/plan.py",
                                  "pages/commission.py", "pages/data.py", "pages/export.py", "pages/admin.py"])
def test_no_page_shows_a_hash_or_the_cookie_secret(demo_store_url, page, monkeypatch, caplog):
    monkeypatch.setenv("DEBT_COOKIE_SECRET", SECRET)
    at = run_app(page)
    seen = [_texts(at)]
    if page == "pages/data.py":  # the users tab, every version, each record's history
        at.selectbox(key="data_tab").select("Пользователи").run()
        at.toggle(key="data_all_versions").set_value(True).run()
        for record in at.selectbox(key="data_record").options[:5]:
            at.selectbox(key="data_record").select(record).run()
            seen.append(_texts(at))
    text = "\n".join(seen) + caplog.text
    assert not [f for f in _hash_fragments(demo_store_url) if f in text]
    assert SECRET not in text


def test_a_damaged_hash_cell_shows_none_of_its_characters_on_overview_or_in_check(demo_store_url, capsys):
    from lib.cli import main

    path = demo_store_url[len("sqlite:///"):]
    with sqlite3.connect(path) as con:  # pasted three times over: longer than the column allows
        con.execute("UPDATE users SET password_hash = password_hash || password_hash || password_hash "
                    "WHERE login = 'coordinator@lensk.demo'")
        damaged = con.execute("SELECT password_hash FROM users WHERE login = 'coordinator@lensk.demo'").fetchone()[0]
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user_login"] = "commission@lensk.demo"
    at.run()
    problems = next(d.value for d in at.dataframe if "Причина" in d.value.columns)  # a reader sees no inventory table
    assert problems.to_dict("records") == [{"Лист": "Пользователи", "Строка": problems["Строка"].iloc[0],
                                            "Столбец": "Хеш пароля", "Значение": "", "Причина": SECRET_PROBLEM}]
    assert main(["check", "--store", demo_store_url]) == 1
    printed = capsys.readouterr().out
    assert "Хеш пароля" in printed and SECRET_PROBLEM in printed
    for fragment in [damaged[i:i + 12] for i in range(0, len(damaged), 12)] + ["$argon2"]:
        assert fragment not in printed and fragment not in _texts(at)


def test_secret_cells_are_masked_wherever_the_cells_come_from():
    users = schema()["users"]
    header = [c.title for c in users.columns]
    rows = [["a@x.ru", "А", "координатор", "", "$argon2id$" + "x" * 300, "да", "2024-01-01T00:00:00+00:00", "t", "s1"]]
    _, problems = cells_to_frame(users, header, rows)  # a sheet's raw cells, as the Google adapter reads them
    assert [(p.column, p.value, p.reason) for p in problems] == [("Хеш пароля", "", SECRET_PROBLEM)]
    assert "argon2" not in str(problems[0])


# ---- a sign-in ends on the server (issue 23, item 8) ----------------------------------------------


def test_disabling_ends_a_sign_in_for_good_and_enabling_again_does_not_revive_it_on_both_stores(store):
    write(store, CLI, {"users": [_user("boss@x.ru", "coordinator", "boss-password")]})
    write(store, CLI, {"users": [_user("member@x.ru", "commission", "first-password")]})
    sessions = Sessions(SECRET)
    from lib.auth.signin import user_versions

    row = user_row(store.read_all(), "member@x.ru")
    claim = sessions.read_cookie(sessions.cookie(sessions.claim(row)))
    assert sessions.still_valid(claim, user_versions(store.read_all(), "member@x.ru"))
    write(store, CLI, {"users": [{**_record(row), "name": "Проверка Исправленная"}]})  # a name: nobody is signed out
    assert sessions.still_valid(claim, user_versions(store.read_all(), "member@x.ru"))

    write(store, CLI, {"users": [{**_record(user_row(store.read_all(), "member@x.ru")), "active": False}]})
    write(store, CLI, {"users": [{**_record(user_row(store.read_all(), "member@x.ru")), "active": True}]})
    snap = store.read_all()
    now = user_row(snap, "member@x.ru")
    assert sessions.fingerprint(now) == claim.fingerprint  # the account is as it was, the fingerprint too ...
    assert not sessions.still_valid(claim, user_versions(snap, "member@x.ru"))  # ... and the old cookie stays void
    assert sessions.still_valid(sessions.claim(now), user_versions(snap, "member@x.ru"))  # a new sign-in works

    # a password changed and then set back: the same
    claim = sessions.claim(now)
    old_hash = now["password_hash"]
    write(store, CLI, {"users": [{**_record(now), "password_hash": hash_password("second-password")}]})
    write(store, CLI, {"users": [{**_record(user_row(store.read_all(), "member@x.ru")), "password_hash": old_hash}]})
    assert not sessions.still_valid(claim, user_versions(store.read_all(), "member@x.ru"))
    assert not sessions.still_valid(Claim("member@x.ru", claim.fingerprint, "s", "a-version-never-saved"),
                                    user_versions(store.read_all(), "member@x.ru"))


def test_a_sign_in_ended_in_one_server_process_is_refused_by_another_and_after_a_restart(tmp_path):
    from lib.auth.session_cookie import SessionLedger

    clock = Clock()
    first, second = (SessionLedger(tmp_path / "server.sqlite", hours=12, clock=clock) for _ in range(2))
    assert not second.ended("sid-1")
    first.end("sid-1")
    assert second.ended("sid-1") and not second.ended("sid-2")
    assert SessionLedger(tmp_path / "server.sqlite", clock=clock).ended("sid-1")  # a restart
    clock.now += 13 * 3600
    second.end("sid-2")  # forgotten once no cookie of it can be alive any more
    assert not first.ended("sid-1") and first.ended("sid-2")


def _signed_in_with_the_form(login: str, password: str) -> dict:
    """Sign in on «Вход» as a person does; what the session holds afterwards (what the cookie carries too)."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="login_name").input(login)
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return {k: at.session_state[k] for k in ("user_login", "user_fingerprint", "user_session", "user_version")}


def _page(session: dict, page: str = "pages/admin.py") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in session.items():
        at.session_state[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_sign_out_ends_the_sign_in_in_every_tab_and_process(demo_store_url):
    session = _signed_in_with_the_form("commission@lensk.demo", "demo-commission")
    tab = _page(session, None)
    other_tab = _page(session, None)  # the same sign-in in a second tab (its cookie, copied)
    assert other_tab.title[0].value.startswith("Комиссия по задолженности")
    tab.sidebar.button(key="logout").click().run()
    assert tab.title[0].value == "Вход"
    other_tab.run()
    assert other_tab.title[0].value == "Вход"
    assert any("Вы вышли из системы" in i.value for i in other_tab.info)
    assert _page(session, None).title[0].value == "Вход"  # the copy is refused from now on
    # the same person signs in again: a new sign-in, which works
    assert _page(_signed_in_with_the_form("commission@lensk.demo", "demo-commission"), None).title[0].value.startswith("Комиссия")


def test_disabled_and_enabled_again_the_old_sign_in_stays_ended(demo_store_url):
    from lib.store.sqlite_store import SQLiteStore

    session = _signed_in_with_the_form("ves@lensk.demo", "demo-ves")
    store = SQLiteStore(demo_store_url[len("sqlite:///"):])
    for active in (False, True):
        write(store, CLI, {"users": [{**_record(user_row(store.read_all(), "ves@lensk.demo")), "active": active}]})
    at = _page(session, None)
    assert at.title[0].value == "Вход"
    assert any("Учётная запись изменилась" in i.value for i in at.info)


def test_ones_own_password_change_keeps_this_sign_in_and_ends_the_others(demo_store_url):
    here = _signed_in_with_the_form("coordinator@lensk.demo", "demo-coordinator")
    elsewhere = _signed_in_with_the_form("coordinator@lensk.demo", "demo-coordinator")  # another computer
    at = _page(here)
    at.selectbox(key="edit_login").select("coordinator@lensk.demo").run()
    at.text_input(key="edit_user-coordinator@lensk.demo:password").input("новый-пароль-координатора-1").run()
    at.button(key="edit_user-coordinator@lensk.demo:save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Администрирование"
    assert any("изменения сохранены" in s.value for s in at.success)
    at.run()
    assert at.title[0].value == "Администрирование"  # still signed in here
    assert at.session_state["user_session"] == here["user_session"]
    assert at.session_state["user_version"] != here["user_version"]
    gone = _page(elsewhere, None)
    assert gone.title[0].value == "Вход"
    assert any("Учётная запись изменилась" in i.value for i in gone.info)
    assert _page(here, None).title[0].value == "Вход"  # the cookie issued before the change is void too


def _sso_tab(email: str, sid: str) -> AppTest:
    """A tab whose browser carries Streamlit's identity cookie as our callback makes it (with the sign-in's id)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets = AUTH
    at.user = {"is_logged_in": True, "email": email, "email_verified": True, "sid": sid}
    return at.run()


def test_a_copy_of_the_single_sign_on_identity_is_refused_after_sign_out_or_a_disable(demo_store_url):
    from lib.store.sqlite_store import SQLiteStore

    first = _sso_tab("commission@lensk.demo", "sso-sign-in-1")
    assert first.title[0].value.startswith("Комиссия по задолженности")
    first.sidebar.button(key="logout").click().run()
    copy = _sso_tab("commission@lensk.demo", "sso-sign-in-1")  # the cookie, copied before «Выйти»
    assert copy.title[0].value == "Вход"
    assert any("Вы вышли из системы" in i.value for i in copy.info)

    assert _sso_tab("ves@lensk.demo", "sso-sign-in-2").title[0].value.startswith("Комиссия")
    store = SQLiteStore(demo_store_url[len("sqlite:///"):])
    for active in (False, True):
        write(store, CLI, {"users": [{**_record(user_row(store.read_all(), "ves@lensk.demo")), "active": active}]})
    again = _sso_tab("ves@lensk.demo", "sso-sign-in-2")
    assert again.title[0].value == "Вход"
    assert any("Учётная запись изменилась" in i.value for i in again.info)
    assert _sso_tab("ves@lensk.demo", "sso-sign-in-3").title[0].value.startswith("Комиссия")  # a new sign-in at the provider
