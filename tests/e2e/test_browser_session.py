"""The sign-in as a person lives with it in a real browser: F5, a second tab, a link sent by a colleague,
signing out, and the cookie that makes it work — flags, expiry, forgery, replay, a changed account.

One server and one browser for all of it (the machine is small); Debian chromium, never skipped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from lib.auth.session_cookie import COOKIE, Sessions
from tests.support.browser import ARTIFACTS, free_port, serve, sign_in, wait_for_tables
from tests.support.fake_oidc import FakeOIDC

SECRET = "browser-test-secret-" + "x" * 32
LOGIN_HEADING = "Вход"


@dataclass
class Server:
    url: str
    folder: Path  # the database copy (db-path) and the server's log
    provider: FakeOIDC


@pytest.fixture(scope="module")
def served(demo_db, tmp_path_factory):
    """One server for the module, with a known cookie secret and single sign-on through an OpenID
    provider on this machine (tests/support/fake_oidc.py)."""
    folder = tmp_path_factory.mktemp("session-server")
    port = free_port()
    with FakeOIDC(free_port(), "debt-app", "provider-secret") as provider:
        folder.joinpath("secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{"k" * 40}"\n'
            'client_id = "debt-app"\nclient_secret = "provider-secret"\n'
            f'server_metadata_url = "{provider.metadata_url}"\n')
        for url in serve(demo_db, folder, env={"DEBT_COOKIE_SECRET": SECRET}, port=port,
                         args=(f"--secrets.files={folder / 'secrets.toml'}",)):
            yield Server(url, folder, provider)


def asks_to_sign_in(tab) -> None:
    tab.get_by_role("heading", name=LOGIN_HEADING).wait_for(timeout=30000)


def users_row(tmp_path, login: str) -> dict:
    from lib.auth.signin import user_row
    from lib.store.sqlite_store import SQLiteStore

    return user_row(SQLiteStore(Path(tmp_path.joinpath("db-path").read_text())).read_all(), login)


def test_sign_in_survives_reload_new_tab_and_a_link_and_ends_with_sign_out(served, page):
    ARTIFACTS.mkdir(exist_ok=True)
    server, tmp_path = served.url, served.folder
    context = page.context
    tickets: list[str] = []
    page.on("request", lambda r: tickets.append(r.url) if "/_session/start" in r.url else None)

    # a link sent by a colleague, opened before signing in: the login page, then exactly that page
    page.goto(f"{server}/admin?tab=users")
    asks_to_sign_in(page)
    assert page.get_by_text("Закрытие кварталов").count() == 0
    assert page.get_by_text("SQLite").count() == 0 and page.get_by_text(str(tmp_path)).count() == 0  # nothing about the server
    page.get_by_text("Ленский район").first.wait_for(timeout=30000)  # but the district's name
    sign_in(page, "coordinator@lensk.demo", "demo-coordinator")
    page.get_by_role("tab", name="Закрытие кварталов").wait_for(timeout=30000)
    assert page.url.startswith(f"{server}/admin?tab=users")  # the link kept (the page adds the user its form shows: &login=)

    # the cookie: HttpOnly, SameSite=Lax, expires in 12 hours; nothing of it for JavaScript
    cookie = next(c for c in context.cookies() if c["name"] == COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert abs(cookie["expires"] - (time.time() + 12 * 3600)) < 120
    readable = page.evaluate("[document.cookie, JSON.stringify(localStorage), JSON.stringify(sessionStorage)].join(' ')")
    assert COOKIE not in readable and cookie["value"] not in readable and "argon2" not in readable

    # F5, and a second tab: still signed in
    page.reload()
    page.get_by_role("tab", name="Закрытие кварталов").wait_for(timeout=30000)
    second = context.new_page()
    second.goto(f"{server}/data")
    second.get_by_text("Данные и история изменений").wait_for(timeout=30000)
    second.get_by_text("Беляев И.А.").wait_for(timeout=30000)
    second.close()

    # the one-minute ticket that set the cookie cannot be used again, nor from another browser
    assert len(tickets) == 1
    stranger = context.browser.new_context(locale="ru-RU")
    other = stranger.new_page()
    other.goto(tickets[0])
    asks_to_sign_in(other)
    other.get_by_text("Вход не сохранился в браузере").wait_for(timeout=30000)
    assert not any(c["name"] == COOKIE for c in stranger.cookies())

    # forged, expired and foreign cookies are refused
    row = users_row(tmp_path, "coordinator@lensk.demo")
    genuine = Sessions(SECRET).cookie(Sessions(SECRET).claim(row))
    payload, stamp, signature = genuine.split(".")
    forged = {
        "tampered": f"{payload}.{stamp}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}",
        "another secret": Sessions("a-different-secret-" + "y" * 32).cookie(Sessions(SECRET).claim(row)),
        "expired": Sessions(SECRET, clock=lambda: time.time() - 13 * 3600).cookie(Sessions(SECRET).claim(row)),
        "not a cookie at all": "coordinator@lensk.demo",
    }
    for what, value in forged.items():
        stranger.clear_cookies()
        stranger.add_cookies([{"name": COOKIE, "value": value, "url": server}])
        other.goto(f"{server}/admin")
        asks_to_sign_in(other)
        assert other.get_by_text("Закрытие кварталов").count() == 0, what
    stranger.add_cookies([{"name": COOKIE, "value": genuine, "url": server}])  # the genuine one works anywhere
    other.goto(f"{server}/admin")
    other.get_by_role("tab", name="Закрытие кварталов").wait_for(timeout=30000)

    # the account changes (a new password): every cookie issued before is void, at once
    from lib.auth.access import command_line_user, write
    from lib.auth.passwords import hash_password
    from lib.store.sqlite_store import SQLiteStore

    store = SQLiteStore(Path(tmp_path.joinpath("db-path").read_text()))
    changed = {**{k: row[k] for k in ("login", "name", "role", "participant_id", "active")},
               "password_hash": hash_password("new-password-1")}
    write(store, command_line_user("test"), {"users": [changed]})
    other.reload()
    asks_to_sign_in(other)
    other.get_by_text("Учётная запись изменилась").wait_for(timeout=30000)
    page.reload()
    asks_to_sign_in(page)
    stranger.close()

    # signed in again with the new password (back on the page of the link); signing out deletes the
    # cookie: a reload asks again
    sign_in(page, "coordinator@lensk.demo", "new-password-1")
    page.get_by_role("tab", name="Закрытие кварталов").wait_for(timeout=30000)
    assert page.url.startswith(f"{server}/admin?tab=users")  # the link kept (the page adds the user its form shows: &login=)
    page.get_by_role("button", name="Выйти").click()
    asks_to_sign_in(page)
    assert not any(c["name"] == COOKIE for c in context.cookies())
    page.reload()
    asks_to_sign_in(page)
    page.goto(f"{server}/admin")
    asks_to_sign_in(page)
    page.screenshot(path=str(ARTIFACTS / "signed-out.png"), full_page=True)

    log = tmp_path.joinpath("streamlit.log").read_text()
    assert "argon2" not in log and SECRET not in log and genuine not in log
    assert not page.errors, page.errors


def test_single_sign_on_end_to_end_lands_on_the_link_and_refuses_a_stranger(served, page):
    """«Войти через единый вход» with Streamlit's real st.login, Authlib and an OpenID provider on this
    machine: the README's setup works with requirements.txt as it is."""
    server, provider = served.url, served.provider
    provider.email = "Coordinator@Lensk.demo"
    provider.email_in_id_token = False  # only at userinfo, as a certified provider does for the code flow
    page.goto(f"{server}/admin?tab=users")
    asks_to_sign_in(page)
    page.get_by_role("button", name="Войти через единый вход (SSO)").click()
    page.get_by_role("tab", name="Закрытие кварталов").wait_for(timeout=30000)
    assert page.url.startswith(f"{server}/admin?tab=users")  # the link kept (the page adds the user its form shows: &login=)
    page.get_by_text("Беляев И.А.").wait_for(timeout=30000)
    page.reload()  # Streamlit's own identity cookie keeps the person signed in
    page.get_by_role("tab", name="Закрытие кварталов").wait_for(timeout=30000)
    wait_for_tables(page, 1)
    page.screenshot(path=str(ARTIFACTS / "sso-landed.png"), full_page=True)

    page.get_by_role("button", name="Выйти").click()
    asks_to_sign_in(page)
    page.get_by_text("Вы вышли из системы. Служба единого входа не поддерживает выход").wait_for(timeout=30000)
    page.reload()
    asks_to_sign_in(page)
    assert not any(c["name"].startswith("_streamlit_user") for c in page.context.cookies())

    provider.email_verified = False  # the provider does not vouch for the address: refused, in Russian
    page.get_by_role("button", name="Войти через единый вход (SSO)").click()
    page.get_by_text("Адрес электронной почты не подтверждён в службе единого входа").wait_for(timeout=30000)
    assert page.get_by_text("Беляев И.А.").count() == 0
    provider.email_verified = True

    provider.email = "stranger@gmail.com"
    page.get_by_role("button", name="Войти через единый вход (SSO)").click()
    page.get_by_text("Адрес stranger@gmail.com не зарегистрирован в системе").wait_for(timeout=30000)
    page.goto(f"{server}/admin")
    page.get_by_text("не зарегистрирован в системе").wait_for(timeout=30000)
    assert page.get_by_text("Закрытие кварталов").count() == 0
    page.screenshot(path=str(ARTIFACTS / "sso-stranger.png"), full_page=True)
    assert not page.errors, page.errors
