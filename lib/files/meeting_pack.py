"""The meeting pack: one printable document for a commission meeting date.

Its figures come from ``lib.domain.summary.execute`` for the reporting month before the meeting, so
they equal what the dashboard shows for the same filters.
"""

from __future__ import annotations

import datetime as dt
import html
import io
from dataclasses import dataclass

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from lib.core import fmt
from lib.domain import estimates, metrics, quality
from lib.domain.filing import deadline, status_text
from lib.domain.periods import period_label, shift_month
from lib.domain.plan_rules import ATTENTION_LABEL, needs_attention
from lib.domain.plan_rules import STATUS_LABELS as PLAN_LABELS
from lib.domain.present import texts
from lib.domain.proceedings import decisions, meetings
from lib.domain.summary import DashboardResult, Filters, execute, select
from lib.files.xlsx_tables import FONT_SIZE, font, print_setup, row_height, text_cell, write_table


@dataclass
class Pack:
    meeting_date: dt.date
    month: str  # the reporting month the pack speaks about
    result: DashboardResult
    not_filed: pd.DataFrame
    growth_settlements: pd.DataFrame
    growth_utilities: pd.DataFrame
    overdue_measures: pd.DataFrame
    overdue_decisions: pd.DataFrame
    agenda: list[str]
    protocol: pd.DataFrame | None  # decisions of a meeting held that day
    notes: list[str] | None = None  # estimates and returned reports in the figures (lib.domain.estimates)
    corrected: pd.DataFrame | None = None  # reports of the month corrected after a return, with the return's date and reason


def reporting_month(meeting_date: dt.date, due_day: int) -> str:
    """The latest month whose report deadline has passed by the meeting date."""
    month = shift_month(meeting_date.strftime("%Y-%m"), -1)
    while deadline(month, due_day) >= meeting_date:
        month = shift_month(month, -1)
    return month


def default_date(snapshot, settings, today: dt.date) -> dt.date:
    """The meeting the latest data is for: the first recorded meeting after the latest reported month's
    deadline; with none recorded, the day after that deadline. Never a date with nothing to report on."""
    months = snapshot.current("monthly_reports").month.dropna()
    if months.empty:
        return today
    due = deadline(months.max(), settings["report_due_day"])
    held = meetings(snapshot)
    later = sorted(d.date() for d in held.date.dropna() if d.date() > due) if len(held) else []
    return later[0] if later else due + dt.timedelta(days=1)


def build(snapshot, meeting_date: dt.date, settings, top: int = 5) -> Pack:
    names = dict(zip(snapshot.current("participants").id, snapshot.current("participants").name))
    month = reporting_month(meeting_date, settings["report_due_day"])
    previous = shift_month(month, -1)
    lines = estimates.lines(snapshot)
    result = execute(snapshot, Filters(previous, month), settings, meeting_date, lines=lines)
    history = select(snapshot, Filters(month, month), whole_history=True, lines=lines).monthly
    filing = result.filing[(result.filing.month == month) & result.filing.status.isin(["missing", "returned"])]
    # a report filed without some of its lines is marked like a missing one (its lines are carried, lib.domain.estimates)
    partial = [n for n in estimates.notes(history, lines.coverage, [month]) if n.kind == "partial"]
    not_filed = pd.DataFrame({"Участник": [names.get(p, p) for p in filing.participant_id] + [names.get(n.participant_id, n.participant_id)
                                                                                              for n in partial],
                              "Состояние": filing.status.map({"missing": "не подан", "returned": "на доработке"}).tolist()
                              + [f"подан не полностью: нет строк — {'; '.join(estimates.line_text(x, names) for x in n.lines)}"
                                 for n in partial]})

    fixed = result.filing[(result.filing.month == month) & result.filing.corrected_on.notna()]
    corrected = pd.DataFrame({"Участник": [names.get(p, p) for p in fixed.participant_id],
                              "Состояние": [status_text(r.status, r.corrected_on) for r in fixed.itertuples()],
                              "Возвращён": [fmt.date_ru(d) for d in fixed.returned_on], "Причина возврата": fixed.return_reason})

    def growth(by):
        # growth over the reporting month: its closing debt − its opening debt (lib.domain.metrics.ranking)
        g = metrics.ranking(history, month, month, by).dropna(subset=["growth"]).sort_values("growth", ascending=False).head(top)
        g = g[g.growth > 0]
        return pd.DataFrame({"Участник": [names.get(i, i) for i in g["id"]], "Долг, тыс. руб.": g.debt,
                             f"Рост за {fmt.month_label(month)}, тыс. руб.": g.growth, "Рост, %": g.growth_pct,
                             "Примечание": ["оценка: есть организации без отчёта" if e else "" for e in g.estimated]})

    late = needs_attention(result.plan)
    overdue_measures = pd.DataFrame({"Пункт": late.item_no.fillna(""), "Мероприятие": late.measure,
                                     "Исполнитель": [names.get(p, p) for p in late.participant_id],
                                     "Период": late.period.map(period_label), "Состояние": late.status.map(PLAN_LABELS)})
    d = decisions(snapshot, meeting_date)
    od = d[d.overdue]
    overdue_decisions = pd.DataFrame({"Поручение": od.text, "Ответственный": [names.get(p, p) for p in od.responsible_id],
                                      "Срок": od.due_date})
    agenda = [
        f"О сдаче отчётов за {fmt.month_label(month)}" + (f" (не сдали{' или не полностью' if partial else ''}: {len(not_filed)})"
                                                          if len(not_filed) else ""),
        "О росте задолженности в поселениях и организациях ЖКК",
        f"Об исполнении плана мероприятий ({ATTENTION_LABEL.lower()}: {len(overdue_measures)})",
        f"Об исполнении поручений комиссии (просрочено: {len(overdue_decisions)})",
        "Разное",
    ]
    held = meetings(snapshot)
    today_meeting = held[held.date == pd.Timestamp(meeting_date)] if len(held) else held
    protocol = None
    if len(today_meeting):
        mid = today_meeting.iloc[0].meeting_id
        taken = d[d.meeting_id == mid]
        protocol = pd.DataFrame({"Решение": taken.text, "Ответственный": [names.get(p, p) for p in taken.responsible_id],
                                 "Срок": taken.due_date})
    footnote = estimates.footnote(estimates.notes(history, lines.coverage, [month]), names)
    warned = quality.warning_text(result.warnings.get("debt", pd.DataFrame()), names)  # as beside the dashboard's debt tile
    return Pack(meeting_date, month, result, not_filed, growth("settlement_id"), growth("participant_id"),
                overdue_measures, overdue_decisions, agenda, protocol, [x for x in (footnote, warned) if x], corrected)


def sections(pack: Pack) -> list[tuple[str, pd.DataFrame]]:
    out = [
        (f"Отчёт за {fmt.month_label(pack.month)} не сдан или на доработке", pack.not_filed),
        ("Наибольший рост задолженности: поселения", pack.growth_settlements),
        ("Наибольший рост задолженности: организации ЖКК", pack.growth_utilities),
        (f"Мероприятия плана: {ATTENTION_LABEL.lower()}", pack.overdue_measures),
        ("Просроченные поручения комиссии", pack.overdue_decisions),
    ]
    if pack.corrected is not None and len(pack.corrected):
        out.insert(1, (f"Отчёт за {fmt.month_label(pack.month)} исправлен после возврата на доработку", pack.corrected))
    if pack.protocol is not None:
        out.append(("Протокол: принятые решения", pack.protocol))
    return out


def title(pack: Pack, district: str) -> str:
    return f"Материалы к заседанию комиссии {fmt.date_ru(pack.meeting_date)} — {district}"


def to_xlsx(pack: Pack, district: str) -> bytes:
    """The pack as one printable sheet: agenda, notes, then each section's table (``lib.files.xlsx_tables``)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Материалы"
    widths = (60, 34, 22, 16, 30)
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width

    def line(row: int, text: str, **style) -> None:
        """A line of text across the sheet's width, wrapped."""
        text_cell(ws.cell(row, 1), text)
        ws.cell(row, 1).font = font(**style)
        ws.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(widths))
        ws.row_dimensions[row].height = row_height([text], [sum(widths)], size=style.get("size", FONT_SIZE))

    line(1, title(pack, district), bold=True, size=13)
    row = 3
    line(row, "Проект повестки", bold=True)
    for i, item in enumerate(pack.agenda, start=1):
        row += 1
        line(row, f"{i}. {item}")
    for note in pack.notes or []:
        row += 2
        line(row, f"* {note}", italic=True)
    for heading, frame in sections(pack):
        row += 2
        line(row, heading, bold=True)
        row += 1
        if frame.empty:
            line(row, "нет")
            continue
        row = write_table(ws, frame, row) - 1
    print_setup(ws)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_html(pack: Pack, district: str) -> str:
    """A print view: open in a browser and print (or save as PDF). Cells read as on the page (``lib.domain.present``)."""
    e = html.escape
    parts = [f"<h1>{e(title(pack, district))}</h1>", "<h2>Проект повестки</h2><ol>"]
    parts += [f"<li>{e(item)}</li>" for item in pack.agenda] + ["</ol>"]
    parts += [f"<p class='note'>* {e(note)}</p>" for note in pack.notes or []]
    for heading, frame in sections(pack):
        parts.append(f"<h2>{e(heading)}</h2>")
        if frame.empty:
            parts.append("<p>нет</p>")
            continue
        head = "".join(f"<th>{e(str(c))}</th>" for c in frame.columns)
        shown, numeric = texts(frame), [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
        body = "".join("<tr>" + "".join(f"<td class='n'>{e(v)}</td>" if n else f"<td>{e(v)}</td>" for v, n in zip(row, numeric)) + "</tr>"
                       for row in shown.itertuples(index=False))
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    style = ("body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:11pt;margin:2em}table{border-collapse:collapse;width:100%}"
             "th,td{border:1px solid #999;padding:4px;vertical-align:top}td.n{text-align:right;white-space:nowrap}"
             ".note{font-style:italic;font-size:10pt}@page{size:A4 landscape;margin:1.5cm}")
    return f"<!doctype html><html lang='ru'><head><meta charset='utf-8'><title>{e(title(pack, district))}</title>" \
           f"<style>{style}</style></head><body>{''.join(parts)}</body></html>"
