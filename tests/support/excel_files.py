"""Excel files as utilities fill them: the app's blank filled in, and the Annex 4 layout they send."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook


def fill(snap, data: bytes, monthly, structure) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Отчёт"]
    for i, r in enumerate(monthly.itertuples()):
        for j, k in enumerate(("debt_start", "accrued", "paid", "recovered_enforcement", "overdue", "written_off"), start=4):
            ws.cell(7 + i, j).value = getattr(r, k)
    ws["E7"].value = "1 000,000"  # typed as text with a space and a comma: still read
    ws = wb["Структура"]
    for i, r in enumerate(structure.itertuples()):
        for j, b in enumerate(("age_1_3", "age_3_12", "age_12_24", "age_24_36", "age_over_36"), start=5):
            ws.cell(7 + i, j).value = getattr(r, b)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def annex4_file(values: dict[str, list]) -> bytes:
    """The Annex 4 layout as utilities send it: merged header cells, spacer rows, text numbers."""
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "Информация о начислениях, сборе платежей и задолженности населения и прочих потребителей"
    ws["A3"] = "«01» января 2025 г."
    ws["A4"] = "ООО «Восточные энергетические сети»"
    ws["I5"] = "В тыс. руб."
    ws["A6"], ws["B6"], ws["C6"] = "№ п/п", "Потребители", "Задолженность за ЖКУ, 2024 год"
    ws.merge_cells("A6:A7")
    ws.merge_cells("B6:B7")
    ws.merge_cells("C6:I6")
    for col, title in zip("DEFGHI", ["Задолженность на начало отчетного месяца", "Начислено в отчетном месяце",
                                     "Оплачено в отчетном месяце", "Собираемость платежей в отчетном месяце (%)",
                                     "Сумма полученная по исполнительным производствам за отчетный месяц",
                                     "Сумма просроченной задолженности на отчетную дату"]):
        ws[f"{col}7"] = title
    for j in range(1, 10):
        ws.cell(8, j).value = str(j) if j % 2 else j  # numbers stored as text and as numbers
    row = 10  # row 9 left blank as a spacer
    for n, (label, cells) in enumerate(values.items(), start=1):
        ws.cell(row, 1).value = n
        ws.cell(row, 2).value = label
        for j, v in enumerate(cells, start=3):
            ws.cell(row, j).value = v
        row += 2  # another spacer
    ws.cell(row + 1, 1).value = "Директор предприятия                        подпись                      ФИО"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
