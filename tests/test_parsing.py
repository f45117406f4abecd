"""Lenient parsing of hand-typed cells: each row is a cell as a person would type it."""

import datetime as dt

import pytest

from lib.frames import cells_to_frame
from lib.parsing import ParseError, parse_value
from lib.schema import schema

MR = schema()["monthly_reports"]
money = MR.column("accrued")
month = MR.column("month")
count = schema()["claims_work"].column("court_applications")
group = MR.column("consumer_group")
active = schema()["participants"].column("active")
due = schema()["decisions"].column("due_date")
period = schema()["plan_progress"].column("period")
written_off = MR.column("written_off")  # optional money

class Problem(str):
    """The cell must be refused with a reason containing this fragment."""


CASES = [
    # column, typed, parsed value or the expected problem (a fragment of the Russian reason)
    (money, "1 234,5", 1234.5),
    (money, "1\u00a0234,5", 1234.5),
    (money, "1\u202f234,5", 1234.5),
    (money, "1234.5", 1234.5),
    (money, 1234.5, 1234.5),
    (money, 1234, 1234.0),
    (money, "1.234,56", 1234.56),
    (money, "1,234.56", 1234.56),
    (money, " 12,5 ", 12.5),
    (money, "0", 0.0),
    (money, "1,234", 1.234),  # Russian convention: a lone comma is the decimal separator
    (money, "12,3456", Problem("3 знаков")),
    (money, "-5", Problem("отрицательным")),
    (money, "−5", Problem("отрицательным")),
    (money, "abc", Problem("не число")),
    (money, "12 тыс", Problem("не число")),
    (money, "NaN", Problem("NaN")),
    (money, "inf", Problem("NaN")),
    (money, float("inf"), Problem("NaN")),
    (money, "1e15", Problem("больше")),
    (money, True, Problem("число")),
    (money, "", Problem("обязательное")),
    (money, None, Problem("обязательное")),
    (written_off, "", None),
    (written_off, None, None),
    (count, "12", 12),
    (count, 12.0, 12),
    (count, "12,5", Problem("целым")),
    (month, "2024-03", "2024-03"),
    (month, "2024-3", "2024-03"),
    (month, "03.2024", "2024-03"),
    (month, "март 2024", "2024-03"),
    (month, "Март 2024 г.", "2024-03"),
    (month, "мая 2024", "2024-05"),
    (month, "01.03.2024", "2024-03"),
    (month, 45352, "2024-03"),  # a date serial: someone typed the month and Sheets made it a date
    (month, 3.2024, "2024-03"),  # "03.2024" typed into a sheet became a number
    (month, 1.202, Problem("превратился в число")),  # "01.2020": the trailing zero is lost, refuse
    (month, 12, Problem("не дата")),
    (month, "2024-13", Problem("не месяц")),
    (month, "весна", Problem("не месяц")),
    (group, "население", "population"),
    (group, "Население ", "population"),
    (group, "прочие  потребители", "other"),
    (group, "юрлица", Problem("недопустимое")),
    (active, "да", True),
    (active, "Нет", False),
    (active, "TRUE", True),
    (active, 1, True),
    (active, "может быть", Problem("«да» или «нет»")),
    (due, "05.04.2024", dt.date(2024, 4, 5)),
    (due, "2024-04-05", dt.date(2024, 4, 5)),
    (due, "5.4.24", dt.date(2024, 4, 5)),
    (due, 45387, dt.date(2024, 4, 5)),
    (due, "31.02.2024", Problem("такой даты нет")),
    (period, "2024-Q1", "2024-Q1"),
    (period, "1 кв. 2024", "2024-Q1"),
    (period, "IV квартал 2024", "2024-Q4"),
    (period, "2024-06", "2024-06"),
]


@pytest.mark.parametrize("column,typed,expected", CASES, ids=[f"{c.key}:{t!r}" for c, t, _ in CASES])
def test_hand_typed_cell(column, typed, expected):
    if isinstance(expected, Problem):
        with pytest.raises(ParseError, match=expected):
            parse_value(typed, column)
    else:
        assert parse_value(typed, column) == expected


def test_a_whole_tab_reports_every_bad_cell_with_row_and_column_and_keeps_the_rest():
    header = list(reversed(MR.titles))  # a person reordered the columns
    good = ["lptes", "lensk", "2024-03", "население", "1 000", "200,5", "180", "2", "700", "", "",
            "2024-04-05T10:00:00+00:00", "a@x", "s1", ""]
    bad = ["lptes", "vitim", "2024-03", "население", "abc", "200", "-1", "2", "700", "", "",
           "2024-04-05T10:00:00+00:00", "a@x", "s1", ""]
    rows = [list(reversed(good)), [], list(reversed(bad))]
    frame, problems = cells_to_frame(MR, header, rows)
    assert len(frame) == 2  # the blank spacer row is skipped, the bad row is kept
    assert frame.loc[0, "accrued"] == 200.5 and frame.loc[0, "debt_start"] == 1000
    assert frame.loc[1, "accrued"] == 200
    assert frame["debt_start"].isna().tolist() == [False, True]  # not zeroed
    found = {(p.row, p.column, p.value) for p in problems}
    assert found == {(4, "Задолженность на начало месяца", "abc"), (4, "Оплачено", "-1")}
    assert "строка 4" in str(problems[0]) and "«Ежемесячный отчёт»" in str(problems[0])


def test_a_missing_required_column_is_reported_on_the_header_row():
    header = [t for t in MR.titles if t != "Оплачено"]
    _, problems = cells_to_frame(MR, header, [])
    assert [(p.row, p.column) for p in problems] == [(1, "Оплачено")]
