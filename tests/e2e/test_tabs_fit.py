"""Issue 27 in Debian Chromium: at 800 px the entry page's tabs are all on screen — none behind the strip's sideways
scroll (Streamlit 1.67 scrolls a tab strip wider than the page and fades its edge: «Поручения комиссии» could not be
seen). The strip wraps onto a second line instead (lib/ui/shell.RUSSIAN_CHROME)."""

from __future__ import annotations

import pytest

from tests.support.browser import ARTIFACTS, idle_and_drawn, signed_in_page

SHOTS = ARTIFACTS / "russian"

# each tab: whole inside the strip and the window, the strip not scrollable, and the tab itself under its own middle
# (not covered by the strip's fade or its scroll arrow)
TABS = """() => {
  const strip = [...document.querySelectorAll("[data-testid='stTabs'] [role='tablist']")].find(e => e.getBoundingClientRect().width > 0);
  const box = strip.getBoundingClientRect();
  return {scrollWidth: strip.scrollWidth, clientWidth: strip.clientWidth, tabs: [...strip.querySelectorAll("[role='tab']")].map(t => {
    const b = t.getBoundingClientRect();
    const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
    return {name: t.innerText.trim(), left: b.left, right: b.right,
            inside: b.left >= box.left - 1 && b.right <= box.right + 1 && b.right <= innerWidth, seen: !!hit && t.contains(hit)};
  })};
}"""


@pytest.mark.timeout(300)
@pytest.mark.parametrize("login, tabs", [
    ("ves@lensk.demo", ["Ежемесячный отчёт", "Структура задолженности", "Претензионная работа", "Исполнение плана",
                        "Excel без интернета", "Поручения комиссии"]),
])
def test_every_entry_tab_is_on_screen_at_800_px(reading_server, chromium, login, tabs):
    page = signed_in_page(chromium, reading_server, login, viewport={"width": 800, "height": 1000})
    try:
        page.goto(reading_server + "/entry?month=2024-12")
        page.get_by_role("tab", name=tabs[0]).wait_for(timeout=60000)
        idle_and_drawn(page, quiet=500)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"tabs-{login.split('@')[0]}-800.png"))
        strip = page.evaluate(TABS)
        assert [t["name"] for t in strip["tabs"]] == tabs
        assert strip["scrollWidth"] <= strip["clientWidth"] + 1, strip
        assert [t["name"] for t in strip["tabs"] if not (t["inside"] and t["seen"])] == [], strip
        assert not page.errors, page.errors
    finally:
        page.context.close()
