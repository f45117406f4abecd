"""Tables in Excel files, the way ``lib.domain.present`` shows them on the page: numbers as numbers, dates as
dates, text as text that never runs as a formula; and how a sheet prints. Every workbook of the product
(the ministry's quarterly workbook, the Excel blank, the meeting pack, a page's table) writes its cells
and its print layout with these functions.

Number formats are written in the file's own notation («#,##0.0»: «,» groups thousands, «.» is the
decimal point); Excel and LibreOffice show them in the reader's locale — «1 234,5» on a Russian machine.

Print layout, as plain rules (a writer other than openpyxl must keep them; README «Выгрузка»):
- A4 landscape, fitted to the page width (as many pages down as needed), header rows repeated on every
  page, page numbers in the footer, 1,5 cm margins;
- Arial 10 everywhere: a font every office machine has (LibreOffice substitutes Liberation Sans, of the
  same widths), so the row heights below hold wherever the file is opened;
- text wraps within its column, and a row is as tall as its longest cell needs (``row_height``): a
  spreadsheet does not grow a row for wrapped text by itself, and without this a long «Что сделано»
  prints over the rows below it.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import textwrap
from collections.abc import Iterable, Mapping

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from lib.domain.present import EXACT, dangerous, spec, texts

DATE_FORMAT = "DD.MM.YYYY"
MOMENT_FORMAT = "DD.MM.YYYY HH:MM"
FONT_NAME, FONT_SIZE = "Arial", 10
LINE_POINTS = 12.75  # one line of Arial 10: Excel's own row height for it
PAD_POINTS = 2.25
# characters of Arial 10 per unit of column width (a unit is the width of «0»); Russian words run a
# little wider than digits — checked on the PDFs LibreOffice prints of the blank and the workbook
CHARS_PER_UNIT = 0.95
TOP = Alignment(wrap_text=True, vertical="top")
GRID_COLOR = "999999"
THIN = Side(style="thin", color=GRID_COLOR)
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)  # a printed table's grid


def font(bold: bool = False, italic: bool = False, size: float = FONT_SIZE) -> Font:
    return Font(name=FONT_NAME, size=size, bold=bold, italic=italic)


def number_format(decimals: int | None) -> str:
    """«#,##0.0» for one decimal, «#,##0» for none, «#,##0.###» for every stored digit (up to three)."""
    if decimals is EXACT:
        return "#,##0.###"
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def line_chars(width: float) -> int:
    """Characters one line of a wrapped cell ``width`` units wide holds."""
    return max(1, math.floor(width * CHARS_PER_UNIT) - 1)


def wrapped_lines(text, width: float) -> int:
    """How many lines ``text`` takes in a wrapped cell ``width`` units wide."""
    if text is None or text == "":
        return 1
    per_line = line_chars(width)
    # a part no longer than a line is one line (textwrap only widens tabs): most cells, without textwrap's cost
    return sum(1 if len(part) <= per_line and "\t" not in part else max(1, len(textwrap.wrap(part, per_line, break_long_words=True)))
               for part in str(text).split("\n"))


def row_height(values: Iterable, widths: Iterable[float], size: float = FONT_SIZE) -> float:
    """Points a row needs so that every wrapped text cell shows all its lines (a number takes one)."""
    lines = max([wrapped_lines(v, w) for v, w in zip(values, widths) if isinstance(v, str)] or [1])
    return round(lines * LINE_POINTS * size / FONT_SIZE + PAD_POINTS, 2)


MARGIN = 0.6  # inches: 1,5 cm
HEADER_MARGIN = 0.5  # inches, of the header and the footer: openpyxl's default, kept by the xlsxwriter sheets
FOOTER, FOOTER_SIZE = "Страница &P из &N", 8
A4 = 9  # the paper size code of the file format (ECMA-376 §18.3.1.64)


def print_setup(ws, title_rows: str | None = None) -> None:
    """A4 landscape, fitted to the page width, header rows repeated on every page, page numbers below."""
    setup = ws.page_setup
    setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight = "landscape", A4, 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    margins = ws.page_margins
    margins.left = margins.right = margins.top = margins.bottom = MARGIN
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = FOOTER
    ws.oddFooter.center.size = FOOTER_SIZE


def print_setup_xlsxwriter(ws, title_rows: tuple[int, int] | None = None) -> None:
    """``print_setup`` for an xlsxwriter sheet, to the same file: ``title_rows`` count from 0."""
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=MARGIN, right=MARGIN, top=MARGIN, bottom=MARGIN)
    ws.set_header("", {"margin": HEADER_MARGIN})
    # the text openpyxl writes for a centred footer in size 8 (the space ends the size code)
    ws.set_footer(f"&C&{FOOTER_SIZE} {FOOTER}", {"margin": HEADER_MARGIN})
    if title_rows:
        ws.repeat_rows(*title_rows)


def column_width(width: float) -> float:
    """The width to give xlsxwriter's ``set_column`` so that the file says ``width``, as openpyxl's
    ``column_dimensions[…].width`` does: xlsxwriter adds Excel's 5-pixel padding of a Calibri 11 column
    (7 pixels a digit) to what it is given. Exact for whole widths, which are all the product uses."""
    return width - 5 / 7


def cell_format(number: str = "General", bold: bool = False, italic: bool = False, size: float = FONT_SIZE,
                box: bool = False, quoted: bool = False, **align) -> dict:
    """xlsxwriter's properties of a cell style as ``font``, ``BOX`` and an openpyxl ``Alignment`` make it:
    Arial, no theme colour or font family (openpyxl's ``Font`` writes neither), the grey grid, ``align``
    as xlsxwriter names it (``text_wrap``, ``valign``, ``align``)."""
    props = {"font_name": FONT_NAME, "font_size": size, "bold": bold, "italic": italic, "theme": -1, "font_family": 0, **align}
    if number != "General":
        props["num_format"] = number
    if box:
        props |= {"border": 1, "border_color": "#" + GRID_COLOR}
    if quoted:
        props["quote_prefix"] = True
    return props


def text_cell(cell, value: str) -> None:
    """Text exactly as typed, stored as a string (openpyxl would make «=…» a formula); one that a
    spreadsheet would run once edited or saved again as CSV gets Excel's own «'» marker, the cell's
    ``quotePrefix``, which is not part of the text (OWASP CSV Injection, see ``lib.domain.present``)."""
    cell.value = value
    cell.data_type = "s"
    if dangerous(value):
        cell.quotePrefix = True


def put(cell, value, decimals: int | None = 1, moment: bool = False) -> None:
    """One value into a cell: a number with its format, a date as a date, anything else as text."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return
    if isinstance(value, bool):
        text_cell(cell, "да" if value else "нет")
    elif isinstance(value, int | float):
        cell.value = float(value)
        cell.number_format = number_format(decimals)
    elif isinstance(value, dt.date):
        cell.value = value
        cell.number_format = MOMENT_FORMAT if moment else DATE_FORMAT
    else:
        text_cell(cell, str(value))


def cell_values(frame: pd.DataFrame) -> list[list]:
    """The rows of ``frame`` as Python values: numpy numbers as int/float, timestamps as datetimes."""
    out = []
    for row in frame.itertuples(index=False):
        values = []
        for v in row:
            if isinstance(v, pd.Timestamp):
                v = v.to_pydatetime()
            elif hasattr(v, "item") and not isinstance(v, str):
                v = v.item()
            values.append(v)
        out.append(values)
    return out


def write_table(ws, frame: pd.DataFrame, first_row: int, decimals: Mapping[str, int | None] | None = None,
                moments: Iterable[str] = ()) -> int:
    """``frame`` from ``first_row`` (its header in bold), each row as tall as its text needs in the
    sheet's column widths; returns the row after the last one written."""
    decimals, moments = spec(frame, decimals, moments)
    integer = {name for name in frame.columns if pd.api.types.is_integer_dtype(frame[name]) and not pd.api.types.is_bool_dtype(frame[name])}
    widths = [ws.column_dimensions[get_column_letter(j)].width or 13 for j in range(1, len(frame.columns) + 1)]
    header = [str(c) for c in frame.columns]
    for j, column in enumerate(header, start=1):
        cell = ws.cell(first_row, j)
        text_cell(cell, column)
        cell.font, cell.alignment, cell.border = font(bold=True), TOP, BOX
    ws.row_dimensions[first_row].height = row_height(header, widths)
    for i, values in enumerate(cell_values(frame), start=first_row + 1):
        for j, (name, value) in enumerate(zip(frame.columns, values), start=1):
            cell = ws.cell(i, j)
            put(cell, value, 0 if name in integer else decimals.get(name, 1), name in moments)
            cell.font, cell.alignment, cell.border = font(), TOP, BOX
        ws.row_dimensions[i].height = row_height(values, widths)
    return first_row + 1 + len(frame)


def column_widths(frame: pd.DataFrame, low: int = 10, high: int = 60) -> list[int]:
    """Widths that fit a column's usual content; a long header wraps onto two or three lines instead."""
    shown = texts(frame.head(500))
    out = []
    for j, column in enumerate(frame.columns):
        longest = max([len(str(column)) // 3 + 2, *shown.iloc[:, j].str.len().tolist()], default=low)
        out.append(max(low, min(high, longest + 2)))
    return out


def table_xlsx(frame: pd.DataFrame, title: str, sheet: str = "Таблица", decimals: Mapping[str, int | None] | None = None,
               moments: Iterable[str] = ()) -> bytes:
    """Any table of a page as an .xlsx file: a title, the header, the rows; printed landscape, fit to the width."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    text_cell(ws["A1"], title)
    ws["A1"].font = font(bold=True, size=12)
    for j, width in enumerate(column_widths(frame), start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    write_table(ws, frame, 3, decimals, moments)
    ws.freeze_panes = "A4"
    print_setup(ws, "3:3")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
