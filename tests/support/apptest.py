"""The app in-process with AppTest, signed in the way the login page signs in."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from lib.core.config import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")
COORDINATOR = "coordinator@lensk.demo"


def run_app(page: str | None = None, login: str | None = COORDINATOR) -> AppTest:
    """Run the app signed in as ``login`` (the session is set the way the login page sets it)."""
    at = AppTest.from_file(APP, default_timeout=60)
    if login:
        at.session_state["user_login"] = login
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_page(login: str, page: str, state: dict | None = None) -> AppTest:
    """The app signed in as ``login`` on ``page``, with ``state`` set in the session before the page's run (what a
    widget would send: AppTest cannot type into a grid)."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["user_login"] = login
    at.run()
    at.switch_page(page)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_entry(login: str, edits: dict | None = None) -> AppTest:
    return open_page(login, "pages/entry.py", edits)
