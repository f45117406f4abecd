"""Two ``streamlit run`` processes on one PostgreSQL server, one browser (issue 28): failed sign-ins counted on one
count on the other, a sign-in on one is valid on the other, and an account disabled by a third process signs the
person out of both at the next page."""

from __future__ import annotations

import sqlite3
import time

from lib.auth.access import command_line_user, write
from lib.auth.passwords import _login_key
from lib.store.postgres_store import PostgresStore
from tests.support.browser import ARTIFACTS, serve

SECRET = "two-servers-secret-" + "y" * 32
CLI = command_line_user("test")


def failures(path, login: str) -> int:
    """Failed attempts the machine's throttle holds for the login (the fifth turns them into a lock)."""
    try:
        with sqlite3.connect(path) as con:
            if con.execute("SELECT 1 FROM sign_in_locks WHERE login = ?", (_login_key(login),)).fetchone():
                return 5
            return con.execute("SELECT count(*) FROM sign_in_failures WHERE login = ?", (_login_key(login),)).fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def wait_until(check, page, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "two-servers-timeout.png"), full_page=True)
            raise AssertionError("the failed sign-in was not counted in time (screenshot: two-servers-timeout.png)")
        time.sleep(0.2)


def sign_in(tab, login: str, password: str) -> None:
    tab.get_by_label("Логин (e-mail)").fill(login)
    tab.get_by_label("Пароль").fill(password)
    tab.get_by_role("button", name="Войти", exact=True).click()


def test_two_servers_share_the_sign_in_throttle_the_session_and_see_a_disabled_account(demo_postgres, demo_db, tmp_path,
                                                                                         page):
    store = demo_postgres
    local = tmp_path / "local"  # this machine's folder, shared by both servers
    env = {"DEBT_STORE": store.url, "DEBT_COOKIE_SECRET": SECRET, "DEBT_LOCAL_DIR": str(local)}
    servers = []
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            running = serve(demo_db, tmp_path / name, env=env)
            servers.append((next(running), running))
        (a, _), (b, _) = servers
        throttle = PostgresStore(store.url, local_dir=local).server_file()

        # five wrong passwords on server A ...
        for n in range(1, 6):
            page.goto(a)  # each attempt on a fresh page, as one who keeps trying
            page.get_by_role("heading", name="Вход").wait_for(timeout=60000)
            sign_in(page, "lptes@lensk.demo", f"wrong-{n}")
            wait_until(lambda n=n: failures(throttle, "lptes@lensk.demo") >= n, page)
            page.get_by_text("Неверный логин или пароль.").wait_for(timeout=60000)
        # ... and the right one on server B is refused: the count is the machine's, not the process's
        page.goto(b)
        page.get_by_role("heading", name="Вход").wait_for(timeout=60000)
        sign_in(page, "lptes@lensk.demo", "demo-lptes")
        page.get_by_text("Слишком много неудачных попыток входа").wait_for(timeout=30000)

        # signed in on B, the browser is signed in on A too (one cookie secret, one users table)
        sign_in(page, "commission@lensk.demo", "demo-commission")
        page.get_by_text("Член комиссии (демо)").first.wait_for(timeout=60000)
        page.goto(a)
        page.get_by_text("Член комиссии (демо)").first.wait_for(timeout=60000)

        # a third process disables the account: the next page on either server asks to sign in
        row = store.read_all().record("users", login="commission@lensk.demo")
        write(store, CLI, {"users": [{**row, "active": False}]})
        for server in (a, b):
            page.goto(server)
            page.get_by_role("heading", name="Вход").wait_for(timeout=60000)
            assert page.get_by_text("Член комиссии (демо)").count() == 0
    finally:
        for _, running in servers:
            running.close()
