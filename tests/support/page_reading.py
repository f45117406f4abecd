"""What a person reads on a page in Chromium, collected from the DOM (issue 27): visible English words, text cut by
its box, repeated messages, the page wider than the window. (An empty table's «empty» is drawn on a canvas, out of
the DOM's reach: tests/test_tables_read_russian.py finds empty tables in-process.)

``READ`` runs in the page and returns a dict; ``problems(read)`` lists what is wrong in Russian-reading terms."""

from __future__ import annotations

import re

# words of Streamlit's own chrome that reached the screen in English (issue 27) and their kin; whole words only
ENGLISH = ["Upload", "Browse files", "per file", "Drag and drop", "Select all", "Clear all", "empty", "None", "nan", "NaN",
           "No results", "No options", "Choose an option", "Select...", "Press Enter", "Ctrl+Enter", "Download as CSV",
           "January", "February", "March", "April", "June", "July", "August", "September", "October", "November", "December",
           "Sunday", "Monday", "Su", "Mo", "Tu", "We", "Th", "Fr", "Sa", "Running", "Stop", "Deploy", "Rerun"]
ENGLISH_WORDS = re.compile(r"(?<![\w.])(" + "|".join(re.escape(w) for w in ENGLISH) + r")(?![\w])")

READ = """() => {
  const visible = e => { const b = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return b.width > 0 && b.height > 0 && s.visibility !== "hidden" && s.opacity !== "0"; };
  const app = document.querySelector("[data-testid='stApp']");
  const out = {width: window.innerWidth, pageWidth: document.documentElement.scrollWidth, cut: [], alerts: [],
               placeholders: [], sidebarRight: 0};
  const sidebar = document.querySelector("[data-testid='stSidebar']");
  out.sidebarRight = sidebar ? sidebar.getBoundingClientRect().right : 0;
  // the text a person sees: the app's visible text (not the charts' SVG: tested by tests/test_browser_layout.py)
  out.text = app.innerText;
  // a placeholder shows while its field is empty
  for (const input of app.querySelectorAll("input[placeholder], textarea[placeholder]"))
    if (visible(input) && !input.value) out.placeholders.push(input.placeholder);
  // text cut by its own box: an ellipsis drawn by CSS, or a line wider than its box that hides the rest
  const blocks = "p, span, label, h1, h2, h3, button, div[data-testid='stMarkdownContainer'], [data-testid='stMetricValue'] div";
  for (const e of app.querySelectorAll(blocks)) {
    if (!visible(e) || e.closest("[data-testid='stVegaLiteChart']") || !e.innerText.trim()) continue;
    const s = getComputedStyle(e);
    const hides = s.overflow === "hidden" || s.overflowX === "hidden" || s.textOverflow === "ellipsis";
    const own = [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join("").trim();
    if ((hides && e.scrollWidth > e.clientWidth + 1) || own.endsWith("…"))
      out.cut.push(e.innerText.trim().slice(0, 80));
  }
  for (const a of app.querySelectorAll("[data-testid='stAlert']")) if (visible(a)) out.alerts.push(a.innerText.trim());
  return out;
}"""


def english(read: dict) -> list[str]:
    texts = [read["text"], *read["placeholders"]]
    return sorted({m for text in texts for m in ENGLISH_WORDS.findall(text)})


def repeated(read: dict) -> list[str]:
    return sorted({a for a in read["alerts"] if read["alerts"].count(a) > 1})


def problems(read: dict, narrow: bool) -> list[str]:
    found = []
    if words := english(read):
        found.append(f"English words: {words}")
    if read["cut"]:
        found.append(f"cut text: {read['cut'][:6]}")
    if twice := repeated(read):
        found.append(f"the same message more than once: {[t[:80] for t in twice]}")
    if read["pageWidth"] > read["width"] + 1:
        found.append(f"the page scrolls sideways: {read['pageWidth']} px in a window of {read['width']} px")
    if narrow and read["sidebarRight"] > 1:
        found.append("the sidebar stays open on a narrow screen")
    return found
