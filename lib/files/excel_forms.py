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
import logging
import re
import zipfile
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, PatternFill, Protection
from openpyxl.utils import get_column_letter

from lib.core import fmt
from lib.core.parsing import ParseError, is_empty, parse_value, text_of
from lib.core.schema import Column
from lib.domain.categories import BUCKET_LABELS, BUCKETS, MONEY_FIELDS, group_labels, resource_labels
from lib.domain.monthly import CLAIMS_FIELDS, claims_form, monthly_form, names, structure_form
from lib.domain.registry import served_settlements
from lib.domain.rules import ToConfirm
from lib.files.xlsx_tables import BOX, FONT_SIZE, font, number_format, print_setup, row_height, text_cell
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
        if not self.row:  # the sheet as a whole (a line missing from it)
            return f"лист «{self.sheet}»: {self.reason}"
        where = f", столбец {self.column}" if self.column else ""
        return f"лист «{self.sheet}», строка {self.row}{where}: {self.reason}"


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


# How the blank looks and prints (the cell rules are lib.files.xlsx_tables'): the key columns a person reads
# (settlement, group, resource, the indicator's name) and the yellow cells to fill; the codes the reader
# matches rows by (settlement and indicator codes) sit in hidden columns; A4 landscape, fit to the width.
NAME_WIDTH, CODE_WIDTH, FIGURE_WIDTH = 30, 14, 16


def _title(ws, text: str, who: str, month: str, columns: int) -> None:
    lines = (text, f"Организация: {who}", f"Отчётный месяц: {fmt.month_label(month)}",
             "Суммы — в тысячах рублей, не больше 3 знаков после запятой. Заполняйте только жёлтые ячейки.")
    for row, line in enumerate(lines, start=1):
        text_cell(ws.cell(row, 1), line)
        ws.cell(row, 1).font = font(bold=row == 1, size=12 if row == 1 else FONT_SIZE)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)


def _header(ws, titles: list[str], widths: list[float], hidden: tuple[int, ...] = ()) -> None:
    for j, (title, width) in enumerate(zip(titles, widths), start=1):
        cell = ws.cell(HEADER_ROW, j)
        text_cell(cell, title)
        cell.font, cell.border = font(bold=True), BOX
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(j)].width = width
        ws.column_dimensions[get_column_letter(j)].hidden = j in hidden
    ws.row_dimensions[HEADER_ROW].height = row_height(titles, widths)
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}")


def _text(ws, row: int, col: int, value) -> None:
    text_cell(ws.cell(row, col), value)  # never a formula, whatever the text
    ws.cell(row, col).font = font()


def _line_keys(ws, row: int, r: dict, settlement_names: dict, groups: dict) -> None:
    """The locked key cells of a form row: settlement name and (hidden) code, consumer group."""
    _text(ws, row, 1, settlement_names.get(r["settlement_id"], r["settlement_id"]))
    _text(ws, row, 2, r["settlement_id"])
    _text(ws, row, 3, groups[r["consumer_group"]])


def _input(ws, row: int, col: int, value) -> None:
    cell = ws.cell(row, col, None if value is None or (isinstance(value, float) and np.isnan(value)) else value)
    cell.protection = Protection(locked=False)
    cell.fill = INPUT_FILL
    cell.font = font()
    cell.number_format = number_format(3)


def _fit_rows(ws, widths: list[float]) -> None:
    """Each form row as tall as its text, in a printed grid."""
    for row in range(HEADER_ROW + 1, ws.max_row + 1):
        ws.row_dimensions[row].height = row_height([ws.cell(row, j).value for j in range(1, len(widths) + 1)], widths)
        for j in range(1, len(widths) + 1):
            ws.cell(row, j).border = BOX


def build_workbook(snapshot: Snapshot, participant_id: str, month: str) -> bytes:
    """The month's forms, pre-filled (debt at start from last month's closing), headers locked."""
    who = names(snapshot).get(participant_id, participant_id)
    settlement_names = names(snapshot)
    groups = group_labels()
    resources = resource_labels()
    wb = Workbook()

    ws = wb.active
    ws.title = SHEET_REPORT
    titles = ["Поселение", "Код поселения", "Группа потребителей", *[t for _, t in _monthly_columns(snapshot)]]
    widths = [NAME_WIDTH, CODE_WIDTH, 20, *[FIGURE_WIDTH] * len(MONEY_FIELDS)]
    _title(ws, "Ежемесячный отчёт о начислениях, оплате и задолженности (приложение 4)", who, month, len(titles))
    _header(ws, titles, widths, hidden=(2,))
    for i, r in enumerate(monthly_form(snapshot, participant_id, month).to_dict("records")):
        row = HEADER_ROW + 1 + i
        _line_keys(ws, row, r, settlement_names, groups)
        for j, k in enumerate(MONEY_FIELDS, start=4):
            _input(ws, row, j, r[k])
    _fit_rows(ws, widths)
    ws.protection.sheet = True

    ws = wb.create_sheet(SHEET_STRUCTURE)
    titles = ["Поселение", "Код поселения", "Группа потребителей", "Ресурс", *[f"Просрочка {BUCKET_LABELS[b]}" for b in BUCKETS]]
    widths = [NAME_WIDTH, CODE_WIDTH, 20, 26, *[FIGURE_WIDTH] * len(BUCKETS)]
    _title(ws, "Структура просроченной задолженности по ресурсам и срокам", who, month, len(titles))
    _header(ws, titles, widths, hidden=(2,))
    for i, r in enumerate(structure_form(snapshot, participant_id, month).to_dict("records")):
        row = HEADER_ROW + 1 + i
        _line_keys(ws, row, r, settlement_names, groups)
        _text(ws, row, 4, resources[r["resource"]])
        for j, b in enumerate(BUCKETS, start=5):
            _input(ws, row, j, r[b])
    _fit_rows(ws, widths)
    ws.protection.sheet = True

    ws = wb.create_sheet(SHEET_CLAIMS)
    widths = [70, 30, FIGURE_WIDTH]
    _title(ws, "Претензионно-исковая работа", who, month, 3)
    _header(ws, ["Показатель", "Код", "Значение"], widths, hidden=(2,))
    table = snapshot.schema["claims_work"]
    for i, (k, v) in enumerate(claims_form(snapshot, participant_id, month).items()):
        row = HEADER_ROW + 1 + i
        c = table.column(k)
        _text(ws, row, 1, f"{c.title}, {'шт.' if c.type == 'integer' else 'тыс. руб.'}")
        _text(ws, row, 2, k)
        _input(ws, row, 3, v)
        if c.type == "integer":
            ws.cell(row, 3).number_format = number_format(0)
    _fit_rows(ws, widths)
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


# The upload is checked from the zip directory and a bounded scan of its sheets before openpyxl
# reads anything: openpyxl holds a whole workbook in memory, and a 4.6 MB file can unzip to
# 940 000 rows (docs/data-entry.md). Our blank and an Annex 4 form are a few hundred rows.
MAX_UNZIPPED = 25 * 1024 * 1024
MAX_ROWS = 5000  # per sheet
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
DAMAGED = ("Файл повреждён или сохранён не до конца, и прочитать его нельзя. Откройте его в Excel, сохраните заново "
           "(«Файл» → «Сохранить как» → «Книга Excel (*.xlsx)») и загрузите снова.")
NOT_XLSX = ("Файл не является книгой Excel .xlsx (возможно, это .xls или файл с изменённым расширением). "
            "Сохраните его в Excel как «Книга Excel (*.xlsx)».")
log = logging.getLogger(__name__)


def _mb(size: int) -> str:
    return fmt.number(size / 1024 / 1024, 1)


def _count_rows(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """Rows of one sheet's XML, read in chunks (a tag cut by a chunk boundary is kept for the next)."""
    count, tail = 0, b""
    with zf.open(info) as part:
        while chunk := part.read(1 << 20):
            text = tail + chunk
            found = list(_ROW_TAG.finditer(text))
            cut = max(0, len(text) - 64)
            count += sum(1 for m in found if m.start() < cut)
            tail = text[cut:]
            if count > MAX_ROWS:
                break
    return count + len(_ROW_TAG.findall(tail)) if count <= MAX_ROWS else count


def inspect_package(data: bytes) -> None:
    """Refuse, in well under 2 s, a file that is not a workbook, is damaged, or is far too large inside."""
    if not data:
        raise UploadRejected("Файл пустой.")
    if len(data) > MAX_BYTES:
        raise UploadRejected(f"Файл {_mb(len(data))} МБ больше допустимых {MAX_BYTES // 1024 // 1024} МБ: "
                             "это не бланк ежемесячного отчёта.")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UploadRejected(NOT_XLSX) from None
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        if any(n.startswith("word/") for n in names):
            raise UploadRejected("Это документ Word, а не книга Excel: загрузите заполненный бланк .xlsx.")
        if "mimetype" in names or "content.xml" in names:
            raise UploadRejected("Это таблица LibreOffice (.ods): сохраните её как «Книга Excel (*.xlsx)» и загрузите снова.")
        raise UploadRejected(NOT_XLSX)
    unzipped = sum(i.file_size for i in infos)
    if unzipped > MAX_UNZIPPED:
        raise UploadRejected(f"Внутри файла {_mb(unzipped)} МБ данных (допустимо до {MAX_UNZIPPED // 1024 // 1024} МБ): "
                             "в бланке месяца и форме приложения 4 столько не бывает. Проверьте, тот ли это файл, "
                             "и удалите лишние листы и строки.")
    try:
        for info in infos:
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                rows = _count_rows(zf, info)
                if rows > MAX_ROWS:
                    raise UploadRejected(f"На одном из листов больше {fmt.number(MAX_ROWS, 0)} строк: в бланке месяца и "
                                         "форме приложения 4 их несколько десятков. Проверьте, тот ли это файл, "
                                         "и удалите лишние строки.")
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        raise UploadRejected(DAMAGED) from None


def open_workbook(data: bytes):
    inspect_package(data)
    try:
        return load_workbook(io.BytesIO(data), data_only=False)
    except Exception:  # openpyxl raises many kinds for a damaged package («Bad CRC-32», «no element found», …)
        log.warning("upload could not be opened by openpyxl", exc_info=True)
        raise UploadRejected(DAMAGED) from None


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


def _keyed_rows(ws, expected: dict[tuple, str], read_key, issues: list[CellIssue], where: str) -> list[tuple[int, tuple]]:
    """The form's rows of one sheet: each key must be one of the blank's own lines and occur once.

    ``expected``: key -> how the line is shown; ``read_key(row)`` reads a row's key cells (may raise
    ParseError). A copied row or a deleted one is named, never «the last one wins»."""
    seen: dict[tuple, int] = {}
    out = []
    for row in _rows(ws):
        try:
            key = read_key(row)
        except ParseError as err:
            issues.append(CellIssue(ws.title, row, where, str(err)))
            continue
        if key not in expected:
            shown = " · ".join(str(k) for k in key)
            issues.append(CellIssue(ws.title, row, where, f"строки «{shown}» нет в бланке этой организации — скачайте бланк заново"))
            continue
        if key in seen:
            issues.append(CellIssue(ws.title, row, where, f"повторяет строку {seen[key]} («{expected[key]}»): в бланке каждая "
                                                          "строка одна — удалите копию"))
            continue
        seen[key] = row
        out.append((row, key))
    for key, shown in expected.items():
        if key not in seen:
            issues.append(CellIssue(ws.title, 0, "", f"нет строки «{shown}» — не удаляйте строки бланка; скачайте его заново"))
    return out


def _month_shown(value) -> str:
    try:
        return fmt.month_label(parse_value(value, Column("month", "Отчётный месяц", "month")))
    except (ParseError, TypeError, ValueError, IndexError):
        return f"«{value}»"


def _read_template(wb, snapshot: Snapshot, participant_id: str, month: str) -> Upload:
    params = {wb[PARAMS].cell(r, 1).value: wb[PARAMS].cell(r, 2).value for r in range(1, 4)}
    if params.get("format") != FORMAT:
        raise UploadRejected("Бланк устаревшего формата: скачайте его заново.")
    if params.get("participant") != participant_id or params.get("month") != month:
        who = names(snapshot)
        raise UploadRejected(
            f"Бланк подготовлен для «{who.get(params.get('participant'), params.get('participant'))}» за "
            f"{_month_shown(params.get('month'))}, а выбраны «{who.get(participant_id, participant_id)}» и "
            f"{_month_shown(month)}."
        )
    for sheet in (SHEET_REPORT, SHEET_STRUCTURE, SHEET_CLAIMS):
        if sheet not in wb.sheetnames:
            raise UploadRejected(f"В книге нет листа «{sheet}»: скачайте бланк заново.")
    issues: list[CellIssue] = []
    groups = snapshot.schema["monthly_reports"].column("consumer_group")
    table = snapshot.schema["monthly_reports"]
    settlement_names, group_names, resource_names = names(snapshot), group_labels(), resource_labels()

    def line(settlement, group) -> str:
        return f"{settlement_names.get(settlement, settlement)}, {group_names.get(group, group)}"

    ws = wb[SHEET_REPORT]
    columns = _monthly_columns(snapshot)
    _check_header(ws, ["Поселение", "Код поселения", "Группа потребителей", *[t for _, t in columns]])
    expected = monthly_form(snapshot, participant_id, month)
    wanted = {(s, g): line(s, g) for s, g in zip(expected.settlement_id, expected.consumer_group)}
    rows = []
    for row, (settlement, group) in _keyed_rows(ws, wanted, lambda r: (text_of(ws.cell(r, 2).value), parse_value(ws.cell(r, 3).value, groups)),
                                                issues, "B–C «Код поселения», «Группа потребителей»"):
        record = {"settlement_id": settlement, "consumer_group": group}
        for j, (k, title) in enumerate(columns, start=4):
            record[k] = _value(ws, row, j, table.column(k), issues, title)
        rows.append(record)
    monthly = pd.DataFrame(rows, columns=["settlement_id", "consumer_group", *MONEY_FIELDS]).astype({k: "float64" for k in MONEY_FIELDS})

    ws = wb[SHEET_STRUCTURE]
    s_table = snapshot.schema["debt_structure"]
    resources = s_table.column("resource")
    _check_header(ws, ["Поселение", "Код поселения", "Группа потребителей", "Ресурс", *[f"Просрочка {BUCKET_LABELS[b]}" for b in BUCKETS]])
    s_form = structure_form(snapshot, participant_id, month)
    s_wanted = {(s, g, r): f"{line(s, g)}, {resource_names.get(r, r)}"
                for s, g, r in zip(s_form.settlement_id, s_form.consumer_group, s_form.resource)}
    srows, s_issues = [], []
    s_key = lambda r: (text_of(ws.cell(r, 2).value), parse_value(ws.cell(r, 3).value, groups), parse_value(ws.cell(r, 4).value, resources))
    for row, (settlement, group, resource) in _keyed_rows(ws, s_wanted, s_key, s_issues, "B–D «Код поселения», «Группа», «Ресурс»"):
        record = {"settlement_id": settlement, "consumer_group": group, "resource": resource}
        for j, b in enumerate(BUCKETS, start=5):
            record[b] = _value(ws, row, j, s_table.column(b), s_issues, f"Просрочка {BUCKET_LABELS[b]}")
        srows.append(record)
    structure = pd.DataFrame(srows, columns=["settlement_id", "consumer_group", "resource", *BUCKETS]).astype({b: "float64" for b in BUCKETS})

    ws = wb[SHEET_CLAIMS]
    c_table = snapshot.schema["claims_work"]
    _check_header(ws, ["Показатель", "Код", "Значение"])
    claims, c_issues, c_seen = {}, [], {}
    for row in _rows(ws):
        key = ws.cell(row, 2).value
        if key in c_seen:
            c_issues.append(CellIssue(ws.title, row, "B «Код»", f"повторяет строку {c_seen[key]}: удалите копию"))
        elif key in CLAIMS_FIELDS:
            c_seen[key] = row
            claims[key] = _value(ws, row, 3, c_table.column(key), c_issues, ws.cell(row, 1).value or key)
        elif not is_empty(key):
            c_issues.append(CellIssue(ws.title, row, "B «Код»", f"показателя «{key}» нет в бланке — скачайте бланк заново"))

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
    rows, seen = [], {}
    for row in range(numbering + 1, ws.max_row + 1):
        text = re.sub(r"\s+", " ", str(ws.cell(row, positions[2]).value or "")).strip().lower()
        group = "population" if text.startswith("населен") else "other" if text.startswith("прочи") else None
        if group is None:
            continue  # spacer rows, totals, signatures
        if group in seen:
            issues.append(CellIssue(ws.title, row, f"{get_column_letter(positions[2])} «гр. 2»",
                                    f"вторая строка «{group_labels()[group]}» (первая — строка {seen[group]}): в одной форме "
                                    "приложения 4 — одно поселение; разделите файл по поселениям или удалите копию"))
            continue
        seen[group] = row
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
        served = served_settlements(snapshot, participant_id)
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
    confirm: list[ToConfirm] = field(default_factory=list)  # ×20 / ÷20 values: saved only once confirmed


def check_upload(snapshot: Snapshot, participant_id: str, month: str, upload: Upload, today, settings) -> UploadCheck:
    """Everything in the file is checked together: any error means nothing is written."""
    from lib.domain.monthly import check_claims, check_monthly, check_structure

    errors = [str(i) for i in upload.issues]
    monthly = check_monthly(snapshot, participant_id, month, upload.monthly, today, settings)
    if upload.issues:  # unreadable cells are already reported once, with their sheet and row
        monthly.errors = [f for f in monthly.errors if "не заполнено" not in f.message]
    errors += [str(f) for f in monthly.errors]
    changes = {"monthly_reports": monthly.records}
    warnings = [str(f) for f in monthly.warnings]
    confirm = list(monthly.confirm)
    if upload.structure is not None:
        structure = check_structure(snapshot, participant_id, month, upload.structure, upload.monthly, today, settings)
        errors += [str(f) for f in structure.errors if str(f) not in errors]
        changes["debt_structure"] = structure.records
        confirm += structure.confirm
    if upload.claims is not None:
        claims = check_claims(snapshot, participant_id, month, upload.claims, today, settings)
        errors += [str(f) for f in claims.errors if str(f) not in errors]
        changes["claims_work"] = claims.records
        confirm += claims.confirm
    return UploadCheck(changes, list(dict.fromkeys(errors)), warnings, confirm)
