"""What the browser tests share: ``streamlit run`` on a copy of the demo database, Debian chromium driven by
Playwright, and a fresh browser context (a person's own browser: no cookies, no storage) per test.

Starting the server and the browser is the slow part of a browser test on a small machine, so the fixtures
in tests/conftest.py start one Chromium per pytest process and one server for every test that only reads
the demo district; a test that writes gets a server on its own copy. Fails, never skips, when chromium is
missing: CI installs it (.ci/run).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from lib.core.config import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
# Most of the browser's work in the tests is Streamlit's own JavaScript drawing each rerun, in a tab that lives a minute:
# V8's optimising compilers (TurboFan, Maglev) spend more time compiling than their code saves in so short a life, so
# they are off (the same code runs, only unoptimised; docs/testing.md, «Сквозной набор: процессор»). Reduced motion:
# no transitions or pulsing placeholders to draw frame by frame (Streamlit honours the setting, as for a person who
# asked the system for it).
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-quic", "--no-first-run", "--force-prefers-reduced-motion",
         "--js-flags=--no-opt,--no-maglev"]
# the tests' servers: nobody edits the code while the tests run, so no watcher of every imported module's file (its
# first run walks all of sys.modules) and no rerun on save
SERVER_ARGS = ("--server.fileWatcherType=none", "--server.runOnSave=false")
VIEWPORT = {"width": 1400, "height": 1000}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(demo_db, tmp_path: Path, env: dict | None = None, args: tuple = (), port: int | None = None):
    """``streamlit run app.py`` on a copy of the demo database in ``tmp_path`` (its path in ``db-path``, the
    server's output in ``streamlit.log``); yields its address, then stops it."""
    from tests.support.demo_file import copy_demo_file

    db = copy_demo_file(demo_db, tmp_path / "demo.sqlite")
    tmp_path.joinpath("db-path").write_text(str(db))
    port = port or free_port()
    env = {**os.environ, "DEBT_STORE": f"sqlite:///{db}", **(env or {})}
    log = open(tmp_path / "streamlit.log", "w")
    try:
        proc, url = start_app(env, log, port, (*SERVER_ARGS, *args))
    except RuntimeError as err:
        log.close()
        pytest.fail(f"{err}: {Path(tmp_path / 'streamlit.log').read_text()[-2000:]}")
    try:
        yield url
    finally:
        stop_process(proc, timeout=20)
        log.close()


def start_app(env: dict, log, port: int, args: tuple = (), seconds: float = 60) -> tuple[subprocess.Popen, str]:
    """``streamlit run app.py`` with ``env`` on 127.0.0.1:``port``, its output to ``log``; returns the process and its
    address once it answers its health check (the tests' servers and the bench's). RuntimeError if it does not."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"), "--server.headless=true",
         f"--server.port={port}", "--server.address=127.0.0.1", "--browser.gatherUsageStats=false", *args],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    else:
        proc.kill()
        proc.wait(timeout=20)
        raise RuntimeError("streamlit did not start")
    if proc.poll() is not None:
        raise RuntimeError("streamlit stopped")
    return proc, url


def stop_process(proc: subprocess.Popen, timeout: float) -> None:
    """Asked to end, then killed if it has not within ``timeout`` seconds."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


def launch(playwright):
    """Debian chromium, headless (Playwright's own browser download is not used)."""
    assert Path(CHROMIUM).exists(), "Debian chromium is required: apt-get install chromium (.ci/run does it)"
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)


def new_page(browser, locale: str = "ru-RU", viewport: dict | None = None):
    """A tab in a browser context of its own — what a person's own browser is to the server: its own
    cookies, storage and permissions. Page errors are collected in ``tab.errors``."""
    context = browser.new_context(viewport=viewport or VIEWPORT, locale=locale)  # a context: tabs can be added
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.errors = errors
    return tab


# ---- what a person does in the page (shared by the end-to-end tests) ----


def wait_for_tables(page, count: int) -> None:
    """Data grids load lazily: wait until each has drawn its canvas, and the page has stopped changing."""
    page.wait_for_function(
        f"document.querySelectorAll('[data-testid=\"stDataFrame\"] canvas').length >= {count}", timeout=30000, polling=100
    )
    settled(page, quiet=500)


# what the page shows, in a few numbers: the main area's size and text, each chart's drawn labels and width, the grids'
# canvases, the sidebar's edge — when none of it has changed for ``quiet`` ms of frames, the page has been drawn
SETTLED = """(quiet) => new Promise((resolve, reject) => {
  const sign = () => {
    const main = document.querySelector("[data-testid='stMain']") || document.body;
    const sidebar = document.querySelector("[data-testid='stSidebar']");
    const charts = [...document.querySelectorAll("[data-testid='stVegaLiteChart']")].map(c => {
      const svg = c.querySelector("svg");
      return svg ? svg.querySelectorAll("text").length + ":" + Math.round(svg.getBoundingClientRect().width) : "-"; });
    return [main.scrollWidth, main.scrollHeight, main.innerText.length, charts.join(","),
            document.querySelectorAll("[data-testid='stDataFrame'] canvas").length,
            sidebar ? Math.round(sidebar.getBoundingClientRect().right) : 0].join("|");
  };
  const start = performance.now();
  let last = sign(), since = start;
  const tick = () => {
    const now = performance.now(), now_sign = sign();
    if (now_sign !== last) { last = now_sign; since = now; }
    if (now - since >= quiet) return resolve(now - start);
    if (now - start > 30000) return reject(new Error("the page kept changing for 30 s: " + now_sign));
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})"""


def settled(page, quiet: int = 300) -> None:
    """Wait until the page has stopped changing for ``quiet`` ms: charts, grids and text reflow are drawn after the
    script's run is over (and after a resize), so «not running» alone does not say the screen is final. This replaces a
    fixed wait of ``quiet`` ms after «not running» and is never shorter than it: a busy browser still drawing gets the
    time it needs (a lazily loaded element that has not begun to draw is not seen here — wait for it by name)."""
    page.evaluate(SETTLED, quiet)


def open_login(page, server: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(server)
    page.get_by_role("heading", name="Вход").wait_for(timeout=30000)


def sign_in(page, login: str, password: str) -> None:
    page.get_by_label("Логин (e-mail)").fill(login)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти", exact=True).click()


@contextlib.contextmanager
def screenshot_on_failure(page, name: str):
    """A test's walk through the pages: when it fails, the whole page as it was goes to test-artifacts/``name``."""
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        yield
    except Exception:
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)
        raise


def sign_in_demo(page, server: str, login: str) -> None:
    """Open the app, sign in as a demo user (password «demo-<name>») and wait until the sidebar offers «Выйти»."""
    page.goto(server)
    page.get_by_role("heading", name="Вход").wait_for(timeout=60000)
    sign_in(page, login, f"demo-{login.split('@')[0]}")
    page.locator("[data-testid='stSidebar']").get_by_text("Выйти").wait_for(state="attached", timeout=60000)


# the session cookies of a demo user signed in once on a server, by (server, login): for ``signed_in_page``
_SIGNED_IN: dict[tuple[str, str], list[dict]] = {}


def signed_in_page(browser, server: str, login: str, locale: str = "ru-RU", viewport: dict | None = None):
    """A tab of a new browser context signed in as a demo user, for a test about what a page shows, not about signing
    in: the first time on this server the user signs in as a person does (``sign_in_demo``), and the context's cookies
    are kept; after that a new context starts with those cookies — a person's browser signed in before, as after F5
    (tests/e2e/test_browser_session.py) — and goes to no page yet (the caller opens its own). Only the cookies are
    carried over, not the page's storage (the sidebar's kept toggle)."""
    cookies = _SIGNED_IN.get((server, login))
    if cookies is None:
        tab = new_page(browser, locale=locale, viewport=viewport)
        sign_in_demo(tab, server, login)
        _SIGNED_IN[(server, login)] = tab.context.cookies()
        return tab
    tab = new_page(browser, locale=locale, viewport=viewport)
    tab.context.add_cookies(cookies)
    return tab


def idle(page) -> None:
    """The script is not running (Streamlit's own e2e tests wait the same way)."""
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(state="attached", timeout=30000)


def idle_and_drawn(page, timeout: int = 30000, quiet: int = 300) -> None:
    """The script is not running and what it sent has been drawn (``settled``)."""
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(state="attached", timeout=timeout)
    settled(page, quiet)


SIDEBAR_KEPT = "() => Object.keys(localStorage).some(k => k.startsWith('stSidebarCollapsed-'))"
SIDEBAR_AS_WANTED = """(narrow) => document.querySelector("[data-testid='stSidebar']").getAttribute("data-collapsed") === String(narrow)"""
SIDEBAR_SETTLED = """(narrow) => { const s = document.querySelector("[data-testid='stSidebar']").getBoundingClientRect();
  const main = document.querySelector("[data-testid='stMain']").getBoundingClientRect();
  return narrow ? s.right <= 1 : Math.abs(main.left - s.right) <= 1; }"""


def at_width(page, width: int, height: int, done: str = SIDEBAR_SETTLED) -> None:
    """The window made ``width`` px wide as a person would: narrow (< 1100 px), the sidebar closed; wide, open; then
    ``done`` (JavaScript taking «narrow») is waited for — by default the sidebar has finished moving.

    Streamlit 1.67 (frontend AppView/Sidebar): on a width change the sidebar takes the person's own choice, kept in
    localStorage «stSidebarCollapsed-…» once the toggle was clicked, else «auto» (closed up to the md breakpoint). With
    a choice kept, a resize never moves it: it is toggled at once (waiting for it to move by itself would wait in vain).
    Without one, Streamlit is given the time to move it itself first (clicking while it moves would undo it). A click
    that lands while the sidebar moves can be undone by the move: tried again, three times at most."""
    from playwright.sync_api import Error

    narrow = width < 1100
    page.set_viewport_size({"width": width, "height": height})
    for _ in range(3):
        if page.evaluate(SIDEBAR_KEPT):
            as_wanted = page.evaluate(SIDEBAR_AS_WANTED, narrow)
        else:
            try:
                page.wait_for_function(SIDEBAR_AS_WANTED, arg=narrow, timeout=3000, polling=100)
                as_wanted = True
            except Error:
                as_wanted = False
        if not as_wanted:
            try:
                if narrow:
                    page.locator("[data-testid='stSidebarHeader']").hover()  # the button shows when the pointer is over the sidebar
                    page.locator("[data-testid='stSidebarCollapseButton'] button").first.click(timeout=5000)
                else:
                    page.locator("[data-testid='stExpandSidebarButton']").first.click(timeout=5000)
            except Error:
                pass  # it moved by itself meanwhile: ``done`` says whether it is where it should be
        try:
            page.wait_for_function(done, arg=narrow, timeout=5000, polling=100)
            return
        except Error:
            continue
    page.wait_for_function(done, arg=narrow, timeout=15000, polling=100)


def rerun_after(page, action, attempts: int = 1) -> None:
    """Do what a person does (an edit, a paste, Tab out of a field, a click) and wait until the rerun it causes has
    started and finished: an edit reaches the server only after a debounce, so «not running» alone proves nothing.

    ``attempts`` > 1 is for a whole gesture a person repeats when the screen did not take it (select a cell, type,
    Enter): on a loaded machine Chromium can deliver the keys before the cell editor or the list has opened, and
    the keys are lost — then nothing reruns. The stored figures are checked at the end, so a repeat hides nothing."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(attempts):
        watch_reruns(page)
        action()
        try:
            # polled every 100 ms, not at every animation frame (Playwright's default): a frame-by-frame poll keeps the
            # tab drawing frames for as long as the rerun lasts; the counter only grows, so no rerun is missed
            page.wait_for_function("window.__reruns > 0", timeout=60000 if attempt == attempts - 1 else 20000, polling=100)
            break
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")  # close whatever half-opened editor or list the lost keys left
    idle(page)


def watch_reruns(page) -> None:
    page.evaluate("""() => {
        const app = document.querySelector("[data-testid='stApp']");
        window.__reruns = 0;
        if (window.__watch) window.__watch.disconnect();
        // count the changes themselves, not the state at callback time: a busy browser may deliver «running»
        // and «notRunning» of a quick rerun in one batch, when the attribute already reads «notRunning» again
        window.__watch = new MutationObserver(records => {
            window.__reruns += records.filter(r => r.oldValue === "running" || app.getAttribute("data-test-script-state") === "running").length;
        });
        window.__watch.observe(app, {attributes: true, attributeOldValue: true, attributeFilter: ["data-test-script-state"]});
    }""")


def grid(page):
    return page.locator("[data-testid='stDataFrame']").filter(visible=True).first


def select_cell(page, row: int, col: int) -> None:
    """Click the first data cell, then walk with the arrow keys as a person does (column widths vary)."""
    # a cell editor still closing can swallow the first click (it only takes the focus back to the grid): click a
    # cell of the second row, then the first (two cells, so no double-click opens an editor)
    grid(page).click(position={"x": 12, "y": 87})
    grid(page).click(position={"x": 12, "y": 52})
    for _ in range(row):
        page.keyboard.press("ArrowDown")
    for _ in range(col):
        page.keyboard.press("ArrowRight")


def type_cell(page, row: int, col: int, text: str) -> None:
    """Select the cell, open its editor (Enter, as in Excel), wait until it shows, type over the content, Enter."""
    def gesture():
        select_cell(page, row, col)
        page.keyboard.press("Enter")
        editor = page.get_by_test_id("portal").locator(".gdg-input")  # glide's cell editor
        editor.wait_for(state="visible", timeout=10000)
        # keys sent to the editor itself: on a loaded machine keys sent to the page could arrive before the editor
        # has focus, and «0» typed over «-5» became «-50» (Ctrl+A lost, the text appended)
        editor.press("Control+a")
        editor.press_sequentially(text, delay=30)
        editor.press("Enter")

    rerun_after(page, gesture, attempts=3)


def paste(page, text: str) -> None:
    """Ctrl+V of what Excel puts on the clipboard: tab-separated cells, a line per row."""
    page.evaluate("t => navigator.clipboard.writeText(t)", text)
    page.keyboard.press("Control+V")


def paste_cells(page, row: int, col: int, rows: list[list[str]]) -> None:
    rerun_after(page, lambda: (select_cell(page, row, col), paste(page, "\n".join("\t".join(r) for r in rows))), attempts=3)


def confirm_and_save(page, button: str) -> None:
    from playwright.sync_api import expect

    boxes = page.get_by_text("Проверил(а)").filter(visible=True)
    if boxes.count():
        # the button is disabled until the server has run with the box ticked: its being enabled is the answer to
        # wait for (a rerun counted in the page was once missed on a loaded machine, though the tick had arrived)
        boxes.first.click()
        expect(page.get_by_role("button", name=button)).to_be_enabled(timeout=60000)
        idle(page)
    note = page.get_by_text("В базе:").filter(visible=True).first
    before = note.inner_text()
    rerun_after(page, page.get_by_role("button", name=button).click)
    # «Сохранено.» is gone with the next rerun (the grid resets to the saved values and reruns at once);
    # the note under the button says what the store holds: wait until it counts this save
    expect(note).not_to_have_text(before, timeout=30000)
    idle(page)


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()  # tabs switch in the browser, without a rerun


def type_text(page, box, text: str) -> None:
    """Type ``text`` into a text field (a locator) and leave it with Tab, as a person does, waiting for the rerun that
    sends it (a field's value reaches the server on leaving it, after a debounce). Type field by field, each once the
    page is idle: a second field typed while the first one's rerun was still drawing was drawn over by it. A field that
    already holds ``text`` is left as it is (nothing to send, no rerun to wait for)."""
    if box.input_value() == text:
        return
    box.fill(text)
    rerun_after(page, lambda: box.press("Tab"))


def field(page, label: str):
    return page.get_by_role("textbox", name=label, exact=True)
