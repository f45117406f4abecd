"""The quarterly workbook's former writer (openpyxl), kept only to prove the xlsxwriter one makes the
same workbook: ``lib.files.workbook.build(..., book=OpenpyxlBook)`` writes the same figures through it.
The classes below are lib/files/workbook.py's ``_styles`` and ``SheetWriter`` as of commit 00c0337, unchanged
but for the ``OpenpyxlBook`` wrapper that gives them ``lib.files.workbook.Book``'s interface."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, NamedStyle
from openpyxl.utils import get_column_letter

from lib.files.workbook import COUNT, EXACT, NUMBER, PERCENT, STYLE_OF, UNIT, Period
from lib.files.xlsx_tables import BOX, DATE_FORMAT, dangerous, font, print_setup, row_height, wrapped_lines


class OpenpyxlBook:
    def __init__(self):
        self.wb = Workbook()
        self.wb.remove(self.wb.active)
        _styles(self.wb)

    def sheet(self, *args, **kwargs) -> SheetWriter:
        return SheetWriter(self.wb, *args, **kwargs)

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.wb.save(out)
        return out.getvalue()


def _styles(wb: Workbook) -> None:
    """Cell styles registered once: assigning a named style is one lookup, not a hash per attribute."""
    top = Alignment(wrap_text=True, vertical="top")
    for name, number, bold in (("num", NUMBER, False), ("num_b", NUMBER, True), ("pct", PERCENT, False), ("pct_b", PERCENT, True),
                               ("cnt", COUNT, False), ("cnt_b", COUNT, True), ("exact", EXACT, False), ("exact_b", EXACT, True),
                               ("dec3", "0.000", False), ("dec3_b", "0.000", True), ("dec2", "0.00", False), ("dec2_b", "0.00", True),
                               ("date", DATE_FORMAT, False), ("date_b", DATE_FORMAT, True),
                               ("txt", "General", False), ("txt_b", "General", True)):
        wb.add_named_style(NamedStyle(name=name, number_format=number, font=font(bold=bold), border=BOX,
                                      alignment=top if name.startswith("txt") else Alignment(vertical="top")))
    centred = Alignment(wrap_text=True, vertical="center", horizontal="center")
    wb.add_named_style(NamedStyle(name="head", font=font(bold=True), border=BOX, alignment=centred))
    wb.add_named_style(NamedStyle(name="num_head", font=font(), border=BOX, alignment=Alignment(horizontal="center")))
    wb.add_named_style(NamedStyle(name="title", font=font(bold=True, size=12)))
    wb.add_named_style(NamedStyle(name="bold", font=font(bold=True)))
    wb.add_named_style(NamedStyle(name="plain", font=font()))
    wb.add_named_style(NamedStyle(name="note", font=font(italic=True, size=9), alignment=Alignment(wrap_text=True, vertical="top")))




class SheetWriter:
    """One sheet, written row by row: title block, a header, rows (text as text), totals in bold,
    print setup, signature. The table header is given to the constructor, which also fixes the
    frozen rows, the repeated print titles and the column widths. ``unit`` stands under the title
    only on a sheet with money; each row is as tall as its wrapped text needs."""

    def __init__(self, wb: Workbook, title: str, heading: str, district: str, period: Period, widths: list[int],
                 header: list[str], numbered: bool = False, unit: str | None = UNIT):
        self.ws = wb.create_sheet(title)
        self.widths = widths
        for j, w in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(j)].width = w
        first_header = 5
        self.ws.freeze_panes = f"A{first_header + 1 + int(numbered)}"
        print_setup(self.ws, f"{first_header}:{first_header + int(numbered)}")  # how the ministry prints it
        self.text(heading, style="title")
        self.text(f"{district} — {period.label}")
        self.text(unit or "")
        self.ws.append([])
        self.ws.append([self._cell(t, "head") for t in header])
        self.ws.row_dimensions[first_header].height = row_height(header, widths) + 4  # centred: a little air
        if numbered:
            self.ws.append([self._cell(j, "num_head") for j in range(1, len(header) + 1)])

    def _cell(self, value, style: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value=value)
        cell.style = style  # first: a named style sets the whole cell style, the quote prefix included
        if isinstance(value, str):
            cell.data_type = "s"  # user text: never a formula
            if dangerous(value):
                cell.quotePrefix = True
        return cell

    def _fit(self, values: list) -> None:
        """The row just written: as tall as its longest wrapped text (one line needs nothing)."""
        if any(isinstance(v, str) and wrapped_lines(v, w) > 1 for v, w in zip(values, self.widths)):
            self.ws.row_dimensions[self.ws.max_row].height = row_height(values, self.widths)

    def text(self, value: str, style: str = "plain") -> None:
        self.ws.append([self._cell(value, style)])

    def wide(self, value: str, style: str) -> None:
        """A line of text across the whole table (a footnote), wrapped to its width."""
        self.text(value, style)
        row = self.ws.max_row
        if len(self.widths) > 1:
            self.ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(self.widths))
        self.ws.row_dimensions[row].height = row_height([value], [sum(self.widths)], size=9)

    def heading_row(self, value: str) -> None:
        """A block title (organisation, period) in bold; not merged: merging thousands of ranges is slow."""
        self.text(value, style="bold")

    def line(self, values: list, bold: bool = False, formats: dict[int, str] | None = None) -> None:
        suffix = "_b" if bold else ""
        cells = []
        for j, value in enumerate(values, start=1):
            if value is None or (isinstance(value, float) and value != value):
                cells.append(self._cell(None, "txt" + suffix))
            elif isinstance(value, dt.date):
                cells.append(self._cell(value, "date" + suffix))
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(self._cell(value if isinstance(value, int) else float(value), STYLE_OF[(formats or {}).get(j, NUMBER)] + suffix))
            else:
                cells.append(self._cell(str(value), "txt" + suffix))
        self.ws.append(cells)
        self._fit(values)

    def empty(self) -> None:
        self.text("Нет данных за период.")

    def note(self, text: str | None) -> None:
        """A footnote under a block (an estimate in it, a filter that does not apply)."""
        if text:
            self.wide(f"* {text}", style="note")

    def finish(self, position: str, name: str) -> None:
        self.ws.append([])
        row = [self._cell(position, "plain")] + [None] * max(0, len(self.widths) - 3) + [self._cell(f"_____________ {name}", "plain")]
        self.ws.append(row)


