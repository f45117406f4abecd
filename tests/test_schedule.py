"""Due-date rules for every periodicity text in the four seeds (table-driven)."""

from __future__ import annotations

import datetime as dt

import pytest

from lib.domain.schedule import Rule, parse_deadline, report_due, report_frequency, report_periods

D = dt.date
# seed, printed text, plan year → rule, and the due date of the report for a sample period
CASES = [
    ("004", "ноябрь", 2023, Rule("once", due_date=D(2023, 11, 30)), "2023-Q4", D(2023, 11, 30)),
    ("004", "ежемесячно до 05 числа, следующего за отчетным месяцем", 2023, Rule("monthly", 5), "2024-03", D(2024, 4, 5)),
    ("004", "постоянно", 2023, Rule("permanent"), "2024-Q1", D(2024, 4, 10)),
    ("004", "по мере поступления обращения", 2023, Rule("as_needed"), "2024-Q1", D(2024, 4, 10)),
    ("004", "Ежеквартально", 2023, Rule("quarterly"), "2024-Q2", D(2024, 7, 10)),
    ("004", "Ежемесячно", 2023, Rule("monthly"), "2024-12", D(2025, 1, 10)),
    ("004", "По мере необходимости", 2023, Rule("as_needed"), "2024-Q3", D(2024, 10, 10)),
    ("004", "Согласно плану проведения рейдов", 2023, Rule("as_needed"), "2024-Q3", D(2024, 10, 10)),
    ("000", "ежемесячно", 2024, Rule("monthly"), "2024-01", D(2024, 2, 10)),
    ("000", "ежеквартально", 2024, Rule("quarterly"), "2024-Q4", D(2025, 1, 10)),
    ("000", "при поступлении исполнительного документа", 2024, Rule("as_needed"), "2024-Q1", D(2024, 4, 10)),
    ("000", "по мере необходимости", 2024, Rule("as_needed"), "2024-Q1", D(2024, 4, 10)),
    ("001", "ежеквартально, до 10 числа первого месяца очередного квартала", 2022, Rule("quarterly", 10), "2022-Q1", D(2022, 4, 10)),
    ("001", "ежемесячно, в срок до 05 числа текущего месяца", 2022, Rule("monthly", 5), "2022-02", D(2022, 3, 5)),
    ("001", "I квартал 2022 года", 2022, Rule("once", due_date=D(2022, 3, 31)), "2022-Q1", D(2022, 3, 31)),
    ("001", "в течение 3-х дней со дня установления нарушения", 2022, Rule("as_needed"), "2022-Q2", D(2022, 7, 10)),
    ("001", "по мере возникновения оснований", 2022, Rule("as_needed"), "2022-Q2", D(2022, 7, 10)),
    ("001", "постоянно", 2022, Rule("permanent"), "2022-Q4", D(2023, 1, 10)),
    ("003", "ежемесячно", 2017, Rule("monthly"), "2017-11", D(2017, 12, 10)),
    ("003", "постоянно", 2017, Rule("permanent"), "2017-Q4", D(2018, 1, 10)),
    ("003", "при необходимости", 2017, Rule("as_needed"), "2017-Q4", D(2018, 1, 10)),
]


@pytest.mark.parametrize("seed,text,year,rule,period,due", CASES, ids=[f"{c[0]}:{c[1][:30]}" for c in CASES])
def test_printed_deadline_to_rule_and_due_date(seed, text, year, rule, period, due):
    parsed = parse_deadline(text, year)
    assert parsed == rule
    frequency = "month" if "-Q" not in period else "quarter"
    assert report_due(parsed, frequency, period) == due


def test_report_frequency_from_the_report_column():
    monthly, quarterly, needed = Rule("monthly", 5), Rule("quarterly"), Rule("as_needed")
    assert report_frequency("Ежеквартально", monthly) == "quarter"  # item 2: done monthly, reported quarterly
    assert report_frequency("Ежемесячно", monthly) == "month"  # item 9
    assert report_frequency("По мере необходимости", needed) == "none"
    assert report_frequency("Совещание по итогам: 6 месяцев, 9 месяцев и годовой (декабрь", Rule("once", due_date=D(2023, 11, 30))) == "quarter"
    assert report_frequency("", monthly) == "month" and report_frequency(None, quarterly) == "quarter"


def test_report_periods_within_the_chosen_months():
    months = ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert report_periods(Rule("monthly"), "month", months) == months
    assert report_periods(Rule("permanent"), "quarter", months) == ["2024-Q1", "2024-Q2"]
    assert report_periods(Rule("once", due_date=D(2024, 2, 29)), "quarter", months) == ["2024-Q1"]
    assert report_periods(Rule("once", due_date=D(2023, 11, 30)), "quarter", months) == []


def test_a_month_word_does_not_match_inside_other_words():
    assert parse_deadline("максимально быстро", 2024) == Rule("permanent")
    assert parse_deadline("май", 2024) == Rule("once", due_date=D(2024, 5, 31))
    assert parse_deadline("до 01.04.2022", 2022) == Rule("once", due_date=D(2022, 4, 1))
