"""The quarterly (or annual) workbook for the regional ministry.

Every figure comes from ``lib.domain.summary.select``/``execute`` and the metric functions, so the
workbook's totals equal the dashboard's for the same period and filters. Text typed by users is
written as text (a value starting with ``= + - @`` never becomes a formula, see ``lib.files.xlsx_tables``).

How it prints (the rules are in ``lib.files.xlsx_tables``): A4 landscape fitted to the width, the header
rows on every page, Arial 10, each row as tall as its wrapped text; «тыс. руб.» only on the sheets
with money; «№ п/п» and every figure stored as a number.

Written with xlsxwriter (``Book``), which writes the region's workbook about four times faster than
openpyxl; the file is the one openpyxl wrote, cell by cell and attribute by attribute
(tests/test_export_writer.py keeps the former writer to prove it). openpyxl still reads uploads.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from lib.core import fmt, heap
from lib.domain import estimates, metrics, quality
from lib.domain.categories import BUCKET_LABELS, BUCKETS, resource_labels
from lib.domain.filing import status_text
from lib.domain.periods import months_range, period_label, quarter_label, quarter_months
from lib.domain.plan_rules import STATUS_LABELS as PLAN_LABELS
from lib.domain.summary import Filters, execute, open_warnings, select
from lib.files.xlsx_tables import (
    DATE_FORMAT,
    FONT_SIZE,
    cell_format,
    column_width,
    dangerous,
    line_chars,
    number_format,
    print_setup_xlsxwriter,
    row_height,
    wrapped_lines,
)

NUMBER = number_format(1)  # thousands of rubles: «1 234,5» in a Russian Excel
COUNT = number_format(0)
EXACT = number_format(None)  # a number typed by a person (an indicator value): every digit they typed
PERCENT = "0.0"
UNIT = "тыс. руб."
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


ANNEX4_FIELDS = ("debt_year_start", "debt_start", "accrued", "paid", "collection", "recovered", "overdue")


def plain_records(frame: pd.DataFrame) -> list[dict]:
    """``frame.to_dict("records")`` with the text columns converted first, in one pass each: a text column
    is Arrow-backed in pandas 3, and handing its values out one by one cost ≈ 5 µs a value (2 s of the
    large district's workbook)."""
    text = {c: object for c in frame.columns if isinstance(frame[c].dtype, pd.StringDtype)}
    return (frame.astype(text) if text else frame).to_dict("records")


def annex4_table(monthly: pd.DataFrame, blocks: list[tuple[str, list[str]]], year: int) -> pd.DataFrame:
    """Columns 3–9 of Annex 4 for every organisation (and «all») × period block × consumer group (and «total»).

    3: debt at the start of the year; 4: debt at the start of the block; 5: accrued; 6: paid;
    7: collection %; 8: recovered through enforcement; 9: overdue debt at the block's last month.
    Built from ``metrics.totals_by`` (the dashboard's arithmetic) in one pass per block.
    """
    per = metrics.totals_by(monthly, ["participant_id", "consumer_group"])
    whole = metrics.totals_by(monthly, ["consumer_group"]).assign(participant_id="__all__", estimated=False, all_estimated=False)
    per = pd.concat([per, whole], ignore_index=True)
    per["all_estimated"] = per["all_estimated"].astype(bool)
    per = pd.concat([per, per.groupby(["participant_id", "month"], as_index=False).agg(
        **{f: (f, "sum") for f in metrics.MONTHLY_SUMS}, all_estimated=("all_estimated", "all")).assign(consumer_group="total")],
        ignore_index=True)
    keyed = per.set_index(["participant_id", "consumer_group", "month"])
    key = ["participant_id", "consumer_group"]
    pieces = []
    known = set(per.month.unique().tolist())
    for order, (label, months) in enumerate(blocks):
        inside = per[per.month.isin(months)]
        within = inside.groupby(key)[["accrued", "paid", "recovered_enforcement"]].sum()
        point = lambda month, field: keyed[field].xs(month, level="month") if month in known else None
        frame = within.rename(columns={"recovered_enforcement": "recovered"})
        # an organisation without a single report in the block: its flows are unknown, not zero (lib.domain.estimates)
        guessed = inside.groupby(key).all_estimated.all().reindex(frame.index).fillna(False).astype(bool)
        frame.loc[guessed, ["accrued", "paid", "recovered"]] = float("nan")
        for name, month, field in (("debt_year_start", f"{year}-01", "debt_start"), ("debt_start", months[0], "debt_start"),
                                   ("overdue", months[-1], "overdue")):
            values = point(month, field)
            frame[name] = values.reindex(frame.index) if values is not None else float("nan")
        frame["collection"] = metrics.collection_pct(frame.paid, frame.accrued)
        pieces.append(frame.reset_index().assign(block=label, block_order=order))
    if not pieces:
        return pd.DataFrame(columns=[*key, "block", "block_order", *ANNEX4_FIELDS])
    return pd.concat(pieces, ignore_index=True)


TOP, CENTRED, WRAPPED = {"valign": "top"}, {"text_wrap": True, "valign": "vcenter", "align": "center"}, {"text_wrap": True, "valign": "top"}
# Every cell style of the workbook: name → (number format, bold, italic, size, grid border, alignment).
# A number style has a bold twin («_b») for totals; text wraps within its column.
STYLES = {
    **{name + suffix: (number, bool(suffix), False, FONT_SIZE, True, WRAPPED if name == "txt" else TOP)
       for name, number in (("num", NUMBER), ("pct", PERCENT), ("cnt", COUNT), ("exact", EXACT), ("dec3", "0.000"),
                            ("dec2", "0.00"), ("date", DATE_FORMAT), ("txt", "General")) for suffix in ("", "_b")},
    "head": ("General", True, False, FONT_SIZE, True, CENTRED),
    "num_head": ("General", False, False, FONT_SIZE, True, {"align": "center"}),
    "title": ("General", True, False, 12, False, {}),
    "bold": ("General", True, False, FONT_SIZE, False, {}),
    "plain": ("General", False, False, FONT_SIZE, False, {}),
    "note": ("General", False, True, 9, False, WRAPPED),
}
STYLE_OF = {NUMBER: "num", PERCENT: "pct", COUNT: "cnt", EXACT: "exact", "0.000": "dec3", "0.00": "dec2"}
EXCEL_TEXT_LIMIT = 32_767  # characters in one cell: Excel's limit (xlsxwriter would cut the text)


class Book:
    """The workbook, written with xlsxwriter (about four times faster than openpyxl here, issue 16): one
    format object per cell style, made on first use; text always through ``write_string``."""

    def __init__(self):
        self.out = io.BytesIO()
        # nothing typed is ever read as a formula, a link or a number: every cell is written by its type
        self.wb = xlsxwriter.Workbook(self.out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                                  "strings_to_numbers": False})
        self.formats: dict[tuple[str, bool], object] = {}

    def sheet(self, *args, **kwargs) -> SheetWriter:
        return SheetWriter(self, *args, **kwargs)

    def format(self, style: str, quoted: bool = False):
        """The format of a named style; ``quoted``: with Excel's «'» marker (``quotePrefix``) for text that
        a spreadsheet would otherwise run (``lib.files.xlsx_tables.text_cell``)."""
        key = (style, quoted)
        if key not in self.formats:
            number, bold, italic, size, box, align = STYLES[style]
            self.formats[key] = self.wb.add_format(cell_format(number, bold=bold, italic=italic, size=size, box=box, quoted=quoted, **align))
        return self.formats[key]

    def bytes(self) -> bytes:
        self.wb.close()
        return self.out.getvalue()


class SheetWriter:
    """One sheet, written row by row: title block, a header, rows (text as text), totals in bold,
    print setup, signature. The table header is given to the constructor, which also fixes the
    frozen rows, the repeated print titles and the column widths. ``unit`` stands under the title
    only on a sheet with money; each row is as tall as its wrapped text needs. Rows count from 0
    here, as in xlsxwriter."""

    def __init__(self, book: Book, title: str, heading: str, district: str, period: Period, widths: list[int],
                 header: list[str], numbered: bool = False, unit: str | None = UNIT):
        self.book, self.widths, self.row = book, widths, 0  # ``row``: the next row to write
        self.one_line = [line_chars(w) for w in widths]
        self.ws = book.wb.add_worksheet(title)
        for j, w in enumerate(widths):
            self.ws.set_column(j, j, column_width(w))
        head = 4  # the fifth row
        self.ws.freeze_panes(head + 1 + int(numbered), 0)
        print_setup_xlsxwriter(self.ws, (head, head + int(numbered)))  # how the ministry prints it
        self.text(heading, style="title")
        self.text(f"{district} — {period.label}")
        self.text(unit or "")
        self.row += 1
        self._append([(t, "head") for t in header])
        self.ws.set_row(head, row_height(header, widths) + 4)  # centred: a little air
        if numbered:
            self._append([(j, "num_head") for j in range(1, len(header) + 1)])

    def _append(self, cells: list) -> None:
        """One row of (value, style) pairs from the first column; None instead of a pair leaves a cell out."""
        for j, cell in enumerate(cells):
            if cell is not None:
                self._put(j, *cell)
        self.row += 1

    def _put(self, col: int, value, style: str) -> None:
        ws, row = self.ws, self.row
        if isinstance(value, str) and value:
            if len(value) > EXCEL_TEXT_LIMIT:  # refuse rather than cut what someone wrote
                limit = f"{EXCEL_TEXT_LIMIT:,}".replace(",", "\u00a0")
                raise ValueError(f"Лист «{ws.name}», ячейка {xl_rowcol_to_cell(row, col)}: текст длиннее {limit} знаков — "
                                 "столько Excel в одной ячейке не хранит.")
            # a CR reached every reader of openpyxl's file as a line break (XML 1.0 §2.11 turns CR and CRLF
            # into LF); xlsxwriter would keep it as «_x000D_», a character Excel does not show as one
            text = value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value
            ws.write_string(row, col, text, self.book.format(style, dangerous(value)))
        elif value is None or value == "" or value is pd.NaT:  # an empty cell in its style, as openpyxl wrote them
            ws.write_blank(row, col, None, self.book.format(style))
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, self.book.format(style))
        elif isinstance(value, dt.date):
            ws.write_datetime(row, col, value, self.book.format(style))
        else:
            ws.write_number(row, col, value, self.book.format(style))

    def _fit(self, values: list) -> None:
        """The row just written: as tall as its longest wrapped text (one line needs nothing). A text with no
        line break or tab and no longer than a line is one line: most cells, decided without counting."""
        if any(isinstance(v, str) and (len(v) > short or "\n" in v or "\t" in v) and wrapped_lines(v, w) > 1
               for v, w, short in zip(values, self.widths, self.one_line)):
            self.ws.set_row(self.row - 1, row_height(values, self.widths))

    def text(self, value: str, style: str = "plain") -> None:
        self._append([(value, style)])

    def wide(self, value: str, style: str) -> None:
        """A line of text across the whole table (a footnote), wrapped to its width."""
        row = self.row
        if len(self.widths) > 1:
            self.ws.merge_range(row, 0, row, len(self.widths) - 1, "", self.book.format(style))
        self.text(value, style)  # after the merge: the first cell's value and format are this text's
        self.ws.set_row(row, row_height([value], [sum(self.widths)], size=9))

    def heading_row(self, value: str) -> None:
        """A block title (organisation, period) in bold; not merged: merging thousands of ranges is slow."""
        self.text(value, style="bold")

    def line(self, values: list, bold: bool = False, formats: dict[int, str] | None = None) -> None:
        # the hot loop of a large workbook (hundreds of thousands of figures): empties and numbers are written
        # here directly, dates and text through ``_put`` with its checks; the cells are those ``_put`` writes
        suffix = "_b" if bold else ""
        ws, row, style_of = self.ws, self.row, self.book.format
        text = False  # only a text can need a taller row
        for col, value in enumerate(values):
            if value is None or (isinstance(value, float) and value != value):
                ws.write_blank(row, col, None, style_of("txt" + suffix))
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                style = STYLE_OF[formats.get(col + 1, NUMBER)] if formats else "num"
                ws.write_number(row, col, value if isinstance(value, int) else float(value), style_of(style + suffix))
            elif isinstance(value, dt.date):
                self._put(col, value, "date" + suffix)
            else:
                self._put(col, str(value), "txt" + suffix)
                text = True
        self.row += 1
        if text:
            self._fit(values)

    def empty(self) -> None:
        self.text("Нет данных за период.")

    def note(self, text: str | None) -> None:
        """A footnote under a block (an estimate in it, a filter that does not apply)."""
        if text:
            self.wide(f"* {text}", style="note")

    def finish(self, position: str, name: str) -> None:
        self.row += 1
        self._append([(position, "plain")] + [None] * max(0, len(self.widths) - 3) + [(f"_____________ {name}", "plain")])


def item_number(text) -> int | str:
    """«№ п/п» as printed in the plan: a number where it is one («5»), the text otherwise («12а»)."""
    if isinstance(text, str) and text.strip().isdigit():
        return int(text.strip())
    return text if isinstance(text, str) else ""


def _period_filters(period: Period, filters: Filters | None) -> Filters:
    """The dashboard's filters narrowed to the months of ``period``."""
    base = filters or Filters(period.scope[0], period.scope[-1])
    return Filters(period.scope[0], period.scope[-1], base.settlements, base.utilities, base.kinds, base.groups, base.resources)


@dataclass(frozen=True)
class Readiness:
    """What the workbook of a period will say about itself, shown before it is made."""

    missing: int  # organisation-months without a report
    returned: int  # reports sent back for correction
    late: int  # filed after the deadline
    warnings: int  # data-quality warnings still open

    def text(self, period: Period) -> str:
        found = [f"{what} — {n}" for what, n in (("не подано отчётов", self.missing), ("на доработке", self.returned),
                                                  ("сдано с опозданием", self.late), ("замечаний к данным", self.warnings)) if n]
        if not found:
            return f"За {period.label} все отчёты сданы в срок, замечаний к данным нет."
        estimate = (" Долг и просроченная задолженность не сдавших войдут оценкой по их последнему отчёту, с пометкой под блоком."
                    if self.missing else "")
        return f"За {period.label}: {', '.join(found)}. Всё это будет в листах «Сдача отчётов» и «Качество данных».{estimate}"


def readiness(snapshot, period: Period, settings, today: dt.date, filters: Filters | None = None) -> Readiness:
    """The figures the workbook's last two sheets list, counted by the same ``execute`` the workbook uses —
    so the click on «Сформировать» reuses what the page already computed (``lib.core.memo.recent``)."""
    result = execute(snapshot, _period_filters(period, filters), settings, today)
    status = result.filing.status.value_counts() if len(result.filing) else {}
    return Readiness(int(status.get("missing", 0)), int(status.get("returned", 0)), int(status.get("late", 0)),
                     len(result.quality))


def build(snapshot, period: Period, settings, today: dt.date, progress: Callable[[float, str], None] | None = None,
          filters: Filters | None = None, book: Callable[[], Book] = Book) -> bytes:
    """The workbook as bytes. ``filters`` narrow it like the dashboard's (period comes from ``period``);
    ``book`` makes the writer (the tests and the bench pass another with the same interface)."""
    with heap.cyclic_gc_paused():  # a million cells' objects, walked again and again otherwise (lib.core.heap)
        return _build(snapshot, period, settings, today, progress, filters, book)


@dataclass
class _Parts:
    """What every sheet of one workbook reads: the figures of the period's filters, computed once in ``_build``."""

    snapshot: object
    period: Period
    settings: dict
    filters: Filters
    names: dict
    lines: object
    result: object
    monthly: pd.DataFrame
    noted: list
    warned: pd.DataFrame
    chosen: object
    structure: pd.DataFrame  # the aging lines of the period's last month
    last: str

    @property
    def signature(self) -> tuple[str, str]:
        return self.settings["coordinator_position"], self.settings["coordinator_name"]

    def sheet(self, wb: Book, *args, **kwargs):
        return wb.sheet(args[0], args[1], self.settings["district_name"], self.period, *args[2:], **kwargs)

    def footnote(self, months: list[str], who: str | None = None, found: list | None = None) -> str | None:
        """The sentence under a block: the estimates and returned reports among its months (one organisation's, or all)."""
        pool = found if found is not None else self.noted if who is None else [n for n in self.noted if n.participant_id == who]
        return estimates.footnote([n for n in pool if n.month in months and (who is None or n.participant_id == who)], self.names)

    def warning(self, months: list[str], who: str | None = None) -> str | None:
        """Open quality warnings on the values a block sums, as beside the dashboard's tiles."""
        pool = self.warned if who is None or not len(self.warned) else self.warned[self.warned.participant_id == who]
        return quality.warning_text(quality.within(pool, months), self.names, where="лист «Качество данных»")


def _build(snapshot, period: Period, settings, today: dt.date, progress: Callable[[float, str], None] | None,
           filters: Filters | None, book: Callable[[], Book]) -> bytes:
    step = progress or (lambda _f, _t: None)
    filters = _period_filters(period, filters)
    people = snapshot.current("participants")
    names = dict(zip(people.id.tolist(), people.name.tolist()))  # lists: an Arrow column's values one by one are slow
    step(0.05, "Расчёт показателей")
    lines = estimates.lines(snapshot)  # one rule for missing and returned reports, as on the dashboard
    result = execute(snapshot, filters, settings, today)  # the dashboard's figures of these filters, if it has them
    # the year-start column needs January even for a quarter alone
    monthly = select(snapshot, Filters(f"{period.year}-01", period.scope[-1], *_who_and_what(filters)), lines=lines).monthly
    months = sorted(set(period.scope) | set(period.months))
    noted = estimates.notes(monthly, lines.coverage, months)
    warned = quality.within(open_warnings(snapshot, filters, lines), months)
    if "debt" in result.limits:  # the monthly report has no resources: no district figures beside filtered ones
        monthly = monthly.iloc[0:0]
    chosen = select(snapshot, filters, lines=lines)  # one selection for the aging and the claims sheets
    last = period.scope[-1]
    parts = _Parts(snapshot, period, settings, filters, names, lines, result, monthly, noted, warned, chosen,
                   chosen.structure[chosen.structure.month == last], last)
    wb = book()
    for at, title, write in ((0.2, "Сводная форма", _annex4_sheet), (0.4, "По поселениям", _settlements_sheet),
                             (0.55, "Структура", _aging_sheet), (0.65, "По ресурсам", _resources_sheet),
                             (0.75, "Претензионная работа", _claims_sheet), (0.85, "Исполнение плана", _plan_sheet),
                             (0.92, "Сдача отчётов и качество данных", _filing_sheet), (None, None, _quality_sheet)):
        if at is not None:
            step(at, title)
        write(wb, parts)
    step(1.0, "Готово")
    return wb.bytes()


def _annex4_sheet(wb: Book, p: _Parts) -> None:
    period, names, limits = p.period, p.names, p.result.limits
    s = p.sheet(wb, "Сводная форма", "Информация о начислениях, сборе платежей и задолженности населения и прочих "
                "потребителей (приложение 4)", [6, 24, 16, 16, 16, 16, 14, 16, 16],
                ["№ п/п", "Потребители", f"Задолженность за ЖКУ на начало {period.year} года",
                 "Задолженность на начало отчётного периода", "Начислено в отчётном периоде", "Оплачено в отчётном периоде",
                 "Собираемость платежей (%)", "Сумма, полученная по исполнительным производствам",
                 "Сумма просроченной задолженности на отчётную дату"], numbered=True)
    s.note(limits.get("debt"))
    if p.monthly.empty:
        s.empty()
    blocks = [(fmt.month_label(m).capitalize(), [m]) for m in period.months] + [(period.total_label, period.scope)]
    block_months = dict(blocks)
    table = annex4_table(p.monthly, blocks, period.year)
    labels = dict((*GROUPS, ("total", "Итого")))
    order = {"population": 0, "other": 1, "total": 2}
    table = table.assign(g=table.consumer_group.map(order)).sort_values(["block_order", "g"])
    utilities = sorted((u for u in table.participant_id.unique().tolist() if u != "__all__"), key=lambda u: names.get(u, u))
    records: dict[str, list[dict]] = {}
    for r in plain_records(table):  # plain records: one pass, no per-block DataFrame work
        records.setdefault(r["participant_id"], []).append(r)
    for who in [*utilities, "__all__"] if len(table) else []:
        s.heading_row("Всего по району" if who == "__all__" else names.get(who, who))
        whose = None if who == "__all__" else who
        block, i, label = None, 0, None
        for r in records[who]:
            if r["block_order"] != block:
                if label is not None:
                    s.note(p.footnote(block_months[label], whose))
                    s.note(p.warning(block_months[label], whose))
                block, i, label = r["block_order"], 0, r["block"]
                s.heading_row(f"   {r['block']}")
            i += 1
            total = r["consumer_group"] == "total"
            s.line([i if not total else None, labels[r["consumer_group"]], r["debt_year_start"], r["debt_start"], r["accrued"],
                    r["paid"], r["collection"], r["recovered"], r["overdue"]], bold=total, formats={1: COUNT, 7: PERCENT})
        if label is not None:
            s.note(p.footnote(block_months[label], whose))
            s.note(p.warning(block_months[label], whose))
    s.finish(*p.signature)


def _settlements_sheet(wb: Book, p: _Parts) -> None:
    period, names = p.period, p.names
    s = p.sheet(wb, "По поселениям", "Задолженность по поселениям", [36, 16, 16, 16, 14, 16, 16, 16],
                ["Поселение", "Задолженность на начало периода", "Начислено", "Оплачено", "Собираемость, %",
                 "Получено по ИП", "Просроченная задолженность", "Задолженность на конец периода"])
    scope = p.monthly[p.monthly.month.isin(period.scope)]
    s.note(p.result.limits.get("debt"))
    if scope.empty:
        s.empty()
    else:
        lines_by = settlement_lines(metrics.totals_by(scope, ["settlement_id"]), period.scope)
        for settlement in sorted(lines_by, key=lambda k: names.get(k, k)):
            s.line([names.get(settlement, settlement), *lines_by[settlement]], formats={5: PERCENT})
        s.line(_settlement_line("Итого", metrics.totals_by(scope, []), period.scope), bold=True, formats={5: PERCENT})
        s.note(p.footnote(period.scope, found=estimates.notes(scope, p.lines.coverage, period.scope)))
    s.finish(*p.signature)


def _aging_sheet(wb: Book, p: _Parts) -> None:
    names, last, structure = p.names, p.last, p.structure
    s = p.sheet(wb, "Структура по срокам", f"Просроченная задолженность по срокам на конец {fmt.month_label(last, 'gen')}",
                [36, *[15] * len(BUCKETS), 15, 12], ["Организация", *[BUCKET_LABELS[b] for b in BUCKETS], "Всего", "Старше 12 мес., %"])
    if structure.empty:
        s.empty()
    else:
        per = structure.groupby("participant_id")[list(BUCKETS)].sum()
        per["total"] = per.sum(axis=1)
        per["older"] = per[list(metrics.OLDER_THAN_12)].sum(axis=1) / per.total.where(per.total > 0) * 100
        rows = per.to_dict("index")  # one conversion, not a row lookup per organisation
        for u in sorted(rows, key=lambda k: names.get(k, k)):
            r = rows[u]
            s.line([names.get(u, u), *[r[b] for b in BUCKETS], r["total"], r["older"]], formats={8: PERCENT})
        s.line(_aging_line("Итого", structure, last), bold=True, formats={8: PERCENT})
        s.note(p.footnote([last], found=estimates.notes(structure, p.lines.coverage, [last])))
    s.finish(*p.signature)


def _resources_sheet(wb: Book, p: _Parts) -> None:
    last, found = p.last, p.result.resources
    resources = resource_labels()
    s = p.sheet(wb, "По ресурсам", f"Просроченная задолженность по ресурсам на конец {fmt.month_label(last, 'gen')}",
                [40, 18, 12], ["Ресурс", "Просроченная задолженность", "Доля, %"])
    if found.empty:
        s.empty()
    else:
        total = found.amount.sum()
        for r in found.itertuples():
            s.line([resources.get(r.resource, r.resource), r.amount, r.amount / total * 100 if total else None], formats={3: PERCENT})
        s.line(["Итого", total, 100.0], bold=True, formats={3: PERCENT})
        s.note(p.footnote([last], found=estimates.notes(p.structure, p.lines.coverage, [last])))
    s.finish(*p.signature)


def _claims_sheet(wb: Book, p: _Parts) -> None:
    period, names, last, limits = p.period, p.names, p.last, p.result.limits
    s = p.sheet(wb, "Претензионная работа", "Претензионно-исковая работа", [36] + [13] * 10,
                ["Организация", f"Должников свыше порога на конец {fmt.month_label(last, 'gen')}",
                 "Уведомлений", "Заявлений в суд", "Сумма заявлений", "Решений (приказов)",
                 "Сумма решений", "ИД приставам", "Сумма ИД", "Заявлений на должника", "ИД на решение"],
                unit=f"количество — штук, суммы — {UNIT}")
    claim_formats = {2: COUNT, 3: COUNT, 4: COUNT, 6: COUNT, 8: COUNT, 10: "0.000", 11: "0.00"}
    claims = p.chosen.claims
    claims = claims[claims.month.isin(period.scope)]
    s.note(limits.get("claims"))
    if claims.empty or "claims" in limits:
        s.empty()
    else:
        per = metrics.claims_by(claims, period.scope, ["participant_id"])
        rows = {r.Index: r for r in per.itertuples()}  # one pass, not a row lookup per organisation
        for u in sorted(rows, key=lambda k: names.get(k, k)):
            s.line(_claims_row(names.get(u, u), rows[u]), formats=claim_formats)
        s.line(_claims_row("Итого", metrics.claims_by(claims, period.scope, []).iloc[0]), bold=True, formats=claim_formats)
        s.note("Должники свыше порога — число на конец периода (не сумма по месяцам); заявления на должника — заявления "
               "за период на это число.")
        s.note(p.footnote([last], found=estimates.notes(claims, p.lines.coverage, [last])))
    s.finish(*p.signature)


def _plan_sheet(wb: Book, p: _Parts) -> None:
    names, plan = p.names, p.result.plan
    s = p.sheet(wb, "Исполнение плана", "Исполнение плана мероприятий", [8, 60, 34, 14, 16, 14, 50],
                ["№ п/п", "Мероприятие", "Исполнитель", "Период", "Состояние", "Значение индикатора", "Что сделано"], unit=None)
    if plan.empty:
        s.empty()
    for r in plan.itertuples():
        s.line([item_number(r.item_no), r.measure, names.get(r.participant_id, r.participant_id),
                period_label(r.period), PLAN_LABELS.get(r.status, r.status),
                r.indicator_value, r.done_text if isinstance(r.done_text, str) else ""], formats={1: COUNT, 6: EXACT})
    s.finish(*p.signature)


def _filing_sheet(wb: Book, p: _Parts) -> None:
    names, f = p.names, p.result.filing
    s = p.sheet(wb, "Сдача отчётов", f"Участники, не сдавшие отчёт в срок (до {p.settings['report_due_day']} числа)",
                [44, 18, 20, 16], ["Участник", "Месяц", "Состояние", "Подан"], unit=None)
    late = f[f.status.isin(["late", "missing", "returned"]) | f.corrected_on.notna() | f.missing_lines.notna()]
    if late.empty:
        s.text("Все отчёты сданы в срок.")
    for r in late.itertuples():
        state = status_text(r.status, r.corrected_on, r.missing_lines)
        if r.returned_on is not None and r.status in ("on_time", "late", "returned"):
            state += f" (возвращён {fmt.date_ru(r.returned_on)}: {r.return_reason})"
        s.line([names.get(r.participant_id, r.participant_id), fmt.month_label(r.month), state,
                r.filed_on if isinstance(r.filed_on, dt.date) else None])
    if len(late):
        s.note("«В срок» и «с опозданием» — по первой подаче отчёта за месяц; исправление после возврата на доработку "
               "срок не меняет, дата исправления указана рядом.")
    s.finish(*p.signature)


def _quality_sheet(wb: Book, p: _Parts) -> None:
    names, found = p.names, p.result.quality
    s = p.sheet(wb, "Качество данных", "Замечания к данным, не устранённые на дату выгрузки", [34, 28, 14, 30, 60],
                ["Участник", "Поселение", "Месяц", "Поле", "Что не так"], unit=f"суммы в замечаниях — {UNIT}")
    if found.empty:
        s.text("Замечаний нет.")
    for r in found.itertuples():
        s.line([names.get(r.participant_id, r.participant_id), names.get(r.settlement_id, r.settlement_id), fmt.month_label(r.month),
                r.field, r.message])
    s.finish(*p.signature)


def _who_and_what(filters: Filters) -> tuple:
    """The filters other than the period."""
    return (filters.settlements, filters.utilities, filters.kinds, filters.groups, filters.resources)


def settlement_lines(by_settlement: pd.DataFrame, months: list[str]) -> dict[str, list]:
    """``_settlement_line`` for every settlement of ``metrics.totals_by(…, ["settlement_id"])`` in one
    grouping pass (one call per settlement cost ~700 pandas calls at region scale): the same sums over
    ``months``, the debt at their start, the overdue and closing debt at their end; keyed by settlement
    in the order they first appear."""
    ids = list(dict.fromkeys(by_settlement.settlement_id))
    within = by_settlement[by_settlement.month.isin(months)]
    # a settlement × month grid summed along its rows: numpy adds each row exactly as ``Series.sum`` adds
    # that settlement's months (pairwise, a missing value as 0), so the sums agree to the last bit —
    # a groupby sum (compensated) differs from the dashboard's own sums in the 16th digit
    flows = ["accrued", "paid", "recovered_enforcement"]
    grid = within.pivot(index="settlement_id", columns="month", values=flows).reindex(ids)
    sums = pd.DataFrame({f: np.nan_to_num(grid[f].to_numpy(dtype="float64")).sum(axis=1) if len(within) else np.zeros(len(ids))
                         for f in flows})
    collection = metrics.collection_pct(sums.paid, sums.accrued)

    def at(month: str, field: str) -> dict:
        """The field in that month, by settlement; a settlement without the month has none (None, as ``Series.get``)."""
        part = by_settlement[by_settlement.month == month]
        return dict(zip(part.settlement_id, part[field]))

    start, overdue, closing = at(months[0], "debt_start"), at(months[-1], "overdue"), at(months[-1], "debt_end")
    return {k: [start.get(k), accrued, paid, pct, recovered, overdue.get(k), closing.get(k)]
            for k, accrued, paid, pct, recovered in zip(ids, sums.accrued, sums.paid, collection, sums.recovered_enforcement)}


def _settlement_line(label: str, totals: pd.DataFrame, months: list[str]) -> list:
    totals = totals.set_index("month")
    within = totals[totals.index.isin(months)]
    accrued, paid = within.accrued.sum(), within.paid.sum()
    return [label, totals.debt_start.get(months[0]), accrued, paid, metrics.collection_pct(paid, accrued),
            within.recovered_enforcement.sum(), totals.overdue.get(months[-1]), totals.debt_end.get(months[-1])]


def _aging_line(label: str, part: pd.DataFrame, month: str) -> list:
    amounts = [part[b].sum() for b in BUCKETS]
    return [label, *amounts, sum(amounts), metrics.share_older_than_12(part, month)]


def _claims_row(label: str, r) -> list:
    return [label, r.debtors_over_threshold, r.notices_sent, r.court_applications, r.court_applications_sum, r.court_decisions,
            r.court_decisions_sum, r.writs_sent, r.writs_sent_sum, r.applications_per_debtor, r.writs_per_decision]


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record(period: Period, data: bytes, file_name: str) -> dict:
    """The row of the «Выгрузки» tab that says this file was sent."""
    return {"export_id": f"{period.key}-{checksum(data)[:12]}", "period": period.key,
            "mode": "cumulative" if period.cumulative else "quarter", "file_name": file_name, "checksum": checksum(data)}


def file_name(period: Period, district: str) -> str:
    """«Ленский район — задолженность ЖКУ — 4 квартал 2024.xlsx»: the period as people say it."""
    when = f"{period.quarter} квартал {period.year}" if period.quarter else f"{period.year} год"
    return f"{district} — задолженность ЖКУ — {when}{' нарастающим итогом' if period.cumulative else ''}.xlsx"
