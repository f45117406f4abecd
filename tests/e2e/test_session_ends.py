"""A sign-in ends on the server (issue 23, item 8), walked in Chromium against two server processes on one
database: a copy of the cookie is refused after «Выйти» on the other process; a user disabled and enabled
again does not get old cookies back; one's own password change keeps this browser signed in (its cookie is
re-issued) and ends the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.auth.session_cookie import COOKIE
from tests.support.browser import ARTIFACTS, serve

SECRET = "e2e-two-processes-secret-" + "t" * 32


@pytest.fixture(scope="module")
def two_processes(demo_db, tmp_path_factory):
    first, second = tmp_path_factory.mktemp("process-a"), tmp_path_factory.mktemp("process-b")
    for a in serve(demo_db, first, env={"DEBT_COOKIE_SECRET": SECRET}):
        db = Path(first.joinpath("db-path").read_text())
        for b in serve(demo_db, second, env={"DEBT_COOKIE_SECRET": SECRET, "DEBT_STORE": f"sqlite:///{db}"}):
            yield a, b, db


def on_login_page(tab) -> None:
    tab.get_by_role("heading", name="Вход").wait_for(timeout=30000)


def sign_in(tab, server: str, login: str, password: str) -> None:
    tab.goto(f"{server}/")
    on_login_page(tab)
    tab.get_by_label("Логин (e-mail)").fill(login)
    tab.get_by_label("Пароль").fill(password)
    tab.get_by_role("button", name="Войти", exact=True).click()
    tab.get_by_text("Комиссия по задолженности за ЖКУ — Ленский район").wait_for(timeout=30000)


def cookie_of(tab) -> dict:
    return next(c for c in tab.context.cookies() if c["name"] == COOKIE)


def present(browser, server: str, cookie: dict):
    """A stranger's browser with a copy of the cookie, opening a page on ``server``."""
    context = browser.new_context(locale="ru-RU")
    context.add_cookies([{"name": COOKIE, "value": cookie["value"], "url": server}])
    tab = context.new_page()
    tab.goto(f"{server}/data")
    return context, tab


def test_a_copy_of_the_cookie_is_refused_after_sign_out_on_another_process(two_processes, page):
    a, b, _ = two_processes
    sign_in(page, a, "commission@lensk.demo", "demo-commission")
    copy = cookie_of(page)
    context, other = present(page.context.browser, b, copy)  # the copy works on the other process ...
    other.get_by_text("Данные и история изменений").wait_for(timeout=30000)
    context.close()
    page.get_by_role("button", name="Выйти").click()
    on_login_page(page)
    context, other = present(page.context.browser, b, copy)  # ... and not after «Выйти»
    try:
        on_login_page(other)
        other.get_by_text("Вы вышли из системы").wait_for(timeout=30000)
        assert other.get_by_text("Данные и история изменений").count() == 0
    finally:
        context.close()


def test_disabled_and_enabled_again_old_cookies_stay_void(two_processes, page):
    from lib.auth.access import command_line_user, write
    from lib.auth.signin import user_row
    from lib.store.sqlite_store import SQLiteStore

    a, b, db = two_processes
    sign_in(page, a, "ves@lensk.demo", "demo-ves")
    copy = cookie_of(page)
    store = SQLiteStore(db)
    for active in (False, True):
        row = user_row(store.read_all(), "ves@lensk.demo")
        record = {k: row[k] for k in ("login", "name", "role", "participant_id", "password_hash")}
        write(store, command_line_user("test"), {"users": [{**record, "active": active}]})
    context, other = present(page.context.browser, b, copy)
    try:
        on_login_page(other)
        other.get_by_text("Учётная запись изменилась").wait_for(timeout=30000)
    finally:
        context.close()
    page.reload()
    on_login_page(page)
    sign_in(page, b, "ves@lensk.demo", "demo-ves")  # enabled: a new sign-in works


def test_ones_own_password_change_keeps_this_browser_and_ends_the_others(two_processes, page):
    a, b, _ = two_processes
    sign_in(page, a, "coordinator@lensk.demo", "demo-coordinator")
    before = cookie_of(page)
    page.goto(f"{a}/admin?tab=users")
    page.get_by_text("Пароль, роль и доступ").wait_for(timeout=30000)
    page.get_by_label("Новый пароль (оставьте пустым, чтобы не менять)").fill("новый-пароль-координатора-7")
    page.get_by_role("button", name="Сохранить").first.click()
    page.get_by_text("изменения сохранены").wait_for(timeout=30000)
    for _ in range(100):  # the page fetches the new cookie in the background
        if cookie_of(page)["value"] != before["value"]:
            break
        page.wait_for_timeout(100)
    assert cookie_of(page)["value"] != before["value"]
    assert cookie_of(page)["httpOnly"]
    page.reload()  # F5: still signed in, with the new cookie
    page.get_by_text("Пароль, роль и доступ").wait_for(timeout=30000)
    context, other = present(page.context.browser, b, before)  # the cookie from before the change: void
    try:
        on_login_page(other)
        other.get_by_text("Учётная запись изменилась").wait_for(timeout=30000)
    finally:
        context.close()
    page.screenshot(path=str(ARTIFACTS / "own-password-changed.png"), full_page=True)
    assert not page.errors, page.errors
