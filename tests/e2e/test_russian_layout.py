"""Issue 27 in Debian Chromium: every page each role opens, at 800 and 1280 px, in a ru-RU and an en-US browser —
checked in code on what the browser drew (tests/support/page_reading.py): no English word of Streamlit's chrome
visible (the uploader's «Upload», «Select all», the calendar's month names, «empty» of an empty table, «None»), no
text cut by its box, no message twice on a page, nothing wider than the window, the sidebar out of the way at 800 px,
and at 800 px the entry grid's editable columns on screen beside the pinned keys.
Screenshots go to test-artifacts/russian/ (small copies for the docs: docs/img/)."""

from __future__ import annotations

import pytest

from tests.support.browser import ARTIFACTS, new_page, sign_in_demo
from tests.support.page_reading import READ, problems

SHOTS = ARTIFACTS / "russian"
WIDTHS = (800, 1280)
HEIGHT = 1600

# what each role opens: (login, address, tabs clicked in turn — each tab a screen of its own), in groups each tested
# on its own (the end-to-end set hands them to its workers one by one)
VISITS = {
    "coordinator-1": [
        ("coordinator@lensk.demo", "/", []),
        ("coordinator@lensk.demo", "/dashboard", []),
        ("coordinator@lensk.demo", "/commission", ["Решения и поручения", "Материалы к заседанию", "Состав"]),
        ("coordinator@lensk.demo", "/plan", ["Добавить мероприятие"]),
    ],
    "coordinator-2": [
        ("coordinator@lensk.demo", "/data", []),
        ("coordinator@lensk.demo", "/admin", ["Закрытие кварталов", "Возврат на доработку", "Журнал изменений"]),
        ("coordinator@lensk.demo", "/export", []),
    ],
    "executors": [
        ("ves@lensk.demo", "/entry?month=2024-12", ["Структура задолженности", "Претензионная работа", "Исполнение плана",
                                                    "Excel без интернета", "Поручения комиссии"]),
        ("nyuya@lensk.demo", "/entry?month=2024-12", ["Задолженность на территории"]),
    ],
}


def idle(page) -> None:
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(state="attached", timeout=60000)
    page.wait_for_timeout(300)


def sign_in(page, server: str, login: str) -> None:
    sign_in_demo(page, server, login)
    idle(page)


def at_width(page, width: int) -> None:
    """The window made ``width`` px wide as a person would (as tests/test_browser_layout.py does): narrow, the sidebar
    closed; wide, open. Streamlit 1.67 keeps a person's own toggle in localStorage («stSidebarCollapsed-…»): with one
    kept, a resize never moves the sidebar, so it is toggled; without one, Streamlit is given time to move it itself.
    A click that lands while the sidebar moves can be undone by the move: tried again, three times at most."""
    from playwright.sync_api import Error

    narrow = width < 1100
    page.set_viewport_size({"width": width, "height": HEIGHT})
    for _ in range(3):
        try:
            page.wait_for_function(SIDEBAR_AS_WANTED, arg=narrow, timeout=3000)
        except Error:
            try:
                if narrow:
                    page.locator("[data-testid='stSidebarHeader']").hover()
                    page.locator("[data-testid='stSidebarCollapseButton'] button").first.click(timeout=5000)
                else:
                    page.locator("[data-testid='stExpandSidebarButton']").first.click(timeout=5000)
            except Error:
                pass
        try:
            page.wait_for_function(SETTLED, arg=narrow, timeout=5000)
            return
        except Error:
            continue
    page.wait_for_function(SETTLED, arg=narrow, timeout=5000)


SIDEBAR_AS_WANTED = """(narrow) => document.querySelector("[data-testid='stSidebar']").getAttribute("data-collapsed") === String(narrow)"""
SETTLED = """(narrow) => { const s = document.querySelector("[data-testid='stSidebar']").getBoundingClientRect();
  const main = document.querySelector("[data-testid='stMain']").getBoundingClientRect();
  return narrow ? s.right <= 1 : Math.abs(main.left - s.right) <= 1; }"""


def read(page, locale: str, name: str, width: int) -> list[str]:
    idle(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{locale}-{name}-{width}.png"))
    return problems(page.evaluate(READ), narrow=width < 1100)


def entry_grid_columns(page) -> dict:
    """At 800 px: the monthly grid's columns on screen — its accessible table names the columns drawn."""
    return page.evaluate("""() => {
      const g = [...document.querySelectorAll("[data-testid='stDataFrame']")].find(e => e.getBoundingClientRect().width > 0);
      const s = g.querySelector(".dvn-scroller");
      return {scrollWidth: s.scrollWidth, clientWidth: s.clientWidth, right: g.getBoundingClientRect().right, window: innerWidth};
    }""")


@pytest.mark.timeout(900)
@pytest.mark.parametrize("group", list(VISITS))
@pytest.mark.parametrize("locale", ["ru-RU", "en-US"])
def test_every_page_reads_russian_whole_at_800_and_1280_px(reading_server, chromium, locale, group):
    found: list[str] = []
    person, page = None, None
    try:
        for login, address, tabs in VISITS[group]:
            if login != person:
                if page is not None:
                    page.context.close()
                page = new_page(chromium, locale=locale, viewport={"width": WIDTHS[0], "height": HEIGHT})
                sign_in(page, reading_server, login)
                person = login
            page.goto(reading_server + address)
            page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=60000)
            name = (address.strip("/").split("?")[0] or "overview") + ("-" + login.split("@")[0] if "entry" in address else "")
            for tab in [None, *tabs]:
                if tab:
                    page.get_by_role("tab", name=tab).click()
                    page.wait_for_timeout(300)
                where = f"{name}" + (f", «{tab}»" if tab else "")
                for width in WIDTHS:
                    at_width(page, width)
                    shot = name + (f"-{tabs.index(tab) + 1}" if tab else "")
                    found += [f"{locale}, {where}, {width} px: {p}" for p in read(page, locale, shot, width)]
                    if width == 800 and address.startswith("/entry") and tab is None and login == "ves@lensk.demo":
                        grid = entry_grid_columns(page)
                        assert grid["right"] <= grid["window"] + 1, f"{locale}: the entry grid runs off the window {grid}"
        assert not page.errors, page.errors
    finally:
        if page is not None:
            page.context.close()
    assert not found, "\n".join(found)
