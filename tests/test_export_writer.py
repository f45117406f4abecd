"""The quarterly workbook's writer and its grouping pass (issue 16 item 3): the settlement lines of one
grouping pass equal the per-settlement arithmetic to the last bit, and the xlsxwriter workbook equals,
cell by cell and attribute by attribute, the one the former openpyxl writer made of the same figures."""

from __future__ import annotations

import datetime as dt
import io
import math
import re

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.styles import Font

from lib.domain import estimates, metrics
from lib.domain.summary import Filters, select
from lib.files import workbook
from tests.support.apptest import open_page

TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def demo(demo_db):
    from lib.store.sqlite_store import SQLiteStore

    return SQLiteStore(demo_db).read_all()


def same(a, b) -> bool:
    """Equal to the last bit; «none» and NaN both mean an empty cell and are told apart."""
    if a is None or b is None:
        return a is b
    return (math.isnan(a) and math.isnan(b)) if isinstance(a, float) and a != a else a == b


def test_settlement_lines_on_a_literal_table():
    months = ["2024-01", "2024-02", "2024-03"]
    nan = float("nan")
    by = pd.DataFrame({"settlement_id": ["a", "a", "a", "b"], "month": [*months, "2024-02"],
                       "debt_start": [100.0, 105.0, 110.0, 40.0], "accrued": [10.0, 20.0, 30.0, nan],
                       "paid": [5.0, 15.0, 40.0, 7.0], "recovered_enforcement": [1.0, 2.0, 3.0, nan],
                       "overdue": [48.0, 49.0, 50.0, 30.0], "debt_end": [105.0, 110.0, 70.0, 33.0]})
    lines = workbook.settlement_lines(by, months)
    assert list(lines) == ["a", "b"]
    assert lines["a"] == [100.0, 60.0, 60.0, 100.0, 6.0, 50.0, 70.0]
    # «b» reported February only, with nothing accrued: no start or end figures, flows summed as given
    start, accrued, paid, pct, recovered, overdue, closing = lines["b"]
    assert (start, accrued, paid, recovered, overdue, closing) == (None, 0.0, 7.0, 0.0, None, None) and math.isnan(pct)
    for k, group in by.groupby("settlement_id", sort=False):
        assert all(same(a, b) for a, b in zip(workbook._settlement_line("x", group, months)[1:], lines[k]))


@pytest.mark.parametrize("scope", [["2024-01", "2024-02", "2024-03"], [f"2024-{m:02d}" for m in range(1, 13)]],
                         ids=["quarter", "year"])
def test_settlement_lines_equal_the_per_settlement_arithmetic_to_the_bit(demo, scope):
    monthly = select(demo, Filters(scope[0], scope[-1]), lines=estimates.lines(demo)).monthly
    by = metrics.totals_by(monthly, ["settlement_id"])
    lines = workbook.settlement_lines(by, scope)
    old = {k: workbook._settlement_line("x", group, scope)[1:] for k, group in by.groupby("settlement_id", sort=False)}
    assert list(lines) == list(old) and len(old) > 1
    assert all(same(a, b) for k in old for a, b in zip(old[k], lines[k], strict=True)), (old, lines)


def rgb(color) -> str | None:
    """A colour as its RGB: the file's alpha byte («00…» from openpyxl, «FF…» from xlsxwriter) is not
    used by Excel or LibreOffice for cell colours."""
    if color is None:
        return None
    return color.rgb[-6:] if color.type == "rgb" else f"{color.type}:{color.value}"


def side_of(side) -> tuple:
    return (None, None) if side is None else (side.style, rgb(side.color) if side.style else None)


def describe_cell(c) -> dict:
    f, a, b = c.font, c.alignment, c.border
    # the type of an empty cell says nothing (openpyxl writes «inlineStr» for an empty text, xlsxwriter a blank)
    return {"value": c.value, "type": None if c.value is None else c.data_type, "number_format": c.number_format, "quote_prefix": c.quotePrefix,
            "font": (f.name, f.size, f.bold, f.italic, f.underline, f.strike, f.vertAlign, f.family, rgb(f.color)),
            "alignment": (a.horizontal, a.vertical, a.wrap_text, a.shrink_to_fit, a.indent, a.textRotation),
            "border": tuple(side_of(getattr(b, side)) for side in ("left", "right", "top", "bottom")),
            "fill": (c.fill.patternType, rgb(c.fill.fgColor)), "protection": (c.protection.locked, c.protection.hidden)}


def describe_sheet(ws) -> dict:
    """Everything of a sheet that a person sees or prints, but its cells."""
    setup, m = ws.page_setup, ws.page_margins
    return {"dimensions": ws.dimensions, "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            # one <col> may span equal columns (xlsxwriter joins them): the width of each column
            "widths": {j: d.width for d in ws.column_dimensions.values() if d.customWidth for j in range(d.min, d.max + 1)},
            "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height is not None},
            "freeze": ws.freeze_panes, "titles": (ws.print_title_rows, ws.print_title_cols), "area": ws.print_area,
            # a fitToWidth left out of the file is 1 (ECMA-376 §18.3.1.63, the default xlsxwriter leaves out)
            "setup": (setup.orientation, setup.paperSize, 1 if setup.fitToWidth is None else setup.fitToWidth, setup.fitToHeight,
                      ws.sheet_properties.pageSetUpPr.fitToPage),
            "margins": (m.left, m.right, m.top, m.bottom, m.header, m.footer),
            "footer": [(part.text, part.size, part.font, part.color) for hf in (ws.oddHeader, ws.oddFooter, ws.evenHeader, ws.evenFooter)
                       for part in (hf.left, hf.center, hf.right)],
            "names": sorted(ws.defined_names), "gridlines": ws.sheet_view.showGridLines}


def assert_same_workbook(old: bytes, new: bytes) -> int:
    """Cell by cell and attribute by attribute; returns the number of cells compared."""
    a, b = load_workbook(io.BytesIO(old)), load_workbook(io.BytesIO(new))
    assert a.sheetnames == b.sheetnames
    assert sorted(a.defined_names) == sorted(b.defined_names)
    cells = 0
    for wa, wb in zip(a.worksheets, b.worksheets, strict=True):
        assert describe_sheet(wa) == describe_sheet(wb), wa.title
        merged_away = {(r, c) for rng in wa.merged_cells.ranges for (r, c) in rng.cells} - {
            (rng.min_row, rng.min_col) for rng in wa.merged_cells.ranges}
        for where in sorted(set(wa._cells) | set(wb._cells)):
            if where in merged_away:  # covered by the merge: openpyxl reads no format for them, whatever the file says
                continue
            old_cell, new_cell = describe_cell(wa.cell(*where)), describe_cell(wb.cell(*where))
            assert old_cell == new_cell, (wa.title, wa.cell(*where).coordinate, old_cell, new_cell)
            value = old_cell["value"]
            assert type(value) is type(new_cell["value"]) and (not isinstance(value, float) or value.hex() == new_cell["value"].hex())
            cells += 1
    return cells


@pytest.fixture(scope="module")
def written(demo_db, tmp_path_factory):
    """The demo with what people type that a file must keep: formula-like, long and multi-line text."""
    from lib.auth.access import User, write
    from tests.support.entry import copy_demo

    store = copy_demo(demo_db, tmp_path_factory.mktemp("written"))
    long = "Проведена претензионная работа с должниками; направлены уведомления, " * 6
    write(store, User("lptes@lensk.demo", "ЛПТЭС", "executor", "lptes"),
          {"plan_progress": [{"measure_id": "2023/2024-3", "participant_id": "lptes", "period": "2024-Q4", "status": "done",
                              "done_text": '=HYPERLINK("http://evil","x")'},
                             {"measure_id": "2023/2024-4", "participant_id": "lptes", "period": "2024-Q4", "status": "done",
                              "done_text": "@SUM(A1)"},
                             {"measure_id": "2023/2024-5", "participant_id": "lptes", "period": "2024-Q4", "status": "done",
                              "done_text": f"-5 должников\n+3 соглашения\n\t{long}"}]})
    return store.read_all()


@pytest.mark.parametrize("period", [("2024-Q1", None, False), ("2024-Q4", None, False), ("2024-Q3", None, True), (None, 2024, False),
                                    ("2026-Q1", None, False)], ids=["q1", "q4", "q3-cumulative", "year", "empty"])
def test_the_xlsxwriter_workbook_equals_the_openpyxl_one(written, period):
    from lib.domain.settings import read_settings
    from tests.support.openpyxl_export import OpenpyxlBook

    chosen = workbook.parse_period(*period)
    old = workbook.build(written, chosen, read_settings(written), TODAY, book=OpenpyxlBook)
    new = workbook.build(written, chosen, read_settings(written), TODAY)
    cells = assert_same_workbook(old, new)
    assert cells > 100


def test_the_comparison_sees_a_difference(written):
    """The check above is not blind: a changed figure, a lost bold, a moved width each fail it."""
    from lib.domain.settings import read_settings

    chosen = workbook.parse_period("2024-Q1")
    new = workbook.build(written, chosen, read_settings(written), TODAY)
    for change in (lambda ws: setattr(ws["C9"], "value", (ws["C9"].value or 0) + 1e-9),
                   lambda ws: setattr(ws["A1"], "font", Font(name="Arial", size=12)),
                   lambda ws: setattr(ws.column_dimensions["B"], "width", 25),
                   lambda ws: setattr(ws, "freeze_panes", "A6")):
        wb = load_workbook(io.BytesIO(new))
        change(wb["Сводная форма"])
        out = io.BytesIO()
        wb.save(out)
        with pytest.raises(AssertionError):
            assert_same_workbook(new, out.getvalue())


@pytest.mark.e2e  # LibreOffice or processes of its own: the end-to-end set
def test_libreoffice_opens_the_xlsxwriter_workbook_and_prints_every_sheet(written, tmp_path):
    from lib.domain.settings import read_settings
    from tests.support.libreoffice import convert_workbook as convert

    data = workbook.build(written, workbook.parse_period("2024-Q4"), read_settings(written), TODAY)
    pdf = convert(data, tmp_path, "pdf")[0].read_bytes()
    # every one of the eight sheets prints on a page of its own at least
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) >= 8


def test_wrapped_lines_counts_as_textwrap_does():
    """The short cut for a part that fits on a line gives textwrap's own count (tabs, lone whitespace, «\\r»)."""
    import random
    import textwrap

    from lib.files.xlsx_tables import CHARS_PER_UNIT, wrapped_lines

    def by_textwrap(text, width):
        per_line = max(1, math.floor(width * CHARS_PER_UNIT) - 1)
        return sum(max(1, len(textwrap.wrap(part, per_line, break_long_words=True))) for part in text.split("\n"))

    rng = random.Random(16)
    for _ in range(20_000):
        text = "".join(rng.choice("ab вг\t\n\r\x0b  -") for _ in range(rng.randint(1, 40)))
        width = rng.randint(1, 30)
        assert wrapped_lines(text, width) == by_textwrap(text, width), (text, width)


def test_a_text_longer_than_an_excel_cell_is_refused_not_cut():
    """Excel keeps 32 767 characters in a cell and xlsxwriter would cut the rest: the export says so instead."""
    book = workbook.Book()
    sheet = book.sheet("Исполнение плана", "Исполнение плана мероприятий", "Ленский район", workbook.parse_period("2024-Q1"),
                       [8, 60], ["№ п/п", "Что сделано"], unit=None)
    sheet.line([1, "я" * 32_767])  # the longest that fits is written whole
    with pytest.raises(ValueError, match="Лист «Исполнение плана», ячейка B7: текст длиннее 32\u00a0767 знаков"):
        sheet.line([2, "я" * 32_768])
    wb = load_workbook(io.BytesIO(book.bytes()))
    assert len(wb["Исполнение плана"]["B6"].value) == 32_767


def test_every_kind_of_cell_is_written_as_the_openpyxl_writer_wrote_it():
    """Text a spreadsheet would run (= + - @ TAB CR first), empty text, NaN, NaT, a date, an int and a float,
    a bold total, a footnote across the table and the signature: one sheet through each writer."""
    from tests.support.openpyxl_export import OpenpyxlBook

    def one(book) -> bytes:
        sheet = book.sheet("Проба", "Заголовок", "Ленский район", workbook.parse_period("2024-Q1"), [20, 12, 14, 10],
                           ["Текст", "Число", "Дата", "Доля"], numbered=True)
        for text in ("=1+1", "+7 914", "-5", "@SUM(A1)", "\tтаб", "\rвозврат", "обычный текст", "", "длинный " * 12):
            sheet.line([text, 1234.5678, dt.date(2024, 4, 5), 12.5], formats={4: workbook.PERCENT})
        sheet.line([None, float("nan"), pd.NaT, 7], formats={4: workbook.COUNT})
        sheet.line(["Итого", 2469.1356, None, 25.0], bold=True, formats={4: workbook.PERCENT})
        sheet.note("=не формула, а сноска во всю ширину таблицы")
        sheet.empty()
        sheet.finish("Начальник управления", "И.А. Беляев")
        return book.bytes()

    old, new = one(OpenpyxlBook()), one(workbook.Book())
    assert assert_same_workbook(old, new) > 40
    ws = load_workbook(io.BytesIO(new))["Проба"]
    flagged = {ws.cell(row, 1).value for row in range(7, 16) if ws.cell(row, 1).quotePrefix}
    # a CR reads as the line break it always was in these files (XML turns it into LF), still marked
    assert flagged == {"=1+1", "+7 914", "-5", "@SUM(A1)", "\tтаб", "\nвозврат"}
    assert all(ws.cell(row, 1).data_type == "s" for row in range(7, 14))


def test_the_export_page_says_why_a_too_long_text_stops_the_workbook(demo_store_url, monkeypatch):
    """A text longer than an Excel cell (typed into the shared sheet, which holds 50 000 characters) stops
    «Сформировать» with a Russian message naming the sheet and the cell; nothing is written to the journal.
    The app's own forms keep texts under 2 000 characters, so the cell's limit is lowered here to reach the page."""
    from lib.auth.access import User, write
    from lib.store.sqlite_store import SQLiteStore

    monkeypatch.setattr(workbook, "EXCEL_TEXT_LIMIT", 1500)
    store = SQLiteStore(demo_store_url[len("sqlite:///"):])
    write(store, User("lptes@lensk.demo", "ЛПТЭС", "executor", "lptes"),
          {"plan_progress": [{"measure_id": "2023/2024-3", "participant_id": "lptes", "period": "2024-Q4", "status": "done",
                              "done_text": "сделано " * 220}]})
    exports_before = len(store.read_all().current("exports"))
    at = open_page("coordinator@lensk.demo", "pages/export.py", timeout=120, check=False)
    at.selectbox(key="export_quarter").select("2024-Q4").run()
    at.button(key="export_build").click().run()
    assert not at.exception
    assert any(e.value.startswith("Выгрузка не сформирована: Лист «Исполнение плана», ячейка") and "длиннее 1\u00a0500 знаков" in e.value
               for e in at.error), [e.value for e in at.error]
    assert not at.get("download_button") and not at.success
    assert len(SQLiteStore(demo_store_url[len("sqlite:///"):]).read_all().current("exports")) == exports_before
