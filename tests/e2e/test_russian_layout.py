"""Issue 27 in Debian Chromium: every page each role opens, at 800 and 1280 px, in a ru-RU and an en-US browser —
checked in code on what the browser drew (tests/support/page_reading.py): no English word of Streamlit's chrome
visible (the uploader's «Upload», «Select all», the calendar's month names, «empty» of an empty table, «None»), no
text cut by its box, no message twice on a page, nothing wider than the window, the sidebar out of the way at 800 px,
and at 800 px the entry grid's editable columns on screen beside the pinned keys.
Screenshots go to test-artifacts/russian/ (small copies for the docs: docs/img/)."""

from __future__ import annotations

import pytest

from tests.support.browser import ARTIFACTS, at_width, idle_and_drawn, settled, signed_in_page
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


def read(page, locale: str, name: str, width: int) -> list[str]:
    idle_and_drawn(page, timeout=60000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{locale}-{name}-{width}.png"))
    return problems(page.evaluate(READ), narrow=width < 1100)


def entry_grid_columns(page) -> dict:
    """At 800 px: the monthly grid's columns on screen — its accessible table names the columns drawn."""
    page.wait_for_function("""() => [...document.querySelectorAll("[data-testid='stDataFrame']")]
                              .some(e => e.getBoundingClientRect().width > 0 && e.querySelector(".dvn-scroller"))""", timeout=30000)
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
                page = signed_in_page(chromium, reading_server, login, locale=locale, viewport={"width": WIDTHS[0], "height": HEIGHT})
                person = login
            page.goto(reading_server + address)
            page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=60000)
            name = (address.strip("/").split("?")[0] or "overview") + ("-" + login.split("@")[0] if "entry" in address else "")
            for tab in [None, *tabs]:
                if tab:
                    page.get_by_role("tab", name=tab).click()  # tabs switch in the browser, without a rerun
                    page.get_by_role("tab", name=tab, selected=True).wait_for(timeout=10000)
                    settled(page)
                where = f"{name}" + (f", «{tab}»" if tab else "")
                for width in WIDTHS:
                    at_width(page, width, HEIGHT)
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
