"""What the browser tests share: ``streamlit run`` on a copy of the demo database, Debian chromium driven by
Playwright, and a fresh browser context (a person's own browser: no cookies, no storage) per test.

Starting the server and the browser is the slow part of a browser test on a small machine, so the fixtures
in tests/conftest.py start one Chromium per pytest process and one server for every test that only reads
the demo district; a test that writes gets a server on its own copy. Fails, never skips, when chromium is
missing: CI installs it (.ci/run).
"""

from __future__ import annotations

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
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-quic", "--no-first-run"]
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
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"), "--server.headless=true",
         f"--server.port={port}", "--server.address=127.0.0.1", "--browser.gatherUsageStats=false", *args],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
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
        pytest.fail(f"streamlit did not start: {Path(tmp_path / 'streamlit.log').read_text()[-2000:]}")
    if proc.poll() is not None:
        pytest.fail(f"streamlit stopped: {Path(tmp_path / 'streamlit.log').read_text()[-2000:]}")
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
        log.close()


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
