"""The quarterly workbook: totals equal the dashboard's, it opens in LibreOffice with the same values,
user text stays text, an empty quarter still gives a valid workbook."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from lib.core.config import PROJECT_ROOT
from lib.domain import metrics
from lib.domain.categories import BUCKETS
from lib.domain.settings import read_settings
from lib.domain.summary import Filters, execute, select
from lib.files import workbook
from tests.support.apptest import open_page
from tests.support.entry import copy_demo
from tests.support.libreoffice import convert_workbook as convert

TODAY = dt.date(2026, 11, 22)
SOFFICE = shutil.which("libreoffice") or shutil.which("soffice")
# every sheet to its own CSV, UTF-8 (76), comma-separated, values as LibreOffice shows them
CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


@pytest.fixture(scope="module")
def demo(demo_db):
    from lib.store.sqlite_store import SQLiteStore

    return SQLiteStore(demo_db).read_all()


def rows_of(ws) -> list[list]:
    return [[c.value for c in r] for r in ws.iter_rows()]


def block_total(ws, who: str, label: str) -> list:
    """The «Итого» row of one period block of one organisation on the Annex 4 sheet."""
    rows = rows_of(ws)
    start = next(i for i, r in enumerate(rows) if r[0] == who)
    block = next(i for i in range(start, len(rows)) if rows[i][0] == f"   {label}")
    return next(rows[i] for i in range(block, len(rows)) if rows[i][1] == "Итого")


def total_row(ws) -> list:
    return next(r for r in rows_of(ws) if r[0] == "Итого")


@pytest.mark.parametrize("filters", [Filters("2024-01", "2024-03"), Filters("2024-01", "2024-03", utilities=("lptes",)),
                                     Filters("2024-01", "2024-03", groups=("population",))], ids=["district", "lptes", "population"])
def test_every_sheet_totals_equal_the_dashboard(demo, filters):
    settings = read_settings(demo)
    period = workbook.parse_period("2024-Q1")
    wb = load_workbook(io.BytesIO(workbook.build(demo, period, settings, TODAY, filters=filters)))
    board = execute(demo, filters, settings, TODAY)
    totals = board.totals.set_index("month")
    q = totals.loc["2024-01":"2024-03"]
    row = block_total(wb["Сводная форма"], "Всего по району", "Итого за 1 квартал 2024 г.")
    expected = [totals.loc["2024-01", "debt_start"], totals.loc["2024-01", "debt_start"], q.accrued.sum(), q.paid.sum(),
                metrics.collection_pct(q.paid.sum(), q.accrued.sum()), q.recovered_enforcement.sum(), totals.loc["2024-03", "overdue"]]
    assert row[2:9] == pytest.approx(expected)
    march = block_total(wb["Сводная форма"], "Всего по району", "Март 2024")
    assert march[4] == pytest.approx(totals.loc["2024-03", "accrued"]) and march[5] == pytest.approx(totals.loc["2024-03", "paid"])
    settlements = total_row(wb["По поселениям"])
    assert settlements[2:4] == pytest.approx([q.accrued.sum(), q.paid.sum()])
    assert settlements[7] == pytest.approx(totals.loc["2024-03", "debt_end"])
    structure = select(demo, filters).structure.query("month == '2024-03'")
    assert total_row(wb["Структура по срокам"])[1:6] == pytest.approx([structure[b].sum() for b in BUCKETS])
    assert total_row(wb["Структура по срокам"])[7] == pytest.approx(board.older_than_12_pct)
    assert total_row(wb["По ресурсам"])[1] == pytest.approx(board.resources.amount.sum())
    if filters.groups:  # claims are filed per organisation, not per consumer group: the sheet says so, no district rows
        texts = [r[0] for r in rows_of(wb["Претензионная работа"])]
        assert "claims" in board.limits and f"* {board.limits['claims']}" in texts and "Итого" not in texts
        return
    claims = total_row(wb["Претензионная работа"])
    assert claims[1] == board.funnel["stages"]["count"].iloc[0] and claims[9] == pytest.approx(board.funnel["applications_per_debtor"])


def test_cumulative_from_january_and_the_year(demo):
    settings = read_settings(demo)
    wb = load_workbook(io.BytesIO(workbook.build(demo, workbook.parse_period("2024-Q3", cumulative=True), settings, TODAY)))
    row = block_total(wb["Сводная форма"], "Всего по району", "С начала года по сентябрь 2024")
    monthly = select(demo, Filters("2024-01", "2024-09")).monthly
    totals = metrics.monthly_totals(monthly).set_index("month")
    assert row[3] == pytest.approx(totals.loc["2024-01", "debt_start"]) and row[4] == pytest.approx(totals.accrued.sum())
    year = load_workbook(io.BytesIO(workbook.build(demo, workbook.parse_period(year=2024), settings, TODAY)))
    assert block_total(year["Сводная форма"], "Всего по району", "Итого за 2024 год")[8] == pytest.approx(
        metrics.monthly_totals(select(demo, Filters("2024-12", "2024-12")).monthly).overdue.iloc[0])


def test_layout_title_signature_and_print_setup(demo):
    settings = read_settings(demo)
    wb = load_workbook(io.BytesIO(workbook.build(demo, workbook.parse_period("2024-Q1"), settings, TODAY)))
    assert wb.sheetnames == ["Сводная форма", "По поселениям", "Структура по срокам", "По ресурсам", "Претензионная работа",
                             "Исполнение плана", "Сдача отчётов", "Качество данных"]
    ws = wb["Сводная форма"]
    assert ws["A2"].value == "Ленский район — 1 квартал 2024 г." and ws["A3"].value == "тыс. руб."
    assert [ws.cell(6, j).value for j in range(1, 10)] == list(range(1, 10))  # columns numbered 1–9 as in Annex 4
    assert ws.freeze_panes == "A7" and ws.print_title_rows.replace("$", "") == "5:6"
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    total = next(r for r in ws.iter_rows() if r[1].value == "Итого")
    # «#,##0.0» in the file is what a Russian Excel shows as «# ##0,0»: 1 234,5
    assert total[2].font.bold and total[2].number_format == "#,##0.0"
    numbered = [r[0].value for r in ws.iter_rows(min_row=7) if r[1].value in ("население", "прочие потребители")]
    assert numbered and all(isinstance(v, int) for v in numbered)  # «№ п/п» is a number, not text
    # the unit only where there is money
    units = {name: wb[name]["A3"].value for name in wb.sheetnames}
    assert units["Исполнение плана"] is None and units["Сдача отчётов"] is None and units["По ресурсам"] == "тыс. руб."
    assert units["Претензионная работа"] == "количество — штук, суммы — тыс. руб."
    plan = wb["Исполнение плана"]
    assert all(isinstance(r[0].value, int) for r in plan.iter_rows(min_row=6) if isinstance(r[0].value, int | str) and str(r[0].value).isdigit())
    texts = [c.value for r in ws.iter_rows() for c in r if isinstance(c.value, str)]
    assert "Начальник управления производственного развития" in texts and "_____________ И.А. Беляев" in texts


@pytest.mark.e2e  # LibreOffice or processes of its own: the end-to-end set
def test_user_text_that_looks_like_a_formula_stays_text(demo_db, tmp_path):
    from lib.auth.access import User, write

    store = copy_demo(demo_db, tmp_path)
    write(store, User("lptes@lensk.demo", "ЛПТЭС", "executor", "lptes"),
          {"plan_progress": [{"measure_id": "2023/2024-3", "participant_id": "lptes", "period": "2024-Q4", "status": "done",
                              "done_text": '=HYPERLINK("http://evil","x")'},
                             {"measure_id": "2023/2024-4", "participant_id": "lptes", "period": "2024-Q4", "status": "done",
                              "done_text": "@SUM(A1)"}]})
    snap = store.read_all()
    data = workbook.build(snap, workbook.parse_period("2024-Q4"), read_settings(snap), TODAY)
    ws = load_workbook(io.BytesIO(data))["Исполнение плана"]
    cells = [c for r in ws.iter_rows() for c in r if c.value in ('=HYPERLINK("http://evil","x")', "@SUM(A1)")]
    assert len(cells) == 2 and all(c.data_type == "s" for c in cells)
    # and LibreOffice shows the text itself, not a formula's result
    plan_csv = next(p for p in convert(data, tmp_path, CSV_ALL_SHEETS) if "Исполнение плана" in p.name)
    shown = plan_csv.read_text(encoding="utf-8")
    assert '=HYPERLINK(""http://evil"",""x"")' in shown and "@SUM(A1)" in shown


def test_an_empty_quarter_is_a_valid_workbook_that_says_so(demo):
    wb = load_workbook(io.BytesIO(workbook.build(demo, workbook.parse_period("2026-Q1"), read_settings(demo), TODAY)))
    assert len(wb.sheetnames) == 8
    assert "Нет данных за период." in [c.value for c in wb["Сводная форма"]["A"]]


def test_cli_export_records_who_when_and_the_checksum(demo_db, tmp_path):
    store = copy_demo(demo_db, tmp_path)
    out = tmp_path / "q1.xlsx"
    result = subprocess.run([sys.executable, "-m", "lib.cli", "export", "--quarter", "2024-Q1", "--out", str(out),
                             "--store", f"sqlite:///{store.path}"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    log = store.read_all().current("exports").iloc[-1]
    assert (log.period, log["mode"], log.checksum) == ("2024-Q1", "quarter", workbook.checksum(out.read_bytes()))
    assert log.saved_by.startswith("cli:")
    bad = subprocess.run([sys.executable, "-m", "lib.cli", "export", "--quarter", "2024-5", "--out", str(out)],
                         cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "не квартал" in bad.stderr


@pytest.mark.e2e  # LibreOffice or processes of its own: the end-to-end set
def test_the_workbook_opens_in_libreoffice_and_the_values_match(demo, tmp_path):
    data = workbook.build(demo, workbook.parse_period("2024-Q1"), read_settings(demo), TODAY)
    pdf = convert(data, tmp_path, "pdf")[0].read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) >= 2
    # every sheet to its own CSV (UTF-8, comma-separated), values as LibreOffice shows them
    files = convert(data, tmp_path, CSV_ALL_SHEETS)
    assert len(files) == 8
    ws = load_workbook(io.BytesIO(data))["Сводная форма"]
    expected = block_total(ws, "Всего по району", "Итого за 1 квартал 2024 г.")
    csv_path = next(p for p in files if "Сводная" in p.name)
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    start = next(i for i, r in enumerate(rows) if r and r[0] == "Всего по району")
    block = next(i for i in range(start, len(rows)) if rows[i] and rows[i][0].strip() == "Итого за 1 квартал 2024 г.")
    total = next(rows[i] for i in range(block, len(rows)) if len(rows[i]) > 1 and rows[i][1] == "Итого")
    converted = [float(v.replace("\u00a0", "").replace(" ", "").replace(",", ".")) for v in total[2:9]]
    assert converted == pytest.approx([round(v, 1) for v in expected[2:9]], abs=0.051)


def test_export_page_builds_records_and_offers_to_close_the_quarter(demo_store_url):
    from lib.store.sqlite_store import SQLiteStore

    at = open_page("coordinator@lensk.demo", "pages/export.py", timeout=120, check=False)
    before = [w.value for w in at.warning]  # before the click: what the workbook will list (lib.files.workbook.readiness)
    assert len(before) == 1 and before[0].startswith("За 4 квартал 2024 г.:") and "на доработке — 1" in before[0], before
    at.button(key="export_build").click().run()
    assert not at.exception and any("записана в журнал" in s.value for s in at.success)
    assert len(at.get("download_button")) == 1
    assert any("на доработке" in w.value for w in at.warning)  # the demo's Q4 still has a month on return
    at.checkbox(key="export-lock-confirm-2024-Q4").check().run()
    at.button(key="export-lock-2024-Q4").click().run()
    assert any("4 квартал 2024 г.: закрыт" in s.value for s in at.success), [e.value for e in at.error]
    snap = SQLiteStore(demo_store_url[len("sqlite:///"):]).read_all()
    assert snap.current("locks").set_index("quarter").loc["2024-Q4", "locked"]
    assert snap.current("exports").iloc[-1].period == "2024-Q4"
    journal = next(d.value for d in at.dataframe if "SHA-256" in d.value.columns)
    assert len(journal) == 1


def test_the_page_says_before_the_click_what_the_workbook_will_list():
    """Readiness counts in words, exactly (issue 16: the page computes them; the click reuses them)."""
    period = workbook.parse_period("2024-Q4")
    assert workbook.Readiness(0, 0, 0, 0).text(period) == "За 4 квартал 2024 г. все отчёты сданы в срок, замечаний к данным нет."
    assert workbook.Readiness(2, 1, 0, 7).text(period) == (
        "За 4 квартал 2024 г.: не подано отчётов — 2, на доработке — 1, замечаний к данным — 7. Всё это будет в листах "
        "«Сдача отчётов» и «Качество данных». Долг и просроченная задолженность не сдавших войдут оценкой по их последнему "
        "отчёту, с пометкой под блоком.")
    assert workbook.Readiness(0, 1, 3, 0).text(period) == (
        "За 4 квартал 2024 г.: на доработке — 1, сдано с опозданием — 3. Всё это будет в листах «Сдача отчётов» и "
        "«Качество данных».")


@pytest.mark.parametrize("quarter", ["2024-Q1", "2024-Q4"])
def test_readiness_counts_what_the_workbook_lists(demo, quarter):
    settings = read_settings(demo)
    period = workbook.parse_period(quarter)
    ready = workbook.readiness(demo, period, settings, TODAY)
    wb = load_workbook(io.BytesIO(workbook.build(demo, period, settings, TODAY)))
    filing = [r[2] for r in rows_of(wb["Сдача отчётов"])[5:] if r[1] and r[2]]
    quality = [r for r in rows_of(wb["Качество данных"])[5:] if r[3] and r[4]]
    count = lambda state: sum(x.startswith(state) for x in filing)  # «на доработке (возвращён 12.04.2024: …)»
    assert (ready.missing, ready.returned, ready.late) == (count("не подан"), count("на доработке"), count("с опозданием"))
    assert ready.warnings == len(quality)
    assert ready.returned + ready.missing + ready.late + ready.warnings > 0 or quarter == "2024-Q1"


def test_only_the_coordinator_exports(demo_store_url):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "export.py"), default_timeout=60)
    at.session_state["user_login"] = "commission@lensk.demo"
    at.run()
    assert [e.value for e in at.error] == ["Выгрузку в министерство готовит координатор."]
