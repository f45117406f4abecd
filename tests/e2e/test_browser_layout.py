"""«Свод» (as it opens and with three sets of filters), «Ввод данных» and «Комиссия» in Debian Chromium at
1280 and 800 px, checked on what the browser drew — the DOM and the charts' SVG text, not pixels: no label
cut to «…», no axis labels over each other, the resource chart one bar to a row, every funnel stage named
and counted, tiles that show their whole figure, nothing wider than the window, the sidebar out of the way
at 800 px, the entry grid's last columns reachable. One server, one browser page, every step in turn
(browser tests are the slow part of the suite). Screenshots go to test-artifacts/layout/."""

from __future__ import annotations

import itertools
import re

import pytest

from tests.support.browser import ARTIFACTS, at_width, idle_and_drawn, open_login, rerun_after, sign_in

# the fixtures are tests/conftest.py's: «reading_server» (streamlit on a copy of the demo, shared by the tests that
# only read) and «page» (a ru-RU tab of Debian chromium in a context of its own)

SHOTS = ARTIFACTS / "layout"
MONTH_LABEL = re.compile(r"[а-я]{3} \d\d")  # «янв 24»: the x axis of a chart by month
WIDTHS = (1280, 800)
TALL = 2600  # one tall window: the main area scrolls inside itself, and a full-page shot would show one screen
FUNNEL = ["Должники свыше порога (на конец периода)", "Уведомления", "Заявления в суд", "Решения (приказы)", "ИД направлены приставам"]

# what the browser drew, read in the page: every visible chart, tile and text block of the main area
LAYOUT = """() => {
  const main = document.querySelector("[data-testid='stMain']");
  const box = e => e.getBoundingClientRect();
  // drawn and not hidden: Vega hides a label that would overlap another by giving it opacity 0
  const visible = e => { const b = box(e); return b.width > 0 && b.height > 0 && e.getAttribute("opacity") !== "0"
                         && getComputedStyle(e).opacity !== "0"; };
  // a text's own box as drawn, rotated labels too: its four corners on the screen
  const corners = t => { const b = t.getBBox(), m = t.getScreenCTM();
    return [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]].map(([x, y]) => {
      const p = new DOMPoint(x, y).matrixTransform(m); return [p.x, p.y]; }); };
  // two convex quadrilaterals overlap unless one of their edges separates them (more than 1 px in)
  const overlap = (a, b) => { for (const q of [a, b]) for (let i = 0; i < 4; i++) {
      const [x1, y1] = q[i], [x2, y2] = q[(i + 1) % 4], n = [y1 - y2, x2 - x1], len = Math.hypot(...n) || 1;
      const proj = pts => pts.map(([x, y]) => (x * n[0] + y * n[1]) / len);
      const pa = proj(a), pb = proj(b);
      if (Math.min(Math.max(...pa), Math.max(...pb)) - Math.max(Math.min(...pa), Math.min(...pb)) <= 1) return false; }
    return true; };
  const out = {width: window.innerWidth, pageWidth: document.documentElement.scrollWidth,
               mainWidth: main.scrollWidth, mainClient: main.clientWidth, charts: [], tiles: [], cut: []};
  const sidebar = document.querySelector("[data-testid='stSidebar']");
  out.sidebarRight = sidebar ? box(sidebar).right : 0;
  for (const chart of main.querySelectorAll("[data-testid='stVegaLiteChart']")) {
    if (!visible(chart)) continue;
    const svg = chart.querySelector("svg");
    const texts = svg ? [...svg.querySelectorAll("text")].map(t => t.textContent.trim()).filter(Boolean) : [];
    const labels = g => [...chart.querySelectorAll(`g.${g} text`)].filter(t => t.textContent.trim() && visible(t));
    const axisOverlaps = [];
    for (const axis of chart.querySelectorAll("g.role-axis")) {
      const ls = [...axis.querySelectorAll("g.role-axis-label text")].filter(t => t.textContent.trim() && visible(t));
      for (let i = 0; i < ls.length; i++) for (let j = i + 1; j < ls.length; j++)
        if (overlap(corners(ls[i]), corners(ls[j]))) axisOverlaps.push([ls[i].textContent, ls[j].textContent]);
    }
    const bars = [...chart.querySelectorAll("g.mark-rect.role-mark path")].filter(visible).map(b => {
      const r = box(b); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height}; });
    // the plot's own height: the span of the grid lines (the whole chart is not squeezed into its height)
    const grids = [...chart.querySelectorAll("g.role-axis-grid")].map(g => box(g).height);
    out.charts.push({svg: !!svg, texts, axisOverlaps, bars, plotHeight: Math.max(0, ...grids),
                     yLabels: [...chart.querySelectorAll("g.role-axis-label text")].filter(t => t.textContent.trim() && visible(t)
                              && t.closest("g.role-axis") && t.closest("g.role-axis").querySelector("g.role-axis-label"))
                              .map(t => t.textContent.trim()),
                     valueTexts: labels("mark-text.role-mark").map(t => t.textContent.trim()),
                     overflow: svg ? box(svg).right - box(chart).right : 0,
                     beyondWindow: box(chart).right - window.innerWidth});
  }
  for (const metric of main.querySelectorAll("[data-testid='stMetric']")) {
    if (!visible(metric)) continue;
    const value = metric.querySelector("[data-testid='stMetricValue']");
    const label = metric.querySelector("[data-testid='stMetricLabel']");
    const inner = value.querySelector("div") || value;
    out.tiles.push({label: label ? label.innerText.trim() : "", value: value.innerText.trim(),
                    valueCut: inner.scrollWidth - inner.clientWidth, labelCut: label ? label.scrollWidth - label.clientWidth : 0,
                    outside: box(value).right - box(metric).right, beyondWindow: box(metric).right - window.innerWidth});
  }
  // any visible text that ends in an ellipsis, or a block cut by its own width
  for (const e of main.querySelectorAll("p, span, div[data-testid='stMarkdownContainer'], label, h1, h2, h3, button")) {
    if (!visible(e) || e.closest("[data-testid='stVegaLiteChart']")) continue;
    const own = [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join("").trim();
    const style = getComputedStyle(e);
    if (own.endsWith("…") || (style.textOverflow === "ellipsis" && style.overflow === "hidden" && e.scrollWidth > e.clientWidth + 1))
      out.cut.push(e.innerText.slice(0, 80));
  }
  out.grids = [...main.querySelectorAll("[data-testid='stDataFrameResizable']")].filter(visible).map(g => {
    const s = g.querySelector(".dvn-scroller"), r = box(g);
    return {right: r.right, scrollWidth: s ? s.scrollWidth : 0, clientWidth: s ? s.clientWidth : 0};
  });
  return out;
}"""

# every chart on the page has drawn its SVG (Vega draws after the element appears)
CHARTS_DRAWN = """(least) => { const charts = document.querySelectorAll("[data-testid='stVegaLiteChart']");
  return charts.length >= least && [...charts].every(c => c.querySelector("svg text")); }"""


def charts_with(layout: dict, words: str) -> list[dict]:
    return [c for c in layout["charts"] if any(words in t for t in c["texts"])]


def check_page(page, where: str, name: str) -> dict:
    """The checks that hold on every page at every width; the screenshot first, to look at when one fails."""
    idle_and_drawn(page, quiet=400)  # Vega draws after the script is done
    shot(page, name)
    got = page.evaluate(LAYOUT)
    assert got["pageWidth"] <= got["width"] + 1 and got["mainWidth"] <= got["mainClient"] + 1, f"{where}: wider than the window"
    if got["width"] < 1100:
        assert got["sidebarRight"] <= 1, f"{where}: the sidebar stays open at {got['width']} px"
    assert not got["cut"], f"{where}: cut text {got['cut'][:5]}"
    for chart in got["charts"]:
        title = chart["texts"][-2:] if chart["texts"] else "?"
        assert chart["svg"], f"{where}: a chart drawn on canvas, its text cannot be read"
        assert not [t for t in chart["texts"] if "…" in t], f"{where}, {title}: cut labels {[t for t in chart['texts'] if '…' in t]}"
        assert not chart["axisOverlaps"], f"{where}, {title}: labels over each other {chart['axisOverlaps'][:3]}"
        assert chart["overflow"] <= 1 and chart["beyondWindow"] <= 1, f"{where}, {title}: the chart is cut on the right"
        if any(MONTH_LABEL.fullmatch(t) for t in chart["texts"]):  # a chart by month: a plot of its own height (260 px)
            assert chart["plotHeight"] >= 200, f"{where}, {title}: the plot is squeezed to {chart['plotHeight']:.0f} px"
    for tile in got["tiles"]:
        assert tile["valueCut"] <= 1 and tile["labelCut"] <= 1 and tile["outside"] <= 1 and tile["beyondWindow"] <= 1, \
            f"{where}: tile «{tile['label']}» shows «{tile['value']}» cut: {tile}"
    for grid in got["grids"]:
        assert grid["right"] <= got["width"] + 1, f"{where}: a table runs off the window"
    return got


def check_resource_chart(got: dict, where: str, only: str | None = None) -> None:
    """One bar per resource, each on its own row (they had collapsed onto one line, labels over each other);
    with one resource chosen, its one bar."""
    chart = charts_with(got, "Просроченная задолженность по ресурсам")
    assert len(chart) == 1, f"{where}: resource chart {len(chart)}"
    bars = sorted(chart[0]["bars"], key=lambda b: b["top"])
    if only:
        assert len(bars) == 1 and only in chart[0]["texts"], f"{where}: {len(bars)} bars, {chart[0]['texts']}"
    else:
        assert len(bars) >= 2, f"{where}: {len(bars)} bars"
    for upper, lower in itertools.pairwise(bars):
        assert lower["top"] >= upper["bottom"] - 0.5, f"{where}: resource bars on one row {upper} {lower}"
    assert all(b["height"] >= 8 for b in bars), f"{where}: bars too thin to see"


def check_funnel(got: dict, where: str) -> None:
    """Every stage named and counted, every bar visible on the log scale."""
    chart = charts_with(got, "Претензионно-исковая работа")
    assert len(chart) == 1, f"{where}: funnel {len(chart)}"
    texts = chart[0]["texts"]
    assert all(stage in texts for stage in FUNNEL), f"{where}: funnel stages {texts}"
    assert len(chart[0]["valueTexts"]) == len(FUNNEL) and all(v.replace("\u00a0", "").replace(" ", "").isdigit()
                                                              for v in chart[0]["valueTexts"]), chart[0]["valueTexts"]
    assert len(chart[0]["bars"]) == len(FUNNEL) and all(b["width"] >= 4 for b in chart[0]["bars"]), chart[0]["bars"]


def choose(page, label: str, option: str) -> None:
    """A selectbox or multiselect as a person uses it: click, type, Enter."""
    rerun_after(page, lambda: (page.locator("[data-testid='stSelectbox'], [data-testid='stMultiSelect']").filter(has_text=label)
                               .first.click(), page.keyboard.type(option), page.keyboard.press("Enter")), attempts=3)
    page.keyboard.press("Escape")


def open_dashboard(page, server: str) -> None:
    page.goto(f"{server}/dashboard")
    page.get_by_text("Показатели за декабрь 2024").wait_for(timeout=60000)
    page.wait_for_function(CHARTS_DRAWN, arg=6, timeout=60000)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.fixture
def narrow_page(page):
    page.set_viewport_size({"width": WIDTHS[-1], "height": TALL})
    return page


# the sidebar has finished moving and every chart has been drawn again for its new width
RESIZED = """(narrow) => { const s = document.querySelector("[data-testid='stSidebar']");
  const main = document.querySelector("[data-testid='stMain']").getBoundingClientRect();
  const settled = narrow ? s.getBoundingClientRect().right <= 1 : Math.abs(main.left - s.getBoundingClientRect().right) <= 1;
  return settled && [...document.querySelectorAll("[data-testid='stVegaLiteChart']")].every(c => {
    const svg = c.querySelector("svg"); return !svg || Math.abs(svg.getBoundingClientRect().width - c.getBoundingClientRect().width) <= 2; }); }"""


def both_widths(page, where: str, name: str, then=None) -> None:
    """The checks at 800 px and at 1280 px, and ``then`` on what each width drew; back to 800 px after."""
    for width in (WIDTHS[-1], WIDTHS[0]):
        at_width(page, width, TALL, done=RESIZED)
        got = check_page(page, f"{where}, {width} px", f"{name}-{width}")
        if then:
            then(got, f"{where}, {width} px")
    at_width(page, WIDTHS[-1], TALL, done=RESIZED)


@pytest.mark.timeout(600)  # ≈1.5 min on a quiet machine, 3.7 min measured at load 19 on a shared one
def test_dashboard_entry_and_commission_read_whole_at_1280_and_800_px(reading_server, narrow_page):
    page, server = narrow_page, reading_server
    open_login(page, server)
    sign_in(page, "coordinator@lensk.demo", "demo-coordinator")
    page.get_by_text("Беляев И.А.").first.wait_for(timeout=30000)

    open_dashboard(page, server)  # loaded at 800 px: the sidebar is closed by itself
    page.wait_for_function("document.querySelector(\"[data-testid='stSidebar']\").getBoundingClientRect().right <= 1", timeout=10000)

    def dashboard(got: dict, where: str) -> None:
        assert len(got["tiles"]) == 8 and len(got["charts"]) >= 6, (where, len(got["tiles"]), len(got["charts"]))
        check_resource_chart(got, where)
        check_funnel(got, where)

    both_widths(page, "Свод", "dashboard", dashboard)

    # 1) one organisation in detail
    choose(page, "Подробно по организации", "ЛПТЭС")
    both_widths(page, "Свод, ЛПТЭС", "dashboard-lptes", lambda got, where: (check_resource_chart(got, where), check_funnel(got, where)))
    open_dashboard(page, server)  # a new session: no filters

    # 2) one settlement and one consumer group (claims work is not split by settlement: it says so, no funnel)
    page.get_by_text("Фильтры").first.click()
    choose(page, "Поселения", "Город Ленск")
    choose(page, "Группа потребителей", "население")
    page.get_by_text("работа сдаётся по организации в целом", exact=False).first.wait_for(timeout=10000)

    def settlement(got: dict, where: str) -> None:
        check_resource_chart(got, where)
        assert not charts_with(got, "Претензионно-исковая работа"), where

    both_widths(page, "Свод, Ленск, население", "dashboard-lensk-population", settlement)

    # 3) one resource on top (the monthly report is not split by resource: the debt charts say so)
    choose(page, "Ресурс", "отопление")
    both_widths(page, "Свод, Ленск, население, отопление", "dashboard-lensk-population-heating",
                lambda got, where: check_resource_chart(got, where, only="отопление"))

    page.goto(f"{server}/entry")
    page.get_by_text("Статус месяца").first.wait_for(timeout=60000)
    page.wait_for_function("document.querySelectorAll(\"[data-testid='stDataFrameResizable'] canvas\").length >= 2", timeout=60000)

    def entry_grid(got: dict, where: str) -> None:
        grid = got["grids"][0]
        if grid["scrollWidth"] > grid["clientWidth"] + 1:  # not all columns fit: the grid scrolls to the last one
            left = page.evaluate("""() => { const s = document.querySelector("[data-testid='stDataFrameResizable'] .dvn-scroller");
                                             s.scrollLeft = s.scrollWidth; const gap = s.scrollLeft + s.clientWidth - s.scrollWidth;
                                             s.scrollLeft = 0; return gap; }""")
            assert abs(left) <= 1, f"{where}: the last columns cannot be reached"

    both_widths(page, "Ввод данных", "entry", entry_grid)

    page.goto(f"{server}/commission")
    page.get_by_role("heading", name="Комиссия").wait_for(timeout=60000)
    page.wait_for_function("document.querySelectorAll(\"[data-testid='stDataFrameResizable'] canvas\").length >= 1", timeout=60000)
    both_widths(page, "Комиссия", "commission")
    for tab in ("Решения и поручения", "Материалы к заседанию"):
        page.get_by_role("tab", name=tab).click()
        both_widths(page, f"Комиссия, {tab}", f"commission-{tab.split()[0].lower()}")
    assert not page.errors, page.errors
