"""The ministry workbook and the Excel blank as they come out of a printer: converted to PDF by LibreOffice
in a Russian profile (`soffice --headless --convert-to pdf`), every page kept as a PNG in
test-artifacts/print/ to look at, and what can be read from the PDF asserted: A4 landscape, every sheet
fitted to the page width (the last column stands on the page with the first), wrapped text does not
run into the next row, numbers print in Russian format, units only where they apply, names not codes."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from lib.core import fmt
from lib.core.config import PROJECT_ROOT
from lib.domain.settings import read_settings
from lib.files import excel_forms, workbook
from lib.store.sqlite_store import SQLiteStore
from tests.support import libreoffice

pytestmark = pytest.mark.e2e  # LibreOffice prints: the end-to-end set
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "print"


@pytest.fixture(scope="module")
def printed(demo_db, tmp_path_factory):
    """Both files through one LibreOffice run; {name: (pages, words, xlsx bytes)}."""
    snap = SQLiteStore(demo_db).read_all()
    out = tmp_path_factory.mktemp("print")
    files = {"workbook": workbook.build(snap, workbook.parse_period("2024-Q4"), read_settings(snap), dt.date(2025, 1, 20)),
             "blank": excel_forms.build_workbook(snap, "lptes", "2024-12")}
    for name, data in files.items():
        (out / f"{name}.xlsx").write_bytes(data)
    libreoffice.convert([out / f"{n}.xlsx" for n in files], "pdf", out)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    result = {}
    for name, data in files.items():
        pdf = out / f"{name}.pdf"
        assert libreoffice.to_png(pdf, ARTIFACTS / name), f"{name}: no page rendered"
        (ARTIFACTS / f"{name}.pdf").write_bytes(pdf.read_bytes())
        result[name] = (*libreoffice.layout(pdf), data)
    return result


def page_texts(words) -> dict[int, str]:
    texts: dict[int, list[str]] = {}
    for w in words:
        texts.setdefault(w.page, []).append(w.text)
    return {n: " ".join(t) for n, t in texts.items()}


def test_every_page_is_a4_landscape_fitted_to_width_and_nothing_overlaps(printed):
    for name, (pages, words, _) in printed.items():
        assert pages, name
        for p in pages:  # A4 landscape: 842 × 595 pt
            assert (round(p.width), round(p.height)) == (842, 595), f"{name}, page {p.number}: {p.width}×{p.height}"
        texts = page_texts(words)
        # «Страница N из M» on every page, M the real count: nothing was printed outside the pages
        for p in pages:
            assert f"Страница {p.number} из {len(pages)}" in texts.get(p.number, ""), f"{name}, page {p.number}"
        overlaps = libreoffice.overlapping(words)
        assert not overlaps, f"{name}: text printed over text: {[(a.page, a.text, b.text) for a, b in overlaps[:5]]}"
        # fitted to the width: no word beyond the right margin (1,5 cm = 42,5 pt)
        beyond = [w for w in words if w.x1 > pages[w.page - 1].width - 40]
        assert not beyond, f"{name}: beyond the right margin: {[(w.page, w.text) for w in beyond[:5]]}"


def test_the_workbook_prints_each_sheet_whole_with_its_header_on_every_page(printed):
    _, words, data = printed["workbook"]
    texts = page_texts(words)
    # every sheet's last column header stands on the page of its first one (fit to width, not cut off), and
    # the header rows repeat on each following page of a long sheet
    for n, t in texts.items():
        if "№ п/п" in t:
            last = "сделано" if "Мероприятие" in t else "отчётную"  # «Что сделано»; «…на отчётную дату»
            assert last in t, f"page {n}: the last column «{last}» is not on the page of «№ п/п»"
    assert sum("№ п/п" in t for t in texts.values()) >= 4
    plan_pages = [n for n, t in texts.items() if "Исполнение плана мероприятий" in t]
    assert len(plan_pages) == 1
    plan = [n for n in texts if n >= plan_pages[0] and "Участники, не сдавшие" not in texts[n]]
    following = [n for n in plan[1:] if n < next(n for n, t in texts.items() if "Участники, не сдавшие" in t)]
    assert following and all("Мероприятие" in texts[n] and "Исполнитель" in texts[n] for n in following)
    # the unit only where there is money
    assert "тыс. руб." in texts[1] and all("тыс. руб." not in texts[n] for n in [plan_pages[0], *following])
    # figures print in Russian format, each as its column's format says: the «Итого» row of the aging sheet
    # (a percent format on its «Всего» column printed «336502,8» there, and the share as money)
    pages_words = words
    ws = load_workbook(io.BytesIO(data))["Структура по срокам"]
    total = next([c.value for c in row] for row in ws.iter_rows() if row[0].value == "Итого")
    expected = " ".join(fmt.number(v, 1).replace("\u00a0", " ") for v in total[1:])
    aging = next(n for n, t in texts.items() if "Просроченная задолженность по срокам" in t)
    on_page = [w for w in pages_words if w.page == aging]
    y = next(w.y0 for w in on_page if w.text == "Итого")
    line = " ".join(w.text for w in sorted(on_page, key=lambda w: w.x0) if abs(w.y0 - y) < 2)
    assert line == f"Итого {expected}", line


def test_the_blank_prints_one_landscape_page_per_form_with_names_not_codes(printed):
    pages, words, _ = printed["blank"]
    texts = page_texts(words)
    assert len(pages) == 3, f"the blank prints on {len(pages)} pages (it was 10 portrait pages)"
    assert "Ежемесячный отчёт" in texts[1] and "Структура просроченной" in texts[2] and "Претензионно-исковая" in texts[3]
    everything = " ".join(texts.values())
    for code in ("debtors_over_threshold", "court_applications", "lensk", "population"):
        assert code not in everything, f"the code «{code}» is printed"
    assert "Должников свыше порога, шт." in texts[3] and "население" in texts[1]
    assert re.search(r"\d{1,3} \d{3},\d{3}", texts[1]), texts[1][:300]  # the debt at start, to the ruble
