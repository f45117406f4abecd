"""Offline round trip: the month's forms as an Excel workbook, and one reader for what comes back.

The reader takes two layouts:
- our own template (it carries a hidden «_параметры» sheet): report, structure, claims;
- the Annex 4 form utilities send today: found by its «Потребители» header and the row of
  column numbers 1–9, tolerating merged header cells, blank spacer rows, numbers typed as text.
Every cell problem is reported as sheet / row / column with the reason, and the caller writes
nothing unless there are none.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter

from lib import fmt
from lib.domain import BUCKET_LABELS, BUCKETS, MONEY_FIELDS, group_labels, resource_labels
from lib.entry import CLAIMS_FIELDS, claims_form, monthly_form, names, structure_form
from lib.parsing import ParseError, parse_value
from lib.store.port import Snapshot, StoreError

FORMAT = "debt-forms-1"
MAX_BYTES = 5 * 1024 * 1024
HEADER_ROW = 6
PARAMS = "_параметры"
SHEET_REPORT, SHEET_STRUCTURE, SHEET_CLAIMS = "Отчёт", "Структура", "Претензионная работа"
INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")


class UploadRejected(StoreError):
    """The file as a whole cannot be read (empty, not Excel, too big, wrong layout)."""


@dataclass(frozen=True)
class CellIssue:
    sheet: str
    row: int
    column: str  # letter and title: E «Начислено»
    reason: str

    def __str__(self) -> str:
        return f"лист «{self.sheet}», строка {self.row}, столбец {self.column}: {self.reason}"


@dataclass
class Upload:
    layout: str  # "template" | "annex4"
    monthly: pd.DataFrame
    structure: pd.DataFrame | None = None
    claims: dict | None = None
    issues: list[CellIssue] = field(default_factory=list)


def _monthly_columns(snapshot: Snapshot) -> list[tuple[str, str]]:
    table = snapshot.schema["monthly_reports"]
    return [(k, table.column(k).title) for k in MONEY_FIELDS]


# ---- building the workbook --------------------------------------------------


def _title(ws, text: str, who: str, month: str) -> None:
    ws["A1"] = text
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = f"Организация: {who}"
    ws["A3"] = f"Отчётный месяц: {fmt.month_label(month)}"
    ws["A4"] = "Суммы — в тысячах рублей, не больше 3 знаков после запятой. Заполняйте только жёлтые ячейки."


def _header(ws, titles: list[str]) -> None:
    for j, title in enumerate(titles, start=1):
        cell = ws.cell(HEADER_ROW, j, title)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(j)].width = 18 if j > 3 else 28
    ws.row_dimensions[HEADER_ROW].height = 45
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)


def _text(ws, row: int, col: int, value) -> None:
    cell = ws.cell(row, col)
    cell.value = value
    cell.data_type = "s"  # never a formula, whatever the text


def _line_keys(ws, row: int, r: dict, settlement_names: dict, groups: dict) -> None:
    """The locked key cells of a form row: settlement name and code, consumer group."""
    _text(ws, row, 1, settlement_names.get(r["settlement_id"], r["settlement_id"]))
    _text(ws, row, 2, r["settlement_id"])
    _text(ws, row, 3, groups[r["consumer_group"]])


def _input(ws, row: int, col: int, value) -> None:
    cell = ws.cell(row, col, None if value is None or (isinstance(value, float) and np.isnan(value)) else value)
    cell.protection = Protection(locked=False)
    cell.fill = INPUT_FILL
    cell.number_format = "#,##0.000"


def build_workbook(snapshot: Snapshot, participant_id: str, month: str) -> bytes:
    """The month's forms, pre-filled (debt at start from last month's closing), headers locked."""
    who = names(snapshot).get(participant_id, participant_id)
    settlement_names = names(snapshot)
    groups = group_labels()
    resources = resource_labels()
    wb = Workbook()

    ws = wb.active
    ws.title = SHEET_REPORT
    _title(ws, "Ежемесячный отчёт о начислениях, оплате и задолженности (приложение 4)", who, month)
    _header(ws, ["Поселение", "Код поселения", "Группа потребителей", *[t for _, t in _monthly_columns(snapshot)]])
    for i, r in enumerate(monthly_form(snapshot, participant_id, month).to_dict("records")):
        row = HEADER_ROW + 1 + i
        _line_keys(ws, row, r, settlement_names, groups)
        for j, k in enumerate(MONEY_FIELDS, start=4):
            _input(ws, row, j, r[k])
    ws.protection.sheet = True

    ws = wb.create_sheet(SHEET_STRUCTURE)
    _title(ws, "Структура просроченной задолженности по ресурсам и срокам", who, month)
    _header(ws, ["Поселение", "Код поселения", "Группа потребителей", "Ресурс", *[f"Просрочка {BUCKET_LABELS[b]}" for b in BUCKETS]])
    for i, r in enumerate(structure_form(snapshot, participant_id, month).to_dict("records")):
        row = HEADER_ROW + 1 + i
        _line_keys(ws, row, r, settlement_names, groups)
        _text(ws, row, 4, resources[r["resource"]])
        for j, b in enumerate(BUCKETS, start=5):
            _input(ws, row, j, r[b])
    ws.protection.sheet = True

    ws = wb.create_sheet(SHEET_CLAIMS)
    _title(ws, "Претензионно-исковая работа", who, month)
    _header(ws, ["Показатель", "Код", "Значение"])
    table = snapshot.schema["claims_work"]
    for i, (k, v) in enumerate(claims_form(snapshot, participant_id, month).items()):
        row = HEADER_ROW + 1 + i
        _text(ws, row, 1, table.column(k).title)
        _text(ws, row, 2, k)
        _input(ws, row, 3, v)
    ws.protection.sheet = True

    params = wb.create_sheet(PARAMS)
    for row, (k, v) in enumerate((("format", FORMAT), ("participant", participant_id), ("month", month)), start=1):
        _text(params, row, 1, k)
        _text(params, row, 2, v)
    params.sheet_state = "hidden"
    params.protection.sheet = True
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---- reading it back --------------------------------------------------------


def open_workbook(data: bytes):
    if not data:
        raise UploadRejected("Файл пустой.")
    if len(data) > MAX_BYTES:
        raise UploadRejected(f"Файл {len(data) / 1024 / 1024:.0f} МБ больше допустимых {MAX_BYTES // 1024 // 1024} МБ: "
                             "это не бланк ежемесячного отчёта.")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise UploadRejected("Файл не является книгой Excel .xlsx (возможно, это .xls или файл с изменённым "
                             "расширением). Сохраните его в Excel как «Книга Excel (*.xlsx)».")
    try:
        return load_workbook(io.BytesIO(data), data_only=False)
    except Exception as err:  # openpyxl raises many kinds for a broken package
        raise UploadRejected(f"Файл не удалось открыть как книгу Excel: {err}") from err


def _value(ws, row: int, col: int, column, issues: list[CellIssue], title: str):
    cell = ws.cell(row, col)
    where = f"{get_column_letter(col)} «{title}»"
    if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
        issues.append(CellIssue(ws.title, row, where, "в ячейке формула — впишите само число"))
        return None
    try:
        return parse_value(cell.value, column)
    except ParseError as err:
        issues.append(CellIssue(ws.title, row, where, str(err)))
        return None


def _check_header(ws, expected: list[str]) -> None:
    found = [ws.cell(HEADER_ROW, j).value for j in range(1, len(expected) + 1)]
    for j, (want, got) in enumerate(zip(expected, found), start=1):
        if (got or "").strip() != want:
            raise UploadRejected(f"Лист «{ws.title}»: изменена строка заголовков — в столбце {get_column_letter(j)} "
                                 f"ожидался «{want}», а стоит «{got or ''}». Скачайте бланк заново.")


def _rows(ws) -> range:
    last = HEADER_ROW
    for row in range(HEADER_ROW + 1, ws.max_row + 1):
        if any(ws.cell(row, j).value not in (None, "") for j in range(1, 4)):
            last = row
    return range(HEADER_ROW + 1, last + 1)


def _read_template(wb, snapshot: Snapshot, participant_id: str, month: str) -> Upload:
    params = {wb[PARAMS].cell(r, 1).value: wb[PARAMS].cell(r, 2).value for r in range(1, 4)}
    if params.get("format") != FORMAT:
        raise UploadRejected("Бланк устаревшего формата: скачайте его заново.")
    if params.get("participant") != participant_id or params.get("month") != month:
        who = names(snapshot)
        raise UploadRejected(
            f"Бланк подготовлен для «{who.get(params.get('participant'), params.get('participant'))}» за "
            f"{fmt.month_label(str(params.get('month')))}, а выбраны «{who.get(participant_id, participant_id)}» и "
            f"{fmt.month_label(month)}."
        )
    for sheet in (SHEET_REPORT, SHEET_STRUCTURE, SHEET_CLAIMS):
        if sheet not in wb.sheetnames:
            raise UploadRejected(f"В книге нет листа «{sheet}»: скачайте бланк заново.")
    issues: list[CellIssue] = []
    groups = snapshot.schema["monthly_reports"].column("consumer_group")
    table = snapshot.schema["monthly_reports"]

    ws = wb[SHEET_REPORT]
    columns = _monthly_columns(snapshot)
    _check_header(ws, ["Поселение", "Код поселения", "Группа потребителей", *[t for _, t in columns]])
    expected = monthly_form(snapshot, participant_id, month)
    wanted = set(zip(expected.settlement_id, expected.consumer_group))
    rows = []
    for row in _rows(ws):
        settlement = ws.cell(row, 2).value
        try:
            group = parse_value(ws.cell(row, 3).value, groups)
        except ParseError as err:
            issues.append(CellIssue(ws.title, row, "C «Группа потребителей»", str(err)))
            continue
        if (settlement, group) not in wanted:
            issues.append(CellIssue(ws.title, row, "B «Код поселения»", f"строки «{settlement}» нет в бланке этой организации"))
            continue
        record = {"settlement_id": settlement, "consumer_group": group}
        for j, (k, title) in enumerate(columns, start=4):
            record[k] = _value(ws, row, j, table.column(k), issues, title)
        rows.append(record)
    monthly = pd.DataFrame(rows, columns=["settlement_id", "consumer_group", *MONEY_FIELDS]).astype({k: "float64" for k in MONEY_FIELDS})

    ws = wb[SHEET_STRUCTURE]
    s_table = snapshot.schema["debt_structure"]
    resources = s_table.column("resource")
    _check_header(ws, ["Поселение", "Код поселения", "Группа потребителей", "Ресурс", *[f"Просрочка {BUCKET_LABELS[b]}" for b in BUCKETS]])
    srows, s_issues = [], []
    for row in _rows(ws):
        try:
            group = parse_value(ws.cell(row, 3).value, groups)
            resource = parse_value(ws.cell(row, 4).value, resources)
        except ParseError as err:
            s_issues.append(CellIssue(ws.title, row, "C–D", str(err)))
            continue
        record = {"settlement_id": ws.cell(row, 2).value, "consumer_group": group, "resource": resource}
        for j, b in enumerate(BUCKETS, start=5):
            record[b] = _value(ws, row, j, s_table.column(b), s_issues, f"Просрочка {BUCKET_LABELS[b]}")
        srows.append(record)
    structure = pd.DataFrame(srows, columns=["settlement_id", "consumer_group", "resource", *BUCKETS]).astype({b: "float64" for b in BUCKETS})

    ws = wb[SHEET_CLAIMS]
    c_table = snapshot.schema["claims_work"]
    _check_header(ws, ["Показатель", "Код", "Значение"])
    claims, c_issues = {}, []
    for row in _rows(ws):
        key = ws.cell(row, 2).value
        if key in CLAIMS_FIELDS:
            claims[key] = _value(ws, row, 3, c_table.column(key), c_issues, ws.cell(row, 1).value or key)

    def untouched(sheet: str, first_col: int, last_col: int) -> bool:
        ws = wb[sheet]
        return all(ws.cell(r, j).value in (None, "") for r in _rows(ws) for j in range(first_col, last_col + 1))

    # a sheet left entirely empty was not filled this time: not an error, and not written
    filled_structure = None if untouched(SHEET_STRUCTURE, 5, 4 + len(BUCKETS)) else structure
    filled_claims = None if untouched(SHEET_CLAIMS, 3, 3) else claims
    issues += (s_issues if filled_structure is not None else []) + (c_issues if filled_claims is not None else [])
    return Upload("template", monthly, filled_structure, filled_claims, issues)


ANNEX4_COLUMNS = {4: "debt_start", 5: "accrued", 6: "paid", 8: "recovered_enforcement", 9: "overdue"}


def _as_int(value) -> int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _find_annex4(wb):
    """The sheet, header numbering row and column of each numbered column (1–9), or None."""
    for ws in wb.worksheets:
        header = next((c for r in ws.iter_rows() for c in r if isinstance(c.value, str) and "потребител" in c.value.lower()), None)
        if header is None:
            continue
        for row in range(header.row, min(ws.max_row, header.row + 12) + 1):
            numbers = {_as_int(ws.cell(row, j).value): j for j in range(1, ws.max_column + 1)}
            if all(n in numbers for n in range(1, 10)):
                return ws, row, numbers
    return None


def _read_annex4(found, snapshot: Snapshot, settlement_id: str) -> Upload:
    ws, numbering, positions = found
    table = snapshot.schema["monthly_reports"]
    issues: list[CellIssue] = []
    rows = []
    for row in range(numbering + 1, ws.max_row + 1):
        text = re.sub(r"\s+", " ", str(ws.cell(row, positions[2]).value or "")).strip().lower()
        group = "population" if text.startswith("населен") else "other" if text.startswith("прочи") else None
        if group is None:
            continue  # spacer rows, totals, signatures
        record = {"settlement_id": settlement_id, "consumer_group": group, "written_off": np.nan}
        for number, key in ANNEX4_COLUMNS.items():
            record[key] = _value(ws, row, positions[number], table.column(key), issues, f"гр. {number}")
        rows.append(record)
    if not rows:
        raise UploadRejected(f"Лист «{ws.title}»: нашлась шапка приложения 4, но нет строк «население» и «прочие потребители».")
    monthly = pd.DataFrame(rows, columns=["settlement_id", "consumer_group", *MONEY_FIELDS]).astype({k: "float64" for k in MONEY_FIELDS})
    return Upload("annex4", monthly, None, None, issues)


def read_upload(data: bytes, snapshot: Snapshot, participant_id: str, month: str, settlement_id: str | None = None) -> Upload:
    """Our template or an Annex 4 report; raises UploadRejected when the file as a whole is unusable."""
    wb = open_workbook(data)
    if PARAMS in wb.sheetnames:
        return _read_template(wb, snapshot, participant_id, month)
    found = _find_annex4(wb)
    if found is None:
        raise UploadRejected("Не удалось узнать формат файла: это не бланк, скачанный из приложения, и не форма "
                             "приложения 4 (нет шапки «Потребители» с номерами граф 1–9).")
    if settlement_id is None:
        from lib.entry import participant

        served = [s for s in (participant(snapshot, participant_id).get("serves") or "").split(";") if s]
        if len(served) != 1:
            raise UploadRejected("Форма приложения 4 не указывает поселение, а организация обслуживает несколько: "
                                 "укажите поселение (--settlement).")
        settlement_id = served[0]
    return _read_annex4(found, snapshot, settlement_id)


@dataclass
class UploadCheck:
    changes: dict[str, list[dict]]
    errors: list[str]  # cell issues and rule errors, as Russian sentences
    warnings: list[str]


def check_upload(snapshot: Snapshot, participant_id: str, month: str, upload: Upload, today, settings) -> UploadCheck:
    """Everything in the file is checked together: any error means nothing is written."""
    from lib.entry import check_claims, check_monthly, check_structure

    errors = [str(i) for i in upload.issues]
    monthly = check_monthly(snapshot, participant_id, month, upload.monthly, today, settings)
    if upload.issues:  # unreadable cells are already reported once, with their sheet and row
        monthly.errors = [f for f in monthly.errors if "не заполнено" not in f.message]
    errors += [str(f) for f in monthly.errors]
    changes = {"monthly_reports": monthly.records}
    warnings = [str(f) for f in monthly.warnings]
    if upload.structure is not None:
        structure = check_structure(snapshot, participant_id, month, upload.structure, upload.monthly, today, settings)
        errors += [str(f) for f in structure.errors if str(f) not in errors]
        changes["debt_structure"] = structure.records
    if upload.claims is not None:
        claims = check_claims(snapshot, participant_id, month, upload.claims, today, settings)
        errors += [str(f) for f in claims.errors if str(f) not in errors]
        changes["claims_work"] = claims.records
    return UploadCheck(changes, list(dict.fromkeys(errors)), warnings)
