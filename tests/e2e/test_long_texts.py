"""Issue 27 in Debian Chromium, at 1280 and 800 px: a long text in a read-only table — a plan measure, a commission
decision — can be read whole. Streamlit's grid draws each cell as one line on a canvas and cuts the rest at any width;
a row the person chooses (its circle on the left) is shown under the table with every column in full
(lib/ui/shell.table, ``whole=``)."""

from __future__ import annotations

import datetime as dt

import pytest

from lib.domain import proceedings
from lib.domain.plan_views import plan_table
from lib.store.sqlite_store import SQLiteStore
from tests.support.browser import ARTIFACTS, idle, signed_in_page, wait_for_tables

SHOTS = ARTIFACTS / "russian"
ROW, HEADER = 35, 35  # Streamlit's grid: px per row and for the header
SEEN = 8  # rows the grid shows without scrolling

# where the text is on the page: every element whose own text holds it, with whether it is drawn whole
FIND = """(text) => {
  const found = [];
  for (const e of document.querySelectorAll("[data-testid='stMain'] p, [data-testid='stMain'] li")) {
    if (!e.innerText.includes(text)) continue;
    const b = e.getBoundingClientRect(); const s = getComputedStyle(e);
    found.push({visible: b.width > 0 && b.height > 0 && s.visibility !== "hidden", cut: e.scrollWidth > e.clientWidth + 1,
                right: b.right, window: innerWidth, page: document.documentElement.scrollWidth});
  }
  return found;
}"""


def choose_row(page, grid, row: int) -> None:
    """A click on the row's circle, the grid's first column, as a person chooses a row."""
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + HEADER + row * ROW + ROW / 2)


def longest(texts: list[str]) -> int:
    """The row, among those on screen, whose text is the longest."""
    shown = texts[:SEEN]
    return shown.index(max(shown, key=len))


@pytest.mark.timeout(600)
@pytest.mark.parametrize("width", [1280, 800])
def test_a_long_measure_and_decision_read_whole(reading_server, demo_db, chromium, width):
    snap = SQLiteStore(demo_db).read_all()
    plan = snap.current("plan")
    plan = plan[(plan.plan_id == sorted(plan.plan_id.dropna().unique())[-1]) & (plan.retired.fillna(False) == False)]  # noqa: E712
    measures = plan_table(plan)["Мероприятие"].tolist()
    decisions = proceedings.decisions(snap, dt.date.today()).text.tolist()[::-1]  # as the page lists them: the latest first
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = signed_in_page(chromium, reading_server, "coordinator@lensk.demo", viewport={"width": width, "height": 1200})
    try:
        for address, tab, texts, name in [("/plan", None, measures, "plan"),
                                          ("/commission", "Решения и поручения", decisions, "decisions")]:
            page.goto(reading_server + address)
            page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=60000)
            idle(page)
            if tab:
                page.get_by_role("tab", name=tab).click()
            grid = page.locator("[data-testid='stDataFrame']").filter(visible=True).first
            grid.scroll_into_view_if_needed()
            wait_for_tables(page, 1)
            row = longest(texts)
            text = texts[row]
            assert len(text) > 80, text  # a text no grid column shows on one line
            assert not [f for f in page.evaluate(FIND, text) if f["visible"]], f"{name}: the whole text shown before a row is chosen"
            page.get_by_text("нажмите на строку слева").first.wait_for(timeout=10000)
            choose_row(page, grid, row)
            page.wait_for_function("(t) => [...document.querySelectorAll(\"[data-testid='stMain'] p\")].some(p => p.innerText.includes(t))",
                                   arg=text, timeout=30000)
            idle(page)
            page.screenshot(path=str(SHOTS / f"whole-row-{name}-{width}.png"))
            found = [f for f in page.evaluate(FIND, text) if f["visible"]]
            assert found, f"{name}: the chosen row's text is not on the page"
            assert all(not f["cut"] and f["right"] <= f["window"] + 1 for f in found), (name, found)
            assert found[0]["page"] <= width + 1, (name, found)
        assert not page.errors, page.errors
    finally:
        page.context.close()
