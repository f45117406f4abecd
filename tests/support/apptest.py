"""The app in-process with AppTest, signed in the way the login page signs in."""

from __future__ import annotations

import os
import threading

from streamlit.testing.v1 import AppTest

from lib.core.config import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")
COORDINATOR = "coordinator@lensk.demo"


def run_app(page: str | None = None, login: str | None = COORDINATOR) -> AppTest:
    """Run the app signed in as ``login`` (the session is set the way the login page sets it): app.py's own run (the
    gate, the start page), then ``page`` if given (the sign-in tests follow that way; ``open_page`` opens a page at
    once)."""
    at = AppTest.from_file(APP, default_timeout=60)
    if login:
        at.session_state["user_login"] = login
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_page(login: str, page: str, state: dict | None = None, *, params: dict | None = None, timeout: float = 90,
              check: bool = True) -> AppTest:
    """The app signed in as ``login`` on ``page``, with ``state`` set in the session before the page's run (what a
    widget would send: AppTest cannot type into a grid). The page is opened at once, as a link to it opens it: the
    first run is the page's own (a run of the start page before it was a second AppTest run in every test, ≈ 0.5–0.9 s
    of CPU, and proved nothing the start page's own tests do not). ``params``: the link's query parameters; ``check``:
    the run raised nothing."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.session_state["user_login"] = login
    at.switch_page(page)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not check or not at.exception, [e.value for e in at.exception]
    return at


def open_entry(login: str, edits: dict | None = None) -> AppTest:
    return open_page(login, "pages/entry.py", edits)


def share_compiled_scripts() -> None:
    """AppTest makes a new ``ScriptCache`` on every run, so ``app.py`` and the page are read, rewritten for «magic» and
    compiled again on each ``at.run()`` (≈ 25–50 ms of CPU a run); a server compiles each once and runs its code
    again. The test process keeps one compiled code per file and its change stamp, as a server's cache does (an
    edited file is compiled anew). Installed for the test session by ``tests/conftest.py``."""
    from streamlit import config
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    if getattr(ScriptCache.get_bytecode, "shared", False):
        return
    compile_once = ScriptCache.get_bytecode
    compiled: dict[tuple, object] = {}
    lock = threading.Lock()

    def get_bytecode(self, script_path: str):
        path = os.path.abspath(script_path)
        stat = os.stat(path)
        key = (path, stat.st_mtime_ns, stat.st_size, config.get_option("runner.magicEnabled"))
        with lock:
            code = compiled.get(key)
        if code is None:
            code = compile_once(self, script_path)
            with lock:
                compiled[key] = code
        return code

    get_bytecode.shared = True
    ScriptCache.get_bytecode = get_bytecode
