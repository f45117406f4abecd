"""Printed deadlines of plan measures turned into rules and due dates.

A measure's «Сроки исполнения» («ежемесячно до 05 числа, следующего за отчетным месяцем»,
«ежеквартально, до 10 числа первого месяца очередного квартала», «I квартал 2022 года», «ноябрь»,
«постоянно», «по мере необходимости», …) says how often it is done; «Срок предоставления отчета»
says how often its executors report. The execution matrix has one cell per report period; a cell
whose report is missing after its due date is «просрочено» — except for measures done only as
needed, where nothing to report is normal.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from lib.domain.periods import quarter_of, shift_month

DEFAULT_REPORT_DAY = 10
MONTH_WORDS = (("январ", 1), ("феврал", 2), ("март", 3), ("апрел", 4), ("ма[йяе]", 5), ("июн", 6), ("июл", 7),
               ("август", 8), ("сентябр", 9), ("октябр", 10), ("ноябр", 11), ("декабр", 12))
AS_NEEDED = ("по мере", "при необходимости", "при поступлении", "согласно плану", "в течение ", "по требованию")
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


@dataclass(frozen=True)
class Rule:
    periodicity: str  # monthly | quarterly | permanent | as_needed | once
    due_day: int | None = None  # «до 05 числа»
    due_date: dt.date | None = None  # for a one-off measure


def _last_day(year: int, month: int) -> dt.date:
    nxt = shift_month(f"{year:04d}-{month:02d}", 1)
    return dt.date(int(nxt[:4]), int(nxt[5:7]), 1) - dt.timedelta(days=1)


def parse_deadline(text: str | None, plan_year: int) -> Rule:
    """The first clause of the printed deadline decides; a one-off without a year takes the plan's."""
    # a cell left empty in the sheet reads as a missing value (NaN), not as ""
    t = " ".join((text if isinstance(text, str) else "").lower().replace("ё", "е").split())
    first = t.split(";")[0].strip()
    if not first:
        return Rule("permanent")
    day_match = re.search(r"до\s*0?(\d{1,2})\s*(?:-?го\s*)?числа", first)
    day = int(day_match[1]) if day_match else None
    if any(word in first for word in AS_NEEDED):
        return Rule("as_needed")
    if "ежемесяч" in first:
        return Rule("monthly", day)
    if "ежекварт" in first:
        return Rule("quarterly", day)
    if "постоянно" in first or "ежедневно" in first or "еженедел" in first:
        return Rule("permanent")
    date_match = re.search(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", first)
    if date_match:
        d, m, y = map(int, date_match.groups())
        return Rule("once", due_date=dt.date(y, m, d))
    year_match = re.search(r"(\d{4})", first)
    year = int(year_match[1]) if year_match else plan_year
    quarter = re.search(r"\b(iv|i{1,3}|[1-4])\s*(?:-?й\s*)?(?:кв\.?|квартал)", first)
    if quarter:
        q = int(quarter[1]) if quarter[1].isdigit() else ROMAN[quarter[1]]
        return Rule("once", due_date=_last_day(year, q * 3))
    for stem, number in MONTH_WORDS:
        if re.search(rf"\b{stem}", first):
            return Rule("once", due_date=_last_day(year, number))
    if "год" in first:
        return Rule("once", due_date=dt.date(year, 12, 31))
    return Rule("permanent")


def report_frequency(report_text: str | None, rule: Rule) -> str:
    """month | quarter | none (reported only when there is something to report)."""
    t = (report_text if isinstance(report_text, str) else "").lower()
    if "ежемесяч" in t:
        return "month"
    if any(word in t for word in AS_NEEDED):
        return "none" if rule.periodicity == "as_needed" else "quarter"
    if t.strip():
        return "quarter"  # «ежеквартально», «постоянно», «совещание по итогам 6, 9 месяцев и года»
    if rule.periodicity == "monthly":
        return "month"
    return "none" if rule.periodicity == "as_needed" else "quarter"


def report_due(rule: Rule, frequency: str, period: str) -> dt.date:
    """When the report for ``period`` (a month or a quarter) is due."""
    if rule.periodicity == "once" and rule.due_date:
        return rule.due_date
    if "-Q" in period:
        first = shift_month(f"{period[:4]}-{int(period[-1]) * 3:02d}", 1)
        day = rule.due_day if rule.periodicity == "quarterly" and rule.due_day else DEFAULT_REPORT_DAY
    else:
        first = shift_month(period, 1)
        day = rule.due_day if rule.periodicity == "monthly" and rule.due_day else DEFAULT_REPORT_DAY
    return dt.date(int(first[:4]), int(first[5:7]), day)


def rule_of(measure: dict, plan_year: int) -> Rule:
    """Structured fields win (a coordinator set them); otherwise the printed text is read."""
    periodicity = measure.get("periodicity")
    if isinstance(periodicity, str) and periodicity:
        due_date = measure.get("due_date")
        if isinstance(due_date, pd.Timestamp):
            due_date = due_date.date()
        elif due_date is not None and not isinstance(due_date, dt.date):
            due_date = None
        day = measure.get("due_day")
        return Rule(periodicity, int(day) if pd.notna(day) else None, due_date)
    return parse_deadline(measure.get("deadline"), plan_year)


def report_periods(rule: Rule, frequency: str, months: list[str]) -> list[str]:
    """The report periods of a measure within the chosen months."""
    if rule.periodicity == "once" and rule.due_date:
        month = rule.due_date.strftime("%Y-%m")
        period = month if frequency == "month" else quarter_of(month)
        return [period] if month in months else []
    if frequency == "month":
        return list(months)
    return sorted({quarter_of(m) for m in months})
