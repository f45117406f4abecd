"""The quarterly (or annual) workbook for the regional ministry.

Every figure comes from ``lib.dashboard.select``/``execute`` and the metric functions, so the
workbook's totals equal the dashboard's for the same period and filters. Text typed by users is
written as text (a value starting with ``= + - @`` never becomes a formula).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from lib import fmt, metrics
from lib.dashboard import Filters, execute, select
from lib.domain import BUCKET_LABELS, BUCKETS
from lib.filing import STATUS_LABELS as FILING_LABELS
from lib.periods import months_range, quarter_label, quarter_months
from lib.plan_rules import STATUS_LABELS as PLAN_LABELS

NUMBER = "# ##0.0"
PERCENT = "0.0"
BOLD = Font(bold=True)
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
GROUPS = (("population", "население"), ("other", "прочие потребители"))


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None  # None: the whole year
    cumulative: bool = False  # from January (form 22-ЖКХ), not the quarter alone

    @property
    def key(self) -> str:
        return f"{self.year}-Q{self.quarter}" if self.quarter else str(self.year)

    @property
    def months(self) -> list[str]:
        """The months of the quarter (or the year) itself: one block each in the Annex 4 sheet."""
        return quarter_months(self.key) if self.quarter else months_range(f"{self.year}-01", f"{self.year}-12")

    @property
    def scope(self) -> list[str]:
        """The months the totals cover: the quarter, or from January when cumulative."""
        return months_range(f"{self.year}-01", self.months[-1]) if self.cumulative else self.months

    @property
    def label(self) -> str:
        base = quarter_label(self.key) if self.quarter else f"{self.year} год"
        return base + (" (нарастающим итогом с января)" if self.cumulative and self.quarter else "")

    @property
    def total_label(self) -> str:
        if not self.quarter:
            return f"Итого за {self.year} год"
        return f"С начала года по {fmt.month_label(self.months[-1])}" if self.cumulative else f"Итого за {quarter_label(self.key)}"


def parse_period(quarter: str | None = None, year: int | None = None, cumulative: bool = False) -> Period:
    if quarter:
        text = quarter.strip().upper().replace("К", "Q")
        if len(text) != 7 or text[4:6] != "-Q" or not text[:4].isdigit() or text[6] not in "1234":
            raise ValueError(f"«{quarter}» — не квартал: ожидается ГГГГ-Qn, например 2024-Q1")
        return Period(int(text[:4]), int(text[6]), cumulative)
    if year:
        return Period(int(year), None, cumulative)
    raise ValueError("Укажите квартал (--quarter 2024-Q1) или год (--year 2024).")


def annex4_lines(monthly: pd.DataFrame, months: list[str]) -> list[dict]:
    """Columns 3–9 of Annex 4 for population, other consumers and the total, over ``months``.

    3: debt at the start of the year; 4: debt at the start of the period; 5: accrued; 6: paid;
    7: collection %; 8: recovered through enforcement; 9: overdue debt at the end of the period.
    """
    year_start = f"{months[0][:4]}-01"
    out = []
    for key, label in (*GROUPS, ("total", "Итого")):
        part = monthly if key == "total" else monthly[monthly.consumer_group == key]
        totals = metrics.monthly_totals(part[part.month.isin(months) | (part.month == year_start)]).set_index("month")
        within = totals[totals.index.isin(months)]
        accrued, paid = within.accrued.sum(), within.paid.sum()
        out.append({
            "label": label, "total": key == "total",
            "debt_year_start": totals.debt_start.get(year_start, float("nan")),
            "debt_start": totals.debt_start.get(months[0], float("nan")),
            "accrued": accrued, "paid": paid, "collection": metrics.collection_pct(paid, accrued),
            "recovered": within.recovered_enforcement.sum(), "overdue": totals.overdue.get(months[-1], float("nan")),
        })
    return out


class SheetWriter:
    """One sheet: title block, a header, rows (text as text), totals in bold, print setup, signature."""

    def __init__(self, wb: Workbook, title: str, heading: str, district: str, period: Period, widths: list[int], first: bool = False):
        self.ws = wb.active if first else wb.create_sheet()
        self.ws.title = title
        self.widths = widths
        self.row = 1
        self.text(heading, bold=True, size=12)
        self.text(f"{district} — {period.label}")
        self.text("тыс. руб.")
        self.row += 1

    def text(self, value: str, bold: bool = False, size: int | None = None) -> None:
        cell = self.ws.cell(self.row, 1)
        cell.value, cell.data_type = value, "s"
        cell.font = Font(bold=bold, size=size) if size else Font(bold=bold)
        self.row += 1

    def header(self, titles: list[str], numbered: bool = False) -> None:
        start = self.row
        for j, t in enumerate(titles, start=1):
            cell = self.ws.cell(self.row, j, t)
            cell.font, cell.border = BOLD, BOX
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        self.ws.row_dimensions[self.row].height = 80
        self.row += 1
        if numbered:
            for j in range(1, len(titles) + 1):
                cell = self.ws.cell(self.row, j, j)
                cell.alignment, cell.border = Alignment(horizontal="center"), BOX
            self.row += 1
        self.ws.freeze_panes = self.ws.cell(self.row, 1)
        self.ws.print_title_rows = f"{start}:{self.row - 1}"

    def line(self, values: list, bold: bool = False, formats: dict[int, str] | None = None) -> None:
        for j, value in enumerate(values, start=1):
            cell = self.ws.cell(self.row, j)
            if value is None or (isinstance(value, float) and value != value):
                cell.value = None
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                cell.value = float(value)
                cell.number_format = (formats or {}).get(j, NUMBER)
            else:
                cell.value, cell.data_type = str(value), "s"  # user text: never a formula
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = BOX
            if bold:
                cell.font = BOLD
        self.row += 1

    def merged(self, value: str, width: int) -> None:
        cell = self.ws.cell(self.row, 1)
        cell.value, cell.data_type, cell.font = value, "s", BOLD
        self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=width)
        self.row += 1

    def empty(self) -> None:
        self.text("Нет данных за период.")

    def finish(self, position: str, name: str) -> None:
        self.row += 1
        cell = self.ws.cell(self.row, 1)
        cell.value, cell.data_type = position, "s"
        cell = self.ws.cell(self.row, max(2, len(self.widths) - 1))
        cell.value, cell.data_type = f"_____________ {name}", "s"
        for j, w in enumerate(self.widths, start=1):
            self.ws.column_dimensions[get_column_letter(j)].width = w
        setup = self.ws.page_setup
        setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight = "landscape", 9, 1, 0
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True


def build(snapshot, period: Period, settings, today: dt.date, progress: Callable[[float, str], None] | None = None,
          filters: Filters | None = None) -> bytes:
    """The workbook as bytes. ``filters`` narrow it like the dashboard's (period comes from ``period``)."""
    step = progress or (lambda _f, _t: None)
    base = filters or Filters(period.scope[0], period.scope[-1])
    filters = Filters(period.scope[0], period.scope[-1], base.settlements, base.utilities, base.kinds, base.groups, base.resources)
    district, position, name = settings["district_name"], settings["coordinator_position"], settings["coordinator_name"]
    names = dict(zip(snapshot.current("participants").id, snapshot.current("participants").name))
    step(0.05, "Расчёт показателей")
    result = execute(snapshot, filters, settings, today)
    # the year-start column needs January even for a quarter alone
    monthly = select(snapshot, Filters(f"{period.year}-01", period.scope[-1], *_who_and_what(filters))).monthly
    wb = Workbook()

    step(0.2, "Сводная форма")
    s = SheetWriter(wb, "Сводная форма", "Информация о начислениях, сборе платежей и задолженности населения и прочих "
                    "потребителей (приложение 4)", district, period, [6, 24, 16, 16, 16, 16, 14, 16, 16], first=True)
    s.header(["№ п/п", "Потребители", f"Задолженность за ЖКУ на начало {period.year} года", "Задолженность на начало отчётного периода",
              "Начислено в отчётном периоде", "Оплачено в отчётном периоде", "Собираемость платежей (%)",
              "Сумма, полученная по исполнительным производствам", "Сумма просроченной задолженности на отчётную дату"], numbered=True)
    if monthly.empty:
        s.empty()
    blocks = [(fmt.month_label(m).capitalize(), [m]) for m in period.months] + [(period.total_label, period.scope)]
    utilities = sorted(monthly.participant_id.unique(), key=lambda p: names.get(p, p))
    for who, part in [(names.get(u, u), monthly[monthly.participant_id == u]) for u in utilities] + [("Всего по району", monthly)]:
        if part.empty:
            continue
        s.merged(who, 9)
        for label, months in blocks:
            s.merged(f"   {label}", 9)
            for i, ln in enumerate(annex4_lines(part, months), start=1):
                s.line([str(i) if not ln["total"] else "", ln["label"], ln["debt_year_start"], ln["debt_start"], ln["accrued"], ln["paid"],
                        ln["collection"], ln["recovered"], ln["overdue"]], bold=ln["total"], formats={7: PERCENT})
    s.finish(position, name)

    step(0.4, "По поселениям")
    s = SheetWriter(wb, "По поселениям", "Задолженность по поселениям", district, period, [36, 16, 16, 16, 14, 16, 16, 16])
    s.header(["Поселение", "Задолженность на начало периода", "Начислено", "Оплачено", "Собираемость, %",
              "Получено по ИП", "Просроченная задолженность", "Задолженность на конец периода"])
    scope = monthly[monthly.month.isin(period.scope)]
    if scope.empty:
        s.empty()
    else:
        for settlement, part in sorted(scope.groupby("settlement_id"), key=lambda kv: names.get(kv[0], kv[0])):
            s.line(_settlement_line(names.get(settlement, settlement), part, period.scope), formats={5: PERCENT})
        s.line(_settlement_line("Итого", scope, period.scope), bold=True, formats={5: PERCENT})
    s.finish(position, name)

    step(0.55, "Структура")
    last = period.scope[-1]
    s = SheetWriter(wb, "Структура по срокам", f"Просроченная задолженность по срокам на конец {fmt.month_label(last)}",
                    district, period, [36, *[15] * len(BUCKETS), 15, 12])
    s.header(["Организация", *[BUCKET_LABELS[b] for b in BUCKETS], "Всего", "Старше 12 мес., %"])
    structure = select(snapshot, filters).structure
    structure = structure[structure.month == last]
    if structure.empty:
        s.empty()
    else:
        for u, part in sorted(structure.groupby("participant_id"), key=lambda kv: names.get(kv[0], kv[0])):
            s.line(_aging_line(names.get(u, u), part, last), formats={7: PERCENT})
        s.line(_aging_line("Итого", structure, last), bold=True, formats={7: PERCENT})
    s.finish(position, name)

    step(0.65, "По ресурсам")
    resources = snapshot.schema["debt_structure"].column("resource").labels
    s = SheetWriter(wb, "По ресурсам", f"Просроченная задолженность по ресурсам на конец {fmt.month_label(last)}",
                    district, period, [40, 18, 12])
    s.header(["Ресурс", "Просроченная задолженность", "Доля, %"])
    if result.resources.empty:
        s.empty()
    else:
        total = result.resources.amount.sum()
        for r in result.resources.itertuples():
            s.line([resources.get(r.resource, r.resource), r.amount, r.amount / total * 100 if total else None], formats={3: PERCENT})
        s.line(["Итого", total, 100.0], bold=True, formats={3: PERCENT})
    s.finish(position, name)

    step(0.75, "Претензионная работа")
    s = SheetWriter(wb, "Претензионная работа", "Претензионно-исковая работа", district, period, [36] + [13] * 10)
    s.header(["Организация", "Должников свыше порога", "Уведомлений", "Заявлений в суд", "Сумма заявлений", "Решений (приказов)",
              "Сумма решений", "ИД приставам", "Сумма ИД", "Заявлений на должника", "ИД на решение"])
    claims = select(snapshot, filters).claims
    claims = claims[claims.month.isin(period.scope)]
    if claims.empty:
        s.empty()
    else:
        for u, part in sorted(claims.groupby("participant_id"), key=lambda kv: names.get(kv[0], kv[0])):
            s.line(_claims_line(names.get(u, u), part, monthly, period.scope), formats={10: "0.000", 11: "0.00"})
        s.line(_claims_line("Итого", claims, monthly, period.scope), bold=True, formats={10: "0.000", 11: "0.00"})
    s.finish(position, name)

    step(0.85, "Исполнение плана")
    s = SheetWriter(wb, "Исполнение плана", "Исполнение плана мероприятий", district, period, [8, 60, 34, 14, 16, 14, 50])
    s.header(["№ п/п", "Мероприятие", "Исполнитель", "Период", "Состояние", "Значение индикатора", "Что сделано"])
    if result.plan.empty:
        s.empty()
    for r in result.plan.itertuples():
        s.line([r.item_no if isinstance(r.item_no, str) else "", r.measure, names.get(r.participant_id, r.participant_id),
                quarter_label(r.period) if "-Q" in r.period else fmt.month_label(r.period), PLAN_LABELS.get(r.status, r.status),
                r.indicator_value, r.done_text if isinstance(r.done_text, str) else ""])
    s.finish(position, name)

    step(0.92, "Сдача отчётов и качество данных")
    s = SheetWriter(wb, "Сдача отчётов", "Участники, не сдавшие отчёт в срок (до 10 числа)", district, period, [44, 18, 20, 16])
    s.header(["Участник", "Месяц", "Состояние", "Подан"])
    late = result.filing[result.filing.status.isin(["late", "missing", "returned"])]
    if late.empty:
        s.text("Все отчёты сданы в срок.")
    for r in late.itertuples():
        s.line([names.get(r.participant_id, r.participant_id), fmt.month_label(r.month), FILING_LABELS[r.status],
                fmt.date_ru(r.filed_on) if r.filed_on else ""])
    s.finish(position, name)

    s = SheetWriter(wb, "Качество данных", "Замечания к данным, не устранённые на дату выгрузки", district, period, [34, 28, 14, 30, 60])
    s.header(["Участник", "Поселение", "Месяц", "Поле", "Что не так"])
    if result.quality.empty:
        s.text("Замечаний нет.")
    for r in result.quality.itertuples():
        s.line([names.get(r.participant_id, r.participant_id), names.get(r.settlement_id, r.settlement_id), fmt.month_label(r.month),
                r.field, r.message])
    s.finish(position, name)

    step(1.0, "Готово")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _who_and_what(filters: Filters) -> tuple:
    """The filters other than the period."""
    return (filters.settlements, filters.utilities, filters.kinds, filters.groups, filters.resources)


def _settlement_line(label: str, part: pd.DataFrame, months: list[str]) -> list:
    totals = metrics.monthly_totals(part).set_index("month")
    within = totals[totals.index.isin(months)]
    accrued, paid = within.accrued.sum(), within.paid.sum()
    return [label, totals.debt_start.get(months[0]), accrued, paid, metrics.collection_pct(paid, accrued),
            within.recovered_enforcement.sum(), totals.overdue.get(months[-1]), totals.debt_end.get(months[-1])]


def _aging_line(label: str, part: pd.DataFrame, month: str) -> list:
    amounts = [part[b].sum() for b in BUCKETS]
    return [label, *amounts, sum(amounts), metrics.share_older_than_12(part, month)]


def _claims_line(label: str, claims: pd.DataFrame, monthly: pd.DataFrame, months: list[str]) -> list:
    f = metrics.claims_funnel(claims, monthly, months)
    c = f["stages"].set_index("stage")["count"]
    return [label, c["debtors_over_threshold"], c["notices_sent"], c["court_applications"], f["applications_sum"],
            c["court_decisions"], f["decisions_sum"], c["writs_sent"], f["writs_sum"], f["applications_per_debtor"], f["writs_per_decision"]]


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record(period: Period, data: bytes, file_name: str) -> dict:
    """The row of the «Выгрузки» tab that says this file was sent."""
    return {"export_id": f"{period.key}-{checksum(data)[:12]}", "period": period.key,
            "mode": "cumulative" if period.cumulative else "quarter", "file_name": file_name, "checksum": checksum(data)}


def file_name(period: Period, district: str) -> str:
    return f"{district} — задолженность ЖКУ — {period.key}{' нарастающим' if period.cumulative else ''}.xlsx"
