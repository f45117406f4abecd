"""Lenient parsing of hand-typed cells: each row is a cell as a person would type it."""

import datetime as dt

import pytest

from lib.core.frames import cells_to_frame
from lib.core.parsing import ParseError, parse_value
from lib.core.schema import Column, schema

MR = schema()["monthly_reports"]
money = MR.column("accrued")
month = MR.column("month")
count = schema()["claims_work"].column("court_applications")
group = MR.column("consumer_group")
active = schema()["participants"].column("active")
due = schema()["decisions"].column("due_date")
period = schema()["plan_progress"].column("period")
written_off = MR.column("written_off")  # optional money
indicator = schema()["plan_progress"].column("indicator_value")  # a plain number
pct = Column("target_reduction_pct", "Цель снижения", "percent", min=0)

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
    (money, "1e15", Problem("с порядком")),
    (money, 1e15, Problem("больше 100")),
    # what a Russian accountant types or pastes from Excel (issue 10)
    (money, "15226,84", 15226.84),
    (money, "15 226,84", 15226.84),
    (money, "15\u00a0226,84", 15226.84),
    (money, "1\u2009234,5", 1234.5),  # thin space
    (money, "1 234.5", 1234.5),
    (money, "23,4", 23.4),
    (money, "1234,5", 1234.5),
    (money, "12,345", 12.345),  # three decimals = exact to the ruble
    (money, "0.125", 0.125),
    (money, "1234.567", 1234.567),
    (money, "1 234 567,891", 1234567.891),
    (money, "1.234.567", 1234567.0),
    (money, "1,234,567", 1234567.0),
    (money, "1 234,5000", 1234.5),  # trailing zeros change nothing
    (money, ",5", 0.5),
    (money, "+5", 5.0),
    (money, "\t1 234,5\n", 1234.5),  # a cell copied from Excel carries a line break
    (money, "12\t345", Problem("не число")),  # two cells pasted into one field: not 12 345
    (money, "12\n345", Problem("не число")),
    (money, "12.345", Problem("двояко")),  # 12,345 or 12 345: refused, not guessed
    (money, "1.500", Problem("двояко")),
    (money, "1 23,5", Problem("разряды")),
    (money, "1,234,5", Problem("разряды")),
    (money, "12 34", Problem("разряды")),
    (money, "1,,234", Problem("разряды")),
    (money, "1 234.567,8", Problem("по-разному")),
    (money, "1,2.3,4", Problem("несколько «,»")),
    (money, "1,5E+05", Problem("с порядком")),
    (money, "1e5", Problem("с порядком")),
    (money, "1e308", Problem("с порядком")),
    (money, 1e308, Problem("больше 100")),  # a cell holding 1e308 (was an OverflowError that took every page down)
    (money, 10**400, Problem("слишком большое")),
    (money, "1" * 100_000, Problem("слишком много цифр")),
    (money, "12345678901234567,5", Problem("значащих цифр")),
    (money, "–5", Problem("отрицательным")),  # an en dash from Word
    (money, "(5)", Problem("не число")),
    (money, "5-", Problem("не число")),
    (money, "1 234,5 руб.", Problem("без единиц")),
    (money, "5%", Problem("не число")),
    (money, [1], Problem("ожидается число")),
    (count, "1 200", 1200),
    (count, "12,0", 12),
    (count, "2,5", Problem("целым")),
    (pct, "5%", 5.0),
    (pct, "5 %", 5.0),
    (indicator, "0,30000000000000004", 0.30000000000000004),  # a stored float edited back unchanged
    (money, True, Problem("флажок")),
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
            "2024-04-05T10:00:00+00:00", "a@x", "s1", "", ""]  # the last: «Печать» (none: typed by a person)
    bad = ["lptes", "vitim", "2024-03", "население", "abc", "200", "-1", "2", "700", "", "",
           "2024-04-05T10:00:00+00:00", "a@x", "s1", "", ""]
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


@pytest.mark.parametrize("value", [1234.5, 0.125, 12, 1_000_000.0, 0.30000000000000004, 1e-05, 100_000_000.0, 1234.567, 0.0, 15226.84])
def test_a_stored_number_shown_for_editing_parses_back_to_exactly_itself(value):
    from lib.core.parsing import number_text

    text = number_text(value)
    assert "e" not in text.lower() and "." not in text
    assert parse_value(text, indicator) == value


def test_number_text_is_russian():
    from lib.core.parsing import number_text

    assert number_text(1234567.891) == "1\u00a0234\u00a0567,891"
    assert number_text(None) == number_text(float("nan")) == ""


def test_a_checkbox_in_a_money_column_is_a_problem_like_the_single_cell_parser_says():
    """A TRUE (a checkbox typed into the sheet) was read by the column-at-once path as 1.0, silently."""
    row = ["lptes", "lensk", "2024-03", "население", True, "200", "180", "2", "700", "", "", "2024-04-05T10:00:00+00:00", "a@x", "s1"]
    frame, problems = cells_to_frame(MR, MR.titles, [row])
    assert frame["debt_start"].isna().all()
    assert [(p.column, p.reason) for p in problems] == [("Задолженность на начало месяца", "ожидается число, а не «да/нет» (флажок)")]


@pytest.mark.parametrize("cell", [1e308, 10**400, "1e308", "1" * 100_000, float("inf")])
def test_an_absurd_cell_in_a_tab_is_a_problem_not_a_crash(cell):
    row = ["lptes", "lensk", "2024-03", "население", cell, "200", "180", "2", "700", "", "", "2024-04-05T10:00:00+00:00", "a@x", "s1"]
    frame, problems = cells_to_frame(MR, MR.titles, [row])
    assert frame["debt_start"].isna().all() and frame["accrued"].iloc[0] == 200
    assert [p.column for p in problems] == ["Задолженность на начало месяца"]
    assert "NaN" not in problems[0].reason or cell == float("inf")


def test_text_in_a_count_column_is_judged_by_the_one_parser():
    """«1e5» typed into a count passed pandas' fast path before; now every typed text is read by parse_value."""
    table = schema()["claims_work"]
    row = {c.key: None for c in table.columns}
    row.update(participant_id="ves", month="2024-03", debtors_over_threshold="1e5", court_applications="1 200",
               court_decisions="3", writs_sent="2", saved_at="2024-04-05T10:00:00+00:00", saved_by="a@x", save_id="s")
    frame, problems = cells_to_frame(table, table.keys, [[row[k] for k in table.keys]])
    assert frame["court_applications"].iloc[0] == 1200
    assert [(p.column, "порядком" in p.reason) for p in problems] == [("Должников свыше порога", True)]
