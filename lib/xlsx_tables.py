"""Any displayed table as an Excel file: Russian headers, numbers as numbers in # ##0.0, text as text."""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

NUMBER_FORMAT = "# ##0.0"


def table_xlsx(frame: pd.DataFrame, title: str, sheet: str = "Таблица") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=12)
    for j, column in enumerate(frame.columns, start=1):
        cell = ws.cell(3, j, str(column))
        cell.font = Font(bold=True)
        ws.column_dimensions[get_column_letter(j)].width = max(12, min(60, len(str(column)) + 4))
    for i, row in enumerate(frame.itertuples(index=False), start=4):
        for j, value in enumerate(row, start=1):
            cell = ws.cell(i, j)
            if value is None or (isinstance(value, float) and pd.isna(value)):
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                cell.value = float(value)
                cell.number_format = NUMBER_FORMAT
            else:
                cell.value = str(value)
                cell.data_type = "s"  # a user's "=…" stays text
    ws.freeze_panes = "A4"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
